using System;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using GenNN.Kernels;

namespace GenNN
{
    /// <summary>
    /// RMSprop (Hinton, 2012), with PyTorch's <c>torch.optim.RMSprop</c> semantics (optional momentum, optionally
    /// centered; no weight decay).
    /// </summary>
    /// <remarks>
    /// <para>At each step: <c>s = alpha s + (1 - alpha) g^2</c>; centered, also <c>a = alpha a + (1 - alpha) g</c> and
    /// <c>d = sqrt(s - a^2) + eps</c>, otherwise <c>d = sqrt(s) + eps</c>. Without momentum <c>p -= lr * g / d</c>; with
    /// momentum <c>mu</c>, <c>b = mu b + g / d</c> and <c>p -= lr * b</c>. All state starts at 0.</para>
    /// <para>Keras' RMSprop calls <c>alpha</c> <c>rho</c>, defaults to rho 0.9, learning rate 1e-3 and epsilon 1e-7, and adds
    /// epsilon inside the square root; these defaults and this formula are PyTorch's. Centered, <c>s - a^2</c> can round below 0
    /// after many identical gradients; it is clamped at 0 where PyTorch would take the square root of a negative number
    /// (NaN). NaN itself is kept.</para>
    /// <para>The three vector widths and the scalar remainder use the same operations in the same order (no reciprocal
    /// estimate, no fused multiply-add), so every path computes the same bits.</para>
    /// </remarks>
    public sealed class RmsProp : Optimizer
    {
        private float[]? _square;
        private float[]? _mean;
        private float[]? _buffer;

        /// <summary>Creates an RMSprop optimizer (PyTorch's defaults).</summary>
        /// <param name="learningRate">The step size; finite and at least 0.</param>
        /// <param name="alpha">The decay rate of the moving average of squared gradients (Keras' <c>rho</c>), in [0, 1).</param>
        /// <param name="epsilon">Added to the denominator for numerical stability; finite and greater than 0.</param>
        /// <param name="momentum">The momentum factor, in [0, 1); 0 disables momentum.</param>
        /// <param name="centered">Normalise by an estimate of the gradient's variance (<c>s - a^2</c>) instead of its
        /// uncentred second moment.</param>
        /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is outside its range.</exception>
        public RmsProp(float learningRate = 1e-2f, float alpha = 0.99f, float epsilon = 1e-8f, float momentum = 0f, bool centered = false)
            : base(learningRate)
        {
            CheckRange(alpha, 0f, 1f, maxInclusive: false, nameof(alpha));
            CheckPositive(epsilon, nameof(epsilon));
            CheckRange(momentum, 0f, 1f, maxInclusive: false, nameof(momentum));
            Alpha = alpha;
            Epsilon = epsilon;
            Momentum = momentum;
            Centered = centered;
        }

        /// <summary>The decay rate of the moving average of squared gradients.</summary>
        public float Alpha { get; }

        /// <summary>The term added to the denominator for numerical stability.</summary>
        public float Epsilon { get; }

        /// <summary>The momentum factor; 0 means none.</summary>
        public float Momentum { get; }

        /// <summary>Whether the denominator uses the centred second moment (the variance estimate).</summary>
        public bool Centered { get; }

        /// <inheritdoc/>
        protected override void AllocateState(int parameterCount)
        {
            _square = new float[parameterCount];
            _mean = Centered ? new float[parameterCount] : null;
            _buffer = Momentum > 0f ? new float[parameterCount] : null;
        }

        /// <inheritdoc/>
        protected override void ReleaseState()
        {
            _square = null;
            _mean = null;
            _buffer = null;
        }

        /// <inheritdoc/>
        protected override bool SupportsRangeSteps => true;

