using System;
using System.Globalization;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Threading;
using GenNN.Kernels;

namespace GenNN
{
    /// <summary>
    /// Updates a flat parameter vector from its gradient. Optimizers know nothing of layers: they see the
    /// network's <see cref="INetwork.Parameters"/> and <see cref="INetwork.Gradients"/> as two spans of equal length.
    /// </summary>
    /// <remarks>
    /// <para>An optimizer keeps per-parameter state (momentum, moment estimates). That state is allocated on the
    /// first <see cref="Step"/> for that many parameters; later steps allocate nothing and must pass the same
    /// number of parameters. Use one optimizer per network, or call <see cref="Reset"/> before reusing it.</para>
    /// <para>Gradient clipping (<see cref="ClipValue"/>, <see cref="GlobalClipNorm"/>) works on every optimizer: the
    /// base class clips a copy of the gradients (the network's own gradient buffer is left as it is) and hands that
    /// copy to the update. The copy is allocated once, with the state; clipped steps allocate nothing either.</para>
    /// <para>Not thread-safe.</para>
    /// </remarks>
    public abstract class Optimizer
    {
        private float _learningRate;
        private float? _clipValue;
        private float? _globalClipNorm;
        // The clipped copy of the gradients, allocated on the first step that clips.
        private float[]? _clipped;

        /// <summary>Initialises the shared state with a validated learning rate.</summary>
        /// <param name="learningRate">The step size; finite and at least 0.</param>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="learningRate"/> is negative or not finite.</exception>
        protected Optimizer(float learningRate)
        {
            CheckLearningRate(learningRate, nameof(learningRate));
            _learningRate = learningRate;
        }

        /// <summary>The step size. May be changed between steps (a learning-rate schedule).</summary>
        /// <exception cref="ArgumentOutOfRangeException">The value is negative or not finite.</exception>
        public float LearningRate
        {
            get => _learningRate;
            set
            {
                CheckLearningRate(value, nameof(value));
                _learningRate = value;
            }
        }

        /// <summary>
        /// Clips every gradient to [-<c>ClipValue</c>, <c>ClipValue</c>] before the update (Keras' <c>clipvalue</c>,
        /// <c>torch.nn.utils.clip_grad_value_</c>), or <see langword="null"/> (the default) not to.
        /// </summary>
        /// <remarks>
        /// Applied before <see cref="GlobalClipNorm"/> when both are set, so the gradients the update sees satisfy both
        /// bounds. See <see cref="GlobalClipNorm"/> for NaN and infinite gradients.
        /// </remarks>
        /// <exception cref="ArgumentOutOfRangeException">The value is not finite and greater than 0.</exception>
        public float? ClipValue
        {
            get => _clipValue;
            set
            {
                if (value is float v)
                {
                    CheckPositive(v, nameof(ClipValue));
                }

                _clipValue = value;
            }
        }

        /// <summary>
        /// Rescales the whole gradient vector so that its Euclidean norm is at most <c>GlobalClipNorm</c> (Keras'
        /// <c>global_clipnorm</c>, <c>torch.nn.utils.clip_grad_norm_</c> over all of the model's parameters), or
        /// <see langword="null"/> (the default) not to.
        /// </summary>
        /// <remarks>
        /// <para>With <c>n = ||g||</c> over every parameter of the network (weights and biases of all layers together),
        /// a step with <c>n &gt; GlobalClipNorm</c> uses <c>g * GlobalClipNorm / n</c>; otherwise <c>g</c> unchanged. This is
        /// TensorFlow's <c>clip_by_global_norm</c>; PyTorch divides by <c>n + 1e-6</c>, a relative difference below 1e-6
        /// for norms above 1. The norm is accumulated in float, and again in double if that overflows. Keras' per-variable
        /// <c>clipnorm</c> has no equivalent: an optimizer sees one flat vector and knows nothing of layers.</para>
        /// <para>NaN and infinite gradients are never clipped into plausible values: when any gradient is NaN or infinite,
        /// neither <see cref="ClipValue"/> nor <see cref="GlobalClipNorm"/> is applied, so the non-finite value reaches the
        /// update and makes its parameter NaN or infinite, which <see cref="Trainer.Fit(INetwork, Dataset, Optimizer, FitOptions?, System.Threading.CancellationToken)"/> detects (it undoes the step and
        /// throws <see cref="TrainingDivergedException"/>). Clipping by value alone would turn an infinity into
        /// &#177;<c>ClipValue</c>, and scaling by an infinite norm would zero every finite gradient.</para>
        /// </remarks>
        /// <exception cref="ArgumentOutOfRangeException">The value is not finite and greater than 0.</exception>
        public float? GlobalClipNorm
        {
            get => _globalClipNorm;
            set
            {
                if (value is float v)
                {
                    CheckPositive(v, nameof(GlobalClipNorm));
                }

                _globalClipNorm = value;
            }
        }

