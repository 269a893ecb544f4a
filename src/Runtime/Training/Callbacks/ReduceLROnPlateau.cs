using System;

namespace GenNN
{
    /// <summary>
    /// Multiplies the learning rate by <see cref="Factor"/> when a monitored metric has stopped improving (Keras'
    /// <c>ReduceLROnPlateau</c>, with its defaults and its order of checks).
    /// </summary>
    /// <remarks>
    /// After each epoch: during a cooldown the cooldown counter goes down by one and the wait restarts; then, if the
    /// metric beats the best by more than <see cref="MinDelta"/>, it becomes the best and the wait restarts; otherwise,
    /// outside a cooldown, the wait grows by one and, when it reaches <see cref="Patience"/> and the rate is above
    /// <see cref="MinLearningRate"/>, the rate becomes <c>max(rate * Factor, MinLearningRate)</c>, the wait restarts
    /// and a cooldown of <see cref="Cooldown"/> epochs begins. The new rate applies from the next epoch.
    /// </remarks>
    public sealed class ReduceLROnPlateau : Callback
    {
        private Monitor _monitor;
        private int _wait;
        private int _cooldownCounter;

        /// <summary>The metric to watch; <c>val_loss</c> by default.</summary>
        public string Monitor { get; init; } = "val_loss";

        /// <summary>The multiplier applied to the rate, in (0, 1); 0.1 by default.</summary>
        public float Factor { get; init; } = 0.1f;

        /// <summary>The epochs without improvement before the rate is reduced; 10 by default.</summary>
        public int Patience { get; init; } = 10;

        /// <summary>The least change that counts as an improvement; 1e-4 by default.</summary>
        public double MinDelta { get; init; } = 1e-4;

        /// <summary>The epochs after a reduction during which no reduction happens; 0 by default.</summary>
        public int Cooldown { get; init; }

        /// <summary>The rate is never reduced below this; 0 by default.</summary>
        public float MinLearningRate { get; init; }

        /// <summary>Whether lower or higher is better; <see cref="MonitorMode.Auto"/> decides from the name.</summary>
        public MonitorMode Mode { get; init; }

        /// <summary>The best monitored value of the current (or last) run.</summary>
        public double BestValue { get; private set; }

        /// <inheritdoc/>
        public override void OnTrainBegin(TrainingContext context)
        {
            if (!(Factor > 0f && Factor < 1f))
            {
                throw new ArgumentOutOfRangeException(nameof(Factor), Factor, "ReduceLROnPlateau: expected a Factor in (0, 1).");
            }

            if (Patience < 0 || Cooldown < 0)
            {
                throw new ArgumentOutOfRangeException(Patience < 0 ? nameof(Patience) : nameof(Cooldown),
                    Patience < 0 ? Patience : Cooldown, "ReduceLROnPlateau: expected Patience and Cooldown >= 0.");
            }

            if (!(MinLearningRate >= 0f && float.IsFinite(MinLearningRate)))
            {
                throw new ArgumentOutOfRangeException(nameof(MinLearningRate), MinLearningRate, "ReduceLROnPlateau: expected a finite MinLearningRate >= 0.");
            }

            _monitor = new Monitor(Monitor, Mode, MinDelta, nameof(ReduceLROnPlateau));
            _monitor.CheckReported(context);
            BestValue = _monitor.Worst;
            _wait = 0;
            _cooldownCounter = 0;
        }

        /// <inheritdoc/>
        public override void OnEpochEnd(TrainingContext context, EpochResult result)
        {
            double current = _monitor.Read(result);
            if (_cooldownCounter > 0)
            {
                _cooldownCounter--;
                _wait = 0;
            }

            if (_monitor.IsImprovement(current, BestValue))
            {
                BestValue = current;
                _wait = 0;
            }
            else if (_cooldownCounter == 0)
            {
                _wait++;
                if (_wait >= Patience)
                {
                    float rate = context.Optimizer.LearningRate;
                    if (rate > MinLearningRate)
                    {
                        context.Optimizer.LearningRate = Math.Max(rate * Factor, MinLearningRate);
                        _cooldownCounter = Cooldown;
                        _wait = 0;
                    }
                }
            }
        }
    }
}
