using System;
using System.Globalization;

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
    /// <para>Not thread-safe.</para>
    /// </remarks>
    public abstract class Optimizer
    {
        private float _learningRate;

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
            if (parameters.Length != gradients.Length)
            {
                throw new ArgumentException(
                    string.Format(CultureInfo.InvariantCulture,
                        "Expected as many gradients as parameters ({0}), got {1}.", parameters.Length, gradients.Length),
                    nameof(gradients));
            }

            if (Iterations == 0 && ParameterCount == 0)
            {
                if (parameters.Length > 0)
                {
                    AllocateState(parameters.Length);
                    ParameterCount = parameters.Length;
                }
            }
            else if (parameters.Length != ParameterCount)
            {
                throw new ArgumentException(
                    string.Format(CultureInfo.InvariantCulture,
                        "This {0} holds state for {1} parameters but was given {2}. Use one optimizer per network, or call Reset() first.",
                        GetType().Name, ParameterCount, parameters.Length),
                    nameof(parameters));
            }

            Iterations++;
            StepCore(parameters, gradients, Iterations);
        }

        /// <summary>Forgets all state (moments, iteration count), so the next <see cref="Step"/> starts afresh for any parameter count.</summary>
        public void Reset()
        {
            Iterations = 0;
            ParameterCount = 0;
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