        /// <summary>The number of parameters the state is sized for, or 0 before the first <see cref="Step"/>.</summary>
        public int ParameterCount { get; private set; }

        /// <summary>The number of steps taken since construction or the last <see cref="Reset"/>.</summary>
        public long Iterations { get; private set; }

        /// <summary>
        /// Applies one update: reads <paramref name="gradients"/> and writes the new values into <paramref name="parameters"/>.
        /// </summary>
        /// <param name="parameters">The parameters to update in place.</param>
        /// <param name="gradients">The gradient of the loss with respect to each parameter; same length as <paramref name="parameters"/>.</param>
        /// <exception cref="ArgumentException">The lengths differ, or differ from the parameter count of earlier steps.</exception>
        public void Step(Span<float> parameters, ReadOnlySpan<float> gradients)
        {
            CheckLengths(parameters.Length, gradients.Length);

            PrepareStep(parameters.Length, nameof(parameters));
            if ((_clipValue is not null || _globalClipNorm is not null) && parameters.Length > 0)
            {
                gradients = Clip(gradients);
            }

            float[]? backup = _backup;
            if (backup is not null)
            {
                parameters.CopyTo(backup);
            }

            StepCore(parameters, gradients, Iterations);
            if (_armed)
            {
                RecordBackedUp(parameters);
            }
        }

        /// <summary>
        /// The alignment of the ranges of <see cref="StepRange"/> for which a step taken in ranges gives exactly the bits of
        /// one <see cref="Step"/>: every range should start at a multiple of it (the vector loops then cover the same
        /// elements). Other offsets give the same update within rounding.
        /// </summary>
        public const int RangeAlignment = 16;

        /// <summary>
        /// Whether a step can be applied in ranges with <see cref="BeginStep"/> and <see cref="StepRange"/> (a
        /// "fused" step: each layer updated as soon as its gradient is complete, while it is still in cache). True for
        /// the built-in optimizers unless gradient clipping is on: clipping by global norm needs every gradient first,
        /// and the rule that NaN gradients are never clipped needs to see all of them too.
        /// </summary>
        public bool CanStepInRanges => SupportsRangeSteps && _clipValue is null && _globalClipNorm is null;

        /// <summary>
        /// Whether the subclass implements <see cref="BeginStepCore"/> and <see cref="StepRangeCore"/>; false by
        /// default, so optimizers written before them keep working through <see cref="Step"/>.
        /// </summary>
        protected virtual bool SupportsRangeSteps => false;

        /// <summary>
        /// Starts a step that <see cref="StepRange"/> then applies piece by piece: it counts the iteration, allocates the
        /// state on the first step, and computes what the whole step shares (bias corrections, schedules). The ranges
        /// that follow must cover every parameter exactly once, in any order, before the next step begins. Together
        /// they equal one <see cref="Step"/> bit for bit when each range starts at a multiple of <see cref="RangeAlignment"/>.
        /// </summary>
        /// <param name="parameterCount">The number of parameters of the whole step.</param>
        /// <exception cref="InvalidOperationException"><see cref="CanStepInRanges"/> is false.</exception>
        /// <exception cref="ArgumentException">The count differs from that of earlier steps.</exception>
        public void BeginStep(int parameterCount)
        {
            if (!CanStepInRanges)
            {
                throw new InvalidOperationException(
                    GetType().Name + " cannot step in ranges" + (SupportsRangeSteps ? " while gradient clipping is on: clipping needs every gradient first. Use Step()." : ": it implements Step() only."));
            }

            ArgumentOutOfRangeException.ThrowIfNegative(parameterCount);
            PrepareStep(parameterCount, nameof(parameterCount));
            BeginStepCore(Iterations);
        }

        /// <summary>
        /// Applies the step begun by <see cref="BeginStep"/> to the parameters <c>[offset, offset + parameters.Length)</c>.
        /// Allocates nothing.
        /// </summary>
        /// <param name="parameters">The parameters of the range, updated in place.</param>
        /// <param name="gradients">Their gradients; same length.</param>
        /// <param name="offset">The index of the range's first parameter in the whole parameter vector.</param>
        /// <exception cref="ArgumentException">The lengths differ.</exception>
        /// <exception cref="ArgumentOutOfRangeException">The range does not lie within the step's parameters.</exception>
        /// <exception cref="InvalidOperationException">No step was begun.</exception>
        public void StepRange(Span<float> parameters, ReadOnlySpan<float> gradients, int offset)
        {
            CheckLengths(parameters.Length, gradients.Length);

            if (Iterations == 0)
            {
                throw new InvalidOperationException("StepRange needs a step begun with BeginStep.");
            }

            if (offset < 0 || offset > ParameterCount - parameters.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(offset), offset,
                    string.Format(CultureInfo.InvariantCulture,
                        "Expected a range of {0} parameters within the step's {1}: an offset in [0, {2}].",
                        parameters.Length, ParameterCount, ParameterCount - parameters.Length));
            }

