using System;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using GenNN.Kernels;

namespace GenNN
{
    /// <summary>
    /// Nadam: Adam with Nesterov momentum (Dozat, 2016), with PyTorch's <c>torch.optim.NAdam</c> semantics and its
    /// momentum schedule (no weight decay).
    /// </summary>
    /// <remarks>
    /// <para>At step <c>t</c>: <c>mu_t = b1 (1 - 0.5 * 0.96^(t * momentumDecay))</c>, <c>P_t = mu_1 ... mu_t</c>,
    /// <c>m = b1 m + (1 - b1) g</c>, <c>v = b2 v + (1 - b2) g^2</c>, <c>d = sqrt(v / (1 - b2^t)) + eps</c>, then
    /// <c>p -= lr (1 - mu_t) / (1 - P_t) * g / d + lr mu_(t+1) / (1 - P_t mu_(t+1)) * m / d</c>.</para>
    /// <para>This is PyTorch 2's rule. PyTorch 1.x divided the second term by <c>1 - P_t mu_t mu_(t+1)</c>, counting
    /// <c>mu_t</c> twice; that was fixed in pytorch/pytorch#92699. Keras' Nadam uses the same momentum schedule
    /// (0.96, 0.004) with its own defaults (learning rate 1e-3, epsilon 1e-7).</para>
    /// <para>Every vector width and the scalar remainder compute the same bits.</para>
    /// </remarks>
    public sealed class Nadam : Optimizer
    {
        private float[]? _m;
        private float[]? _v;
        // The running product of the momentum coefficients mu_1 ... mu_t, in double (PyTorch keeps it in a float32 tensor).
        private double _muProduct = 1.0;
        // The current step's factors, set by BeginStepCore.
        private float _gradientStep, _momentumStep, _invSqrtBc2;

        /// <summary>Creates a Nadam optimizer (PyTorch's defaults).</summary>
        /// <param name="learningRate">The step size; finite and at least 0.</param>
        /// <param name="beta1">The decay rate of the first-moment (mean) estimate, in [0, 1).</param>
        /// <param name="beta2">The decay rate of the second-moment (uncentred variance) estimate, in [0, 1).</param>
        /// <param name="epsilon">Added to the denominator for numerical stability; finite and greater than 0.</param>
        /// <param name="momentumDecay">How fast the momentum coefficient warms up to <paramref name="beta1"/> (PyTorch's
        /// <c>momentum_decay</c>); finite and at least 0.</param>
        /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is outside its range.</exception>
        public Nadam(float learningRate = 2e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float momentumDecay = 4e-3f)
            : base(learningRate)
        {
            CheckRange(beta1, 0f, 1f, maxInclusive: false, nameof(beta1));
            CheckRange(beta2, 0f, 1f, maxInclusive: false, nameof(beta2));
            CheckPositive(epsilon, nameof(epsilon));
            CheckNonNegative(momentumDecay, nameof(momentumDecay));
            Beta1 = beta1;
            Beta2 = beta2;
            Epsilon = epsilon;
            MomentumDecay = momentumDecay;
        }

        /// <summary>The decay rate of the first-moment estimate.</summary>
        public float Beta1 { get; }

        /// <summary>The decay rate of the second-moment estimate.</summary>
        public float Beta2 { get; }

        /// <summary>The term added to the denominator for numerical stability.</summary>
        public float Epsilon { get; }

        /// <summary>The momentum schedule's decay (PyTorch's <c>momentum_decay</c>).</summary>
        public float MomentumDecay { get; }

        /// <inheritdoc/>
        protected override void AllocateState(int parameterCount)
        {
            _m = new float[parameterCount];
            _v = new float[parameterCount];
            _muProduct = 1.0;
        }

        /// <inheritdoc/>
        protected override void ReleaseState()
        {
            _m = null;
            _v = null;
            _muProduct = 1.0;
        }

        /// <inheritdoc/>
        protected override bool SupportsRangeSteps => true;

        /// <inheritdoc/>
        protected override void StepCore(Span<float> parameters, ReadOnlySpan<float> gradients, long iteration)
        {
            BeginStepCore(iteration);
            StepRangeCore(parameters, gradients, 0, iteration);
        }

