using System;

namespace GenNN
{
    /// <summary>
    /// Sets the optimizer's <see cref="Optimizer.LearningRate"/> from a schedule (Keras' <c>LearningRateScheduler</c>
    /// and its <c>ExponentialDecay</c> / <c>CosineDecay</c>, PyTorch's <c>StepLR</c> / <c>ExponentialLR</c>). An
    /// epoch schedule sets the rate before each epoch; a batch schedule (<see cref="CosineDecay"/> with
    /// <c>perBatch: true</c>) before each batch. <see cref="History.LearningRate"/> records the rate each epoch ended with.
    /// </summary>
    /// <remarks>
    /// Epochs and steps are counted from 0 within each <c>Fit</c> call, as Keras' <c>schedule(epoch, lr)</c> receives
    /// them: the rate for the first epoch is <c>schedule(0, lr)</c>.
    /// </remarks>
    public sealed class LearningRateScheduler : Callback
    {
        private readonly Func<int, float, float>? _perEpoch;
        private readonly Cosine? _cosine;
        private long _totalSteps;
        private long _warmupSteps;

        /// <summary>Creates a per-epoch schedule from a function, like Keras' <c>LearningRateScheduler(schedule)</c>.</summary>
        /// <param name="schedule">Given the 0-based epoch about to start and the current rate, returns the rate for that
        /// epoch; it must be finite and at least 0.</param>
        public LearningRateScheduler(Func<int, float, float> schedule)
        {
            ArgumentNullException.ThrowIfNull(schedule);
            _perEpoch = schedule;
        }

        private LearningRateScheduler(Cosine cosine)
        {
            _cosine = cosine;
        }

        /// <summary>Whether the rate is set before every batch rather than every epoch.</summary>
        public bool PerBatch => _cosine?.PerBatch ?? false;

        /// <summary>
        /// Step decay (PyTorch's <c>StepLR</c>): <c>lr(epoch) = initial * factor^floor(epoch / epochsPerDrop)</c> for the
        /// 0-based epoch. <c>StepDecay(0.1f, 0.5f, 2)</c> gives 0.1, 0.1, 0.05, 0.05, 0.025, ...
        /// </summary>
        /// <param name="initial">The rate of the first epochs; finite and greater than 0.</param>
        /// <param name="factor">The multiplier at each drop, in (0, 1].</param>
        /// <param name="epochsPerDrop">The epochs between drops; at least 1.</param>
        /// <returns>The callback.</returns>
        /// <exception cref="ArgumentOutOfRangeException">An argument is outside its range.</exception>
        public static LearningRateScheduler StepDecay(float initial, float factor, int epochsPerDrop)
        {
            CheckPositive(initial, nameof(initial));
            if (!(factor > 0f && factor <= 1f))
            {
                throw new ArgumentOutOfRangeException(nameof(factor), factor, "Expected a drop factor in (0, 1].");
            }

            if (epochsPerDrop < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(epochsPerDrop), epochsPerDrop, "Expected at least 1 epoch per drop.");
            }

            return new LearningRateScheduler((epoch, _) => (float)(initial * Math.Pow(factor, epoch / epochsPerDrop)));
        }

        /// <summary>
        /// Exponential decay per epoch (PyTorch's <c>ExponentialLR</c>; Keras' <c>ExponentialDecay</c> with
        /// <c>decay_steps</c> one epoch): <c>lr(epoch) = initial * gamma^epoch</c> for the 0-based epoch.
        /// </summary>
        /// <param name="initial">The rate of the first epoch; finite and greater than 0.</param>
        /// <param name="gamma">The multiplier per epoch, in (0, 1].</param>
        /// <returns>The callback.</returns>
        /// <exception cref="ArgumentOutOfRangeException">An argument is outside its range.</exception>
        public static LearningRateScheduler Exponential(float initial, float gamma)
        {
            CheckPositive(initial, nameof(initial));
            if (!(gamma > 0f && gamma <= 1f))
            {
                throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "Expected gamma in (0, 1].");
            }