        /// <inheritdoc/>
        protected override void StepCore(Span<float> parameters, ReadOnlySpan<float> gradients, long iteration)
            => StepRangeCore(parameters, gradients, 0, iteration);

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        protected override void StepRangeCore(Span<float> parameters, ReadOnlySpan<float> gradients, int offset, long iteration)
        {
            if (_square is null)
            {
                return; // no parameters
            }

            float alpha = Alpha, c = 1f - alpha, eps = Epsilon, lr = LearningRate, mu = Momentum;
            Span<float> square = _square.AsSpan(offset, parameters.Length);
            Span<float> mean = _mean is null ? default : _mean.AsSpan(offset, parameters.Length);
            Span<float> buffer = _buffer is null ? default : _buffer.AsSpan(offset, parameters.Length);
            int i = 0;
            if (Simd.Vector512)
            {
                i = Step16(parameters, gradients, square, mean, buffer, alpha, eps, lr, mu);
            }
            else if (Simd.Vector256)
            {
                i = Step8(parameters, gradients, square, mean, buffer, alpha, eps, lr, mu);
            }
            else if (Simd.Vector128)
            {
                i = Step4(parameters, gradients, square, mean, buffer, alpha, eps, lr, mu);
            }

            bool centered = !mean.IsEmpty, withMomentum = !buffer.IsEmpty;
            for (; i < parameters.Length; i++)
            {
                float g = gradients[i];
                float s = alpha * square[i] + c * (g * g);
                square[i] = s;
                if (centered)
                {
                    float a = alpha * mean[i] + c * g;
                    mean[i] = a;
                    s -= a * a;
                    s = s < 0f ? 0f : s;
                }

                float u = g / (MathF.Sqrt(s) + eps);
                if (withMomentum)
                {
                    u = mu * buffer[i] + u;
                    buffer[i] = u;
                }

                parameters[i] -= lr * u;
            }
        }

        /// <summary>Describes the optimizer and its hyperparameters.</summary>
        public override string ToString() => string.Format(CultureInfo.InvariantCulture,
            "RmsProp(learningRate: {0}, alpha: {1}, epsilon: {2}, momentum: {3}, centered: {4}{5})",
            LearningRate, Alpha, Epsilon, Momentum, Centered ? "true" : "false", FormatClipping());