        /// <inheritdoc/>
        protected override void BeginStepCore(long iteration)
        {
            // The momentum schedule's running product advances once per step, however many ranges apply it.
            double b1 = Beta1, lr = LearningRate;
            double mu = b1 * (1.0 - 0.5 * Math.Pow(0.96, iteration * (double)MomentumDecay));
            double muNext = b1 * (1.0 - 0.5 * Math.Pow(0.96, (iteration + 1) * (double)MomentumDecay));
            _muProduct *= mu;
            _gradientStep = (float)(lr * (1.0 - mu) / (1.0 - _muProduct));
            _momentumStep = (float)(lr * muNext / (1.0 - _muProduct * muNext));
            _invSqrtBc2 = (float)(1.0 / Math.Sqrt(1.0 - Math.Pow(Beta2, iteration)));
        }

        /// <inheritdoc/>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        protected override void StepRangeCore(Span<float> parameters, ReadOnlySpan<float> gradients, int offset, long iteration)
        {
            if (_m is null || _v is null)
            {
                return; // no parameters
            }

            float gradientStep = _gradientStep, momentumStep = _momentumStep, invSqrtBc2 = _invSqrtBc2;
            float fb1 = Beta1, fb2 = Beta2, eps = Epsilon, c1 = 1f - fb1, c2 = 1f - fb2;
            Span<float> m = _m.AsSpan(offset, parameters.Length), v = _v.AsSpan(offset, parameters.Length);
            int i = 0;
            if (Simd.Vector512)
            {
                i = Step16(parameters, gradients, m, v, fb1, fb2, eps, invSqrtBc2, gradientStep, momentumStep);
            }
            else if (Simd.Vector256)
            {
                i = Step8(parameters, gradients, m, v, fb1, fb2, eps, invSqrtBc2, gradientStep, momentumStep);
            }
            else if (Simd.Vector128)
            {
                i = Step4(parameters, gradients, m, v, fb1, fb2, eps, invSqrtBc2, gradientStep, momentumStep);
            }

            for (; i < parameters.Length; i++)
            {
                float g = gradients[i];
                float mi = fb1 * m[i] + c1 * g;
                float vi = fb2 * v[i] + c2 * (g * g);
                m[i] = mi;
                v[i] = vi;
                float d = MathF.Sqrt(vi) * invSqrtBc2 + eps;
                parameters[i] -= (gradientStep * g + momentumStep * mi) / d;
            }
        }

        /// <summary>Describes the optimizer and its hyperparameters.</summary>
        public override string ToString() => string.Format(CultureInfo.InvariantCulture,
            "Nadam(learningRate: {0}, beta1: {1}, beta2: {2}, epsilon: {3}, momentumDecay: {4}{5})",
            LearningRate, Beta1, Beta2, Epsilon, MomentumDecay, FormatClipping());