            return new LearningRateScheduler((epoch, _) => (float)(initial * Math.Pow(gamma, epoch)));
        }

        /// <summary>
        /// Cosine decay after a linear warm-up (Keras' <c>CosineDecay</c> with <c>warmup_steps</c>, PyTorch's
        /// <c>CosineAnnealingLR</c>), over steps <c>s = 0 .. T - 1</c> with <c>W</c> warm-up steps:
        /// <c>lr(s) = peak * (s + 1) / (W + 1)</c> for <c>s &lt; W</c>, then
        /// <c>lr(s) = minimum + (peak - minimum) * (1 + cos(pi * (s - W) / (T - W))) / 2</c>, and <c>minimum</c> from
        /// <c>s = T</c> on. The rate rises to the peak at step <c>W</c>, reached once, and no step has a rate of 0: Keras'
        /// <c>CosineDecay(initial_learning_rate: peak / (W + 1), decay_steps: T - W, alpha: minimum / peak,
        /// warmup_target: peak, warmup_steps: W)</c> gives the same rates (Keras' usual initial rate of 0 would spend the
        /// first step, here possibly a whole epoch, at 0). Unlike <c>CosineAnnealingLR</c>, the rate stays at the minimum
        /// after step <c>T</c>. Per epoch, a step is an epoch (<c>T = epochs</c>, <c>W = warmupEpochs</c>); per batch, a
        /// step is a batch (<c>T = epochs * batches per epoch</c>, <c>W = warmupEpochs * batches per epoch</c>).
        /// </summary>
        /// <param name="peak">The rate after the warm-up; finite and greater than 0.</param>
        /// <param name="epochs">The length of the schedule in epochs (usually <see cref="FitOptions.Epochs"/>); at least 1.</param>
        /// <param name="warmupEpochs">The epochs of linear warm-up, from 0 to <c>epochs - 1</c>.</param>
        /// <param name="minimum">The final rate, from 0 to <paramref name="peak"/>.</param>
        /// <param name="perBatch">Update the rate before every batch (smooth) instead of every epoch.</param>
        /// <returns>The callback.</returns>
        /// <exception cref="ArgumentOutOfRangeException">An argument is outside its range.</exception>
        public static LearningRateScheduler CosineDecay(float peak, int epochs, int warmupEpochs = 0, float minimum = 0f, bool perBatch = false)
        {
            CheckPositive(peak, nameof(peak));
            if (epochs < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(epochs), epochs, "Expected a schedule of at least 1 epoch.");
            }

            if (warmupEpochs < 0 || warmupEpochs >= epochs)
            {
                throw new ArgumentOutOfRangeException(nameof(warmupEpochs), warmupEpochs,
                    Dataset.Format("Expected 0 to {0} warm-up epochs (fewer than the {1} epochs of the schedule).", epochs - 1, epochs));
            }

            if (!(minimum >= 0f && minimum <= peak))
            {
                throw new ArgumentOutOfRangeException(nameof(minimum), minimum, Dataset.Format("Expected a minimum from 0 to the peak {0}.", peak));
            }

            return new LearningRateScheduler(new Cosine(peak, minimum, epochs, warmupEpochs, perBatch));
        }

        /// <summary>The cosine-with-warm-up formula of <see cref="CosineDecay"/> at step <paramref name="step"/>.</summary>
        internal static float CosineAt(long step, long totalSteps, long warmupSteps, float peak, float minimum)
        {
            if (step < warmupSteps)
            {
                return (float)((double)peak * (step + 1) / (warmupSteps + 1));
            }

            long decaySteps = totalSteps - warmupSteps;
            double t = Math.Min(step - warmupSteps, decaySteps) / (double)decaySteps;
            return (float)(minimum + ((double)peak - minimum) * (1 + Math.Cos(Math.PI * t)) / 2);
        }

        /// <inheritdoc/>
        public override void OnTrainBegin(TrainingContext context)
        {
            if (_cosine is Cosine c)
            {
                long unit = c.PerBatch ? context.BatchesPerEpoch : 1;
                _totalSteps = c.Epochs * unit;
                _warmupSteps = c.WarmupEpochs * unit;
            }
        }

        /// <inheritdoc/>
        public override void OnEpochBegin(TrainingContext context)
        {
            if (_perEpoch is not null)
            {
                Set(context, _perEpoch(context.Epoch - 1, context.Optimizer.LearningRate));
            }
            else if (_cosine is { PerBatch: false } c)
            {
                Set(context, CosineAt(context.Epoch - 1, _totalSteps, _warmupSteps, c.Peak, c.Minimum));
            }
        }

        /// <inheritdoc/>
        public override void OnBatchBegin(TrainingContext context)
        {
            if (_cosine is { PerBatch: true } c)
            {
                context.Optimizer.LearningRate = CosineAt(context.Step, _totalSteps, _warmupSteps, c.Peak, c.Minimum);
            }
        }

        private static void Set(TrainingContext context, float rate)
        {
            if (!(rate >= 0f && float.IsFinite(rate)))
            {
                throw new InvalidOperationException(Dataset.Format(
                    "The learning-rate schedule returned {0} for epoch {1} (0-based {2}); expected a finite rate >= 0.", rate, context.Epoch, context.Epoch - 1));
            }

            context.Optimizer.LearningRate = rate;
        }

        private static void CheckPositive(float value, string paramName)
        {
            if (!(value > 0f && float.IsFinite(value)))
            {
                throw new ArgumentOutOfRangeException(paramName, value, "Expected a finite learning rate greater than 0.");
            }
        }

        private sealed record Cosine(float Peak, float Minimum, int Epochs, int WarmupEpochs, bool PerBatch);
    }
}