        // One loop per vector width, identical but for the type: Simd picks the same one under the JIT and Native AOT.

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static int Step16(Span<float> parameters, ReadOnlySpan<float> gradients, Span<float> square, Span<float> mean,
            Span<float> buffer, float alpha, float eps, float lr, float momentum)
        {
            ref float p0 = ref MemoryMarshal.GetReference(parameters);
            ref float g0 = ref MemoryMarshal.GetReference(gradients);
            ref float s0 = ref MemoryMarshal.GetReference(square);
            ref float a0 = ref MemoryMarshal.GetReference(mean);
            ref float b0 = ref MemoryMarshal.GetReference(buffer);
            bool centered = !mean.IsEmpty, withMomentum = !buffer.IsEmpty;
            Vector512<float> vAlpha = Vector512.Create(alpha), vC = Vector512.Create(1f - alpha), vEps = Vector512.Create(eps);
            Vector512<float> vLr = Vector512.Create(lr), vMu = Vector512.Create(momentum), zero = Vector512<float>.Zero;
            int i = 0;
            for (; i + 16 <= parameters.Length; i += 16)
            {
                nuint at = (nuint)i;
                Vector512<float> g = Vector512.LoadUnsafe(ref g0, at);
                Vector512<float> s = vAlpha * Vector512.LoadUnsafe(ref s0, at) + vC * (g * g);
                s.StoreUnsafe(ref s0, at);
                if (centered)
                {
                    Vector512<float> a = vAlpha * Vector512.LoadUnsafe(ref a0, at) + vC * g;
                    a.StoreUnsafe(ref a0, at);
                    s -= a * a;
                    s = Vector512.ConditionalSelect(Vector512.LessThan(s, zero), zero, s); // keeps NaN
                }

                Vector512<float> u = g / (Vector512.Sqrt(s) + vEps);
                if (withMomentum)
                {
                    u = vMu * Vector512.LoadUnsafe(ref b0, at) + u;
                    u.StoreUnsafe(ref b0, at);
                }

                (Vector512.LoadUnsafe(ref p0, at) - vLr * u).StoreUnsafe(ref p0, at);
            }

            return i;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static int Step8(Span<float> parameters, ReadOnlySpan<float> gradients, Span<float> square, Span<float> mean,
            Span<float> buffer, float alpha, float eps, float lr, float momentum)
        {
            ref float p0 = ref MemoryMarshal.GetReference(parameters);
            ref float g0 = ref MemoryMarshal.GetReference(gradients);
            ref float s0 = ref MemoryMarshal.GetReference(square);
            ref float a0 = ref MemoryMarshal.GetReference(mean);
            ref float b0 = ref MemoryMarshal.GetReference(buffer);
            bool centered = !mean.IsEmpty, withMomentum = !buffer.IsEmpty;
            Vector256<float> vAlpha = Vector256.Create(alpha), vC = Vector256.Create(1f - alpha), vEps = Vector256.Create(eps);
            Vector256<float> vLr = Vector256.Create(lr), vMu = Vector256.Create(momentum), zero = Vector256<float>.Zero;
            int i = 0;
            for (; i + 8 <= parameters.Length; i += 8)
            {
                nuint at = (nuint)i;
                Vector256<float> g = Vector256.LoadUnsafe(ref g0, at);
                Vector256<float> s = vAlpha * Vector256.LoadUnsafe(ref s0, at) + vC * (g * g);
                s.StoreUnsafe(ref s0, at);
                if (centered)
                {
                    Vector256<float> a = vAlpha * Vector256.LoadUnsafe(ref a0, at) + vC * g;
                    a.StoreUnsafe(ref a0, at);
                    s -= a * a;
                    s = Vector256.ConditionalSelect(Vector256.LessThan(s, zero), zero, s); // keeps NaN
                }

                Vector256<float> u = g / (Vector256.Sqrt(s) + vEps);
                if (withMomentum)
                {
                    u = vMu * Vector256.LoadUnsafe(ref b0, at) + u;
                    u.StoreUnsafe(ref b0, at);
                }

                (Vector256.LoadUnsafe(ref p0, at) - vLr * u).StoreUnsafe(ref p0, at);
            }

            return i;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static int Step4(Span<float> parameters, ReadOnlySpan<float> gradients, Span<float> square, Span<float> mean,
            Span<float> buffer, float alpha, float eps, float lr, float momentum)
        {
            ref float p0 = ref MemoryMarshal.GetReference(parameters);
            ref float g0 = ref MemoryMarshal.GetReference(gradients);
            ref float s0 = ref MemoryMarshal.GetReference(square);
            ref float a0 = ref MemoryMarshal.GetReference(mean);
            ref float b0 = ref MemoryMarshal.GetReference(buffer);
            bool centered = !mean.IsEmpty, withMomentum = !buffer.IsEmpty;
            Vector128<float> vAlpha = Vector128.Create(alpha), vC = Vector128.Create(1f - alpha), vEps = Vector128.Create(eps);
            Vector128<float> vLr = Vector128.Create(lr), vMu = Vector128.Create(momentum), zero = Vector128<float>.Zero;
            int i = 0;
            for (; i + 4 <= parameters.Length; i += 4)
            {
                nuint at = (nuint)i;
                Vector128<float> g = Vector128.LoadUnsafe(ref g0, at);
                Vector128<float> s = vAlpha * Vector128.LoadUnsafe(ref s0, at) + vC * (g * g);
                s.StoreUnsafe(ref s0, at);
                if (centered)
                {
                    Vector128<float> a = vAlpha * Vector128.LoadUnsafe(ref a0, at) + vC * g;
                    a.StoreUnsafe(ref a0, at);
                    s -= a * a;
                    s = Vector128.ConditionalSelect(Vector128.LessThan(s, zero), zero, s); // keeps NaN
                }

                Vector128<float> u = g / (Vector128.Sqrt(s) + vEps);
                if (withMomentum)
                {
                    u = vMu * Vector128.LoadUnsafe(ref b0, at) + u;
                    u.StoreUnsafe(ref b0, at);
                }

                (Vector128.LoadUnsafe(ref p0, at) - vLr * u).StoreUnsafe(ref p0, at);
            }

            return i;
        }
    }
}