        // One loop per vector width, identical but for the type: Simd picks the same one under the JIT and Native AOT.

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static int Step16(Span<float> parameters, ReadOnlySpan<float> gradients, Span<float> m, Span<float> v,
            float b1, float b2, float eps, float invSqrtBc2, float gradientStep, float momentumStep)
        {
            ref float p0 = ref MemoryMarshal.GetReference(parameters);
            ref float g0 = ref MemoryMarshal.GetReference(gradients);
            ref float m0 = ref MemoryMarshal.GetReference(m);
            ref float v0 = ref MemoryMarshal.GetReference(v);
            Vector512<float> vb1 = Vector512.Create(b1), vc1 = Vector512.Create(1f - b1), vb2 = Vector512.Create(b2), vc2 = Vector512.Create(1f - b2);
            Vector512<float> vEps = Vector512.Create(eps), vInv = Vector512.Create(invSqrtBc2), vGs = Vector512.Create(gradientStep), vMs = Vector512.Create(momentumStep);
            int i = 0;
            for (; i + 16 <= parameters.Length; i += 16)
            {
                nuint at = (nuint)i;
                Vector512<float> g = Vector512.LoadUnsafe(ref g0, at);
                Vector512<float> mk = vb1 * Vector512.LoadUnsafe(ref m0, at) + vc1 * g;
                Vector512<float> vk = vb2 * Vector512.LoadUnsafe(ref v0, at) + vc2 * (g * g);
                mk.StoreUnsafe(ref m0, at);
                vk.StoreUnsafe(ref v0, at);
                Vector512<float> d = Vector512.Sqrt(vk) * vInv + vEps;
                (Vector512.LoadUnsafe(ref p0, at) - (vGs * g + vMs * mk) / d).StoreUnsafe(ref p0, at);
            }

            return i;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static int Step8(Span<float> parameters, ReadOnlySpan<float> gradients, Span<float> m, Span<float> v,
            float b1, float b2, float eps, float invSqrtBc2, float gradientStep, float momentumStep)
        {
            ref float p0 = ref MemoryMarshal.GetReference(parameters);
            ref float g0 = ref MemoryMarshal.GetReference(gradients);
            ref float m0 = ref MemoryMarshal.GetReference(m);
            ref float v0 = ref MemoryMarshal.GetReference(v);
            Vector256<float> vb1 = Vector256.Create(b1), vc1 = Vector256.Create(1f - b1), vb2 = Vector256.Create(b2), vc2 = Vector256.Create(1f - b2);
            Vector256<float> vEps = Vector256.Create(eps), vInv = Vector256.Create(invSqrtBc2), vGs = Vector256.Create(gradientStep), vMs = Vector256.Create(momentumStep);
            int i = 0;
            for (; i + 8 <= parameters.Length; i += 8)
            {
                nuint at = (nuint)i;
                Vector256<float> g = Vector256.LoadUnsafe(ref g0, at);
                Vector256<float> mk = vb1 * Vector256.LoadUnsafe(ref m0, at) + vc1 * g;
                Vector256<float> vk = vb2 * Vector256.LoadUnsafe(ref v0, at) + vc2 * (g * g);
                mk.StoreUnsafe(ref m0, at);
                vk.StoreUnsafe(ref v0, at);
                Vector256<float> d = Vector256.Sqrt(vk) * vInv + vEps;
                (Vector256.LoadUnsafe(ref p0, at) - (vGs * g + vMs * mk) / d).StoreUnsafe(ref p0, at);
            }

            return i;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static int Step4(Span<float> parameters, ReadOnlySpan<float> gradients, Span<float> m, Span<float> v,
            float b1, float b2, float eps, float invSqrtBc2, float gradientStep, float momentumStep)
        {
            ref float p0 = ref MemoryMarshal.GetReference(parameters);
            ref float g0 = ref MemoryMarshal.GetReference(gradients);
            ref float m0 = ref MemoryMarshal.GetReference(m);
            ref float v0 = ref MemoryMarshal.GetReference(v);
            Vector128<float> vb1 = Vector128.Create(b1), vc1 = Vector128.Create(1f - b1), vb2 = Vector128.Create(b2), vc2 = Vector128.Create(1f - b2);
            Vector128<float> vEps = Vector128.Create(eps), vInv = Vector128.Create(invSqrtBc2), vGs = Vector128.Create(gradientStep), vMs = Vector128.Create(momentumStep);
            int i = 0;
            for (; i + 4 <= parameters.Length; i += 4)
            {
                nuint at = (nuint)i;
                Vector128<float> g = Vector128.LoadUnsafe(ref g0, at);
                Vector128<float> mk = vb1 * Vector128.LoadUnsafe(ref m0, at) + vc1 * g;
                Vector128<float> vk = vb2 * Vector128.LoadUnsafe(ref v0, at) + vc2 * (g * g);
                mk.StoreUnsafe(ref m0, at);
                vk.StoreUnsafe(ref v0, at);
                Vector128<float> d = Vector128.Sqrt(vk) * vInv + vEps;
                (Vector128.LoadUnsafe(ref p0, at) - (vGs * g + vMs * mk) / d).StoreUnsafe(ref p0, at);
            }

            return i;
        }
    }
}