            if (parameters.Length > 0)
            {
                float[]? backup = _backup;
                if (backup is not null)
                {
                    parameters.CopyTo(backup.AsSpan(offset));
                }

                StepRangeCore(parameters, gradients, offset, Iterations);
                if (_armed)
                {
                    RecordBackedUp(parameters);
                }
            }
        }

        // Trainer.Fit's undo copy. A step that makes a parameter NaN or infinite must leave the network as it was, so Fit
        // needs the parameters from before each step. Copying them all before the batch read the whole parameter vector
        // from memory once more per batch (and checking them all after it, again): here each range is copied just before
        // its update reads it, and checked just after, while it is in cache. Parts of a batch step disjoint ranges at
        // the same time, hence the interlocked count and the flag that only ever goes from 0 to 1.
        private float[]? _backup;
        private bool _armed;
        private int _backedUp;
        private int _nonFinite;

        /// <summary>
        /// Until <see cref="DisarmBackup"/>, every <see cref="Step"/> and <see cref="StepRange"/> first copies the parameters
        /// it updates into <paramref name="backup"/> (at their offsets; not when it is null), then counts them and notes
        /// whether its results are all finite.
        /// </summary>
        internal void ArmBackup(float[]? backup)
        {
            _armed = true;
            _backup = backup;
            _backedUp = 0;
            _nonFinite = 0;
        }

        /// <summary>Stops the copies of <see cref="ArmBackup"/>; returns how many parameters were copied (and stepped) and whether any result was NaN or infinite.</summary>
        internal (int BackedUp, bool NonFinite) DisarmBackup()
        {
            _backup = null;
            _armed = false;
            return (Volatile.Read(ref _backedUp), Volatile.Read(ref _nonFinite) != 0);
        }

        private void RecordBackedUp(ReadOnlySpan<float> stepped)
        {
            if (!Guard.AllFinite(stepped))
            {
                Volatile.Write(ref _nonFinite, 1);
            }

            Interlocked.Add(ref _backedUp, stepped.Length);
        }

        /// <summary>Checks the parameter count against the state (allocating it on the first step) and counts the iteration.</summary>
        private void PrepareStep(int parameterCount, string paramName)
        {
            if (Iterations == 0 && ParameterCount == 0)
            {
                if (parameterCount > 0)
                {
                    AllocateState(parameterCount);
                    ParameterCount = parameterCount;
                }
            }
            else
            {
                CheckParameterCount(parameterCount, paramName);
            }

            Iterations++;
        }

        /// <summary>
        /// Throws unless a step over <paramref name="parameterCount"/> parameters fits the state: none yet, or state for
        /// that many. A fused training step checks it before the batch runs, so a mismatch changes nothing.
        /// </summary>
        internal void CheckParameterCount(int parameterCount, string paramName)
        {
            if ((Iterations != 0 || ParameterCount != 0) && parameterCount != ParameterCount)
            {
                throw new ArgumentException(
                    string.Format(CultureInfo.InvariantCulture,
                        "This {0} holds state for {1} parameters but was given {2}. Use one optimizer per network, or call Reset() first.",
                        GetType().Name, ParameterCount, parameterCount),
                    paramName);
            }
        }

        private static void CheckLengths(int parameters, int gradients)
        {
            if (parameters != gradients)
            {
                throw new ArgumentException(
                    string.Format(CultureInfo.InvariantCulture,
                        "Expected as many gradients as parameters ({0}), got {1}.", parameters, gradients),
                    nameof(gradients));
            }
        }

        /// <summary>
        /// Clips <paramref name="gradients"/> into the scratch copy by value, then by global norm, and returns the copy;
        /// returns <paramref name="gradients"/> itself when any of them is NaN or infinite (see <see cref="GlobalClipNorm"/>).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private ReadOnlySpan<float> Clip(ReadOnlySpan<float> gradients)
        {
            if (!Guard.AllFinite(gradients))
            {
                return gradients;
            }

            // Allocated once, on the first step that clips (the first step, unless clipping is switched on later).
            Span<float> clipped = _clipped ??= new float[gradients.Length];
            if (_clipValue is float c)
            {
                TensorPrimitives.Clamp(gradients, -c, c, clipped);
            }
            else
            {
                gradients.CopyTo(clipped);
            }

            if (_globalClipNorm is float maxNorm)
            {
                double norm = TensorPrimitives.Norm((ReadOnlySpan<float>)clipped);
                if (float.IsPositiveInfinity((float)norm))
                {
                    // The float sum of squares overflowed (gradients above ~1e19): the values are finite, so is their norm.
                    double sum = 0;
                    foreach (float g in clipped)
                    {
                        sum += (double)g * g;
                    }

                    norm = Math.Sqrt(sum);
                }

                if (norm > maxNorm)
                {
                    TensorPrimitives.Multiply(clipped, (float)(maxNorm / norm), clipped);
                }
            }

            return clipped;
        }

