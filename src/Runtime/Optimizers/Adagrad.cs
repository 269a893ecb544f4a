using System;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using GenNN.Kernels;

namespace GenNN
{
    /// <summary>
    /// Adagrad (Duchi et al., 2011), with PyTorch's <c>torch.optim.Adagrad</c> semantics (no weight decay).
    /// </summary>
    /// <remarks>
    /// <para>At step <c>t</c>: <c>clr = lr / (1 + (t - 1) lrDecay)</c>, <c>s += g^2</c> (with <c>s</c> starting at
    /// <c>initialAccumulatorValue</c>), then <c>p -= clr * g / (sqrt(s) + eps)</c>.</para>
    /// <para>Keras' Adagrad defaults to learning rate 1e-3, initial accumulator 0.1 and epsilon 1e-7; these defaults are
    /// PyTorch's. Every vector width and the scalar remainder compute the same bits.</para>
    /// </remarks>
    public sealed class Adagrad : Optimizer
    {
        private float[]? _sum;

        /// <summary>Creates an Adagrad optimizer (PyTorch's defaults).</summary>
        /// <param name="learningRate">The step size; finite and at least 0.</param>
        /// <param name="learningRateDecay">Divides the step size at step <c>t</c> by <c>1 + (t - 1) learningRateDecay</c>;
        /// finite and at least 0.</param>
        /// <param name="initialAccumulatorValue">The starting value of every sum of squared gradients; finite and at least 0.</param>
        /// <param name="epsilon">Added to the denominator for numerical stability; finite and greater than 0.</param>
        /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is outside its range.</exception>
        public Adagrad(float learningRate = 1e-2f, float learningRateDecay = 0f, float initialAccumulatorValue = 0f, float epsilon = 1e-10f)
            : base(learningRate)
        {
            CheckNonNegative(learningRateDecay, nameof(learningRateDecay));
            CheckNonNegative(initialAccumulatorValue, nameof(initialAccumulatorValue));
            CheckPositive(epsilon, nameof(epsilon));
            LearningRateDecay = learningRateDecay;
            InitialAccumulatorValue = initialAccumulatorValue;
            Epsilon = epsilon;
        }

        /// <summary>The decay of the step size per step (PyTorch's <c>lr_decay</c>).</summary>
        public float LearningRateDecay { get; }

        /// <summary>The starting value of every sum of squared gradients.</summary>
        public float InitialAccumulatorValue { get; }

        /// <summary>The term added to the denominator for numerical stability.</summary>
        public float Epsilon { get; }

        /// <inheritdoc/>
        protected override void AllocateState(int parameterCount)
        {
            _sum = new float[parameterCount];
            _sum.AsSpan().Fill(InitialAccumulatorValue);
        }

        /// <inheritdoc/>
        protected override void ReleaseState() => _sum = null;

        /// <inheritdoc/>
        protected override bool SupportsRangeSteps => true;

        /// <inheritdoc/>
        protected override void StepCore(Span<float> parameters, ReadOnlySpan<float> gradients, long iteration)
            => StepRangeCore(parameters, gradients, 0, iteration);

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        protected override void StepRangeCore(Span<float> parameters, ReadOnlySpan<float> gradients, int offset, long iteration)
        {
            if (_sum is null)
            {
                return; // no parameters
            }

            float eps = Epsilon;
            float clr = (float)(LearningRate / (1.0 + (iteration - 1) * (double)LearningRateDecay));
            Span<float> sum = _sum.AsSpan(offset, parameters.Length);
            int i = 0;
            if (Simd.Vector512)
            {
                i = Step16(parameters, gradients, sum, eps, clr);
            }
            else if (Simd.Vector256)
            {
                i = Step8(parameters, gradients, sum, eps, clr);
            }
            else if (Simd.Vector128)
            {
                i = Step4(parameters, gradients, sum, eps, clr);
            }

            for (; i < parameters.Length; i++)
            {
                float g = gradients[i];
                float s = sum[i] + g * g;
                sum[i] = s;
                parameters[i] -= clr * (g / (MathF.Sqrt(s) + eps));
            }
        }

        /// <summary>Describes the optimizer and its hyperparameters.</summary>
        public override string ToString() => string.Format(CultureInfo.InvariantCulture,
            "Adagrad(learningRate: {0}, learningRateDecay: {1}, initialAccumulatorValue: {2}, epsilon: {3}{4})",
            LearningRate, LearningRateDecay, InitialAccumulatorValue, Epsilon, FormatClipping());

        // One loop per vector width, identical but for the type: Simd picks the same one under the JIT and Native AOT.

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static int Step16(Span<float> parameters, ReadOnlySpan<float> gradients, Span<float> sum, float eps, float clr)
        {
            ref float p0 = ref MemoryMarshal.GetReference(parameters);
            ref float g0 = ref MemoryMarshal.GetReference(gradients);
            ref float s0 = ref MemoryMarshal.GetReference(sum);
            Vector512<float> vEps = Vector512.Create(eps), vLr = Vector512.Create(clr);
            int i = 0;
            for (; i + 16 <= parameters.Length; i += 16)
            {
                nuint at = (nuint)i;
                Vector512<float> g = Vector512.LoadUnsafe(ref g0, at);
                Vector512<float> s = Vector512.LoadUnsafe(ref s0, at) + g * g;
                s.StoreUnsafe(ref s0, at);
                (Vector512.LoadUnsafe(ref p0, at) - vLr * (g / (Vector512.Sqrt(s) + vEps))).StoreUnsafe(ref p0, at);
            }

            return i;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static int Step8(Span<float> parameters, ReadOnlySpan<float> gradients, Span<float> sum, float eps, float clr)
        {
            ref float p0 = ref MemoryMarshal.GetReference(parameters);
            ref float g0 = ref MemoryMarshal.GetReference(gradients);
            ref float s0 = ref MemoryMarshal.GetReference(sum);
            Vector256<float> vEps = Vector256.Create(eps), vLr = Vector256.Create(clr);
            int i = 0;
            for (; i + 8 <= parameters.Length; i += 8)
            {
                nuint at = (nuint)i;
                Vector256<float> g = Vector256.LoadUnsafe(ref g0, at);
                Vector256<float> s = Vector256.LoadUnsafe(ref s0, at) + g * g;
                s.StoreUnsafe(ref s0, at);
                (Vector256.LoadUnsafe(ref p0, at) - vLr * (g / (Vector256.Sqrt(s) + vEps))).StoreUnsafe(ref p0, at);
            }

            return i;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static int Step4(Span<float> parameters, ReadOnlySpan<float> gradients, Span<float> sum, float eps, float clr)
        {
            ref float p0 = ref MemoryMarshal.GetReference(parameters);
            ref float g0 = ref MemoryMarshal.GetReference(gradients);
            ref float s0 = ref MemoryMarshal.GetReference(sum);
            Vector128<float> vEps = Vector128.Create(eps), vLr = Vector128.Create(clr);
            int i = 0;
            for (; i + 4 <= parameters.Length; i += 4)
            {
                nuint at = (nuint)i;
                Vector128<float> g = Vector128.LoadUnsafe(ref g0, at);
                Vector128<float> s = Vector128.LoadUnsafe(ref s0, at) + g * g;
                s.StoreUnsafe(ref s0, at);
                (Vector128.LoadUnsafe(ref p0, at) - vLr * (g / (Vector128.Sqrt(s) + vEps))).StoreUnsafe(ref p0, at);
            }

            return i;
        }
    }
}