        /// <summary>Forgets all state (moments, iteration count), so the next <see cref="Step"/> starts afresh for any parameter count.</summary>
        public void Reset()
        {
            Iterations = 0;
            ParameterCount = 0;
            _clipped = null;
            ReleaseState();
        }

        /// <summary>Allocates and zeroes the per-parameter state for <paramref name="parameterCount"/> parameters.</summary>
        /// <param name="parameterCount">The number of parameters; at least 1.</param>
        protected abstract void AllocateState(int parameterCount);

        /// <summary>Drops the per-parameter state; called by <see cref="Reset"/>.</summary>
        protected abstract void ReleaseState();

        /// <summary>
        /// Applies one update. The base class has already checked that both spans have the length the state was
        /// allocated for; implementations must not allocate.
        /// </summary>
        /// <param name="parameters">The parameters to update in place.</param>
        /// <param name="gradients">The gradients, same length as <paramref name="parameters"/>.</param>
        /// <param name="iteration">The 1-based number of this step (Adam's <c>t</c>).</param>
        protected abstract void StepCore(Span<float> parameters, ReadOnlySpan<float> gradients, long iteration);

        /// <summary>
        /// Computes what every range of step <paramref name="iteration"/> shares (called once per step by
        /// <see cref="BeginStep"/>; built-in optimizers also call it from <see cref="StepCore"/>).
        /// </summary>
        /// <param name="iteration">The 1-based number of the step.</param>
        protected virtual void BeginStepCore(long iteration)
        {
        }

        /// <summary>
        /// Applies the step to one range of parameters; <paramref name="offset"/> locates it in the per-parameter state.
        /// Called only when <see cref="SupportsRangeSteps"/> is true; must not allocate.
        /// </summary>
        /// <param name="parameters">The range's parameters, updated in place.</param>
        /// <param name="gradients">Their gradients, same length.</param>
        /// <param name="offset">The index of the range's first parameter.</param>
        /// <param name="iteration">The 1-based number of the step.</param>
        protected virtual void StepRangeCore(Span<float> parameters, ReadOnlySpan<float> gradients, int offset, long iteration)
            => throw new NotSupportedException(GetType().Name + " does not implement StepRangeCore.");

        private static void CheckLearningRate(float value, string paramName)
        {
            if (!(value >= 0f && float.IsFinite(value)))
            {
                throw new ArgumentOutOfRangeException(paramName, value, "Expected a finite learning rate >= 0.");
            }
        }

        /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> unless <paramref name="value"/> is finite and greater than 0 (NaN fails).</summary>
        private protected static void CheckPositive(float value, string paramName)
        {
            if (!(value > 0f && float.IsFinite(value)))
            {
                throw new ArgumentOutOfRangeException(paramName, value,
                    string.Format(CultureInfo.InvariantCulture, "Expected {0} in (0, {1}]: finite and greater than 0.", paramName, float.MaxValue));
            }
        }

        /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> unless <paramref name="value"/> is finite and at least 0 (NaN fails).</summary>
        private protected static void CheckNonNegative(float value, string paramName)
        {
            if (!(value >= 0f && float.IsFinite(value)))
            {
                throw new ArgumentOutOfRangeException(paramName, value,
                    string.Format(CultureInfo.InvariantCulture, "Expected {0} in [0, {1}]: finite and at least 0.", paramName, float.MaxValue));
            }
        }

        /// <summary>Formats the clipping settings for <see cref="object.ToString"/>: empty when neither is set.</summary>
        private protected string FormatClipping()
            => (_clipValue is float c ? string.Format(CultureInfo.InvariantCulture, ", clipValue: {0}", c) : "")
             + (_globalClipNorm is float n ? string.Format(CultureInfo.InvariantCulture, ", globalClipNorm: {0}", n) : "");

        /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> unless <paramref name="value"/> lies in [min, max) (or [min, max] when <paramref name="maxInclusive"/>).</summary>
        private protected static void CheckRange(float value, float min, float max, bool maxInclusive, string paramName)
        {
            bool ok = value >= min && (maxInclusive ? value <= max : value < max);
            if (!ok)
            {
                throw new ArgumentOutOfRangeException(paramName, value,
                    string.Format(CultureInfo.InvariantCulture, "Expected {0} in [{1}, {2}{3}.",
                        paramName, min, max, maxInclusive ? "]" : ")"));
            }
        }
    }
}
