using System;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using GenNN.Kernels;

namespace GenNN
{
    /// <summary>
    /// Adam (Kingma &amp; Ba, 2015) with bias correction, with PyTorch's <c>torch.optim.Adam</c> semantics
    /// (no weight decay, no AMSGrad).
    /// </summary>
    /// <remarks>
    /// At step <c>t</c>: <c>m = b1 m + (1 - b1) g</c>, <c>v = b2 v + (1 - b2) g^2</c>, then
    /// <c>p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)</c>. Keras adds epsilon to the uncorrected
    /// <c>sqrt(v)</c> instead; the two differ only while <c>sqrt(v)</c> is comparable to epsilon.
    /// </remarks>
    public sealed class Adam : Optimizer
    {
        private float[]? _m;
        private float[]? _v;

        /// <summary>Creates an Adam optimizer.</summary>
        /// <param name="learningRate">The step size; finite and at least 0.</param>
        /// <param name="beta1">The decay rate of the first-moment (mean) estimate, in [0, 1).</param>
        /// <param name="beta2">The decay rate of the second-moment (uncentred variance) estimate, in [0, 1).</param>
        /// <param name="epsilon">Added to the denominator for numerical stability; finite and greater than 0.</param>
        /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is outside its range.</exception>
        public Adam(float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f)
            : base(learningRate)
        {
            CheckRange(beta1, 0f, 1f, maxInclusive: false, nameof(beta1));
            CheckRange(beta2, 0f, 1f, maxInclusive: false, nameof(beta2));
            // 0 would divide 0 by 0 (NaN) for a parameter whose gradients have all been 0.
            CheckPositive(epsilon, nameof(epsilon));
            Beta1 = beta1;
            Beta2 = beta2;
            Epsilon = epsilon;
        }

        /// <summary>The decay rate of the first-moment estimate.</summary>
        public float Beta1 { get; }

        /// <summary>The decay rate of the second-moment estimate.</summary>
        public float Beta2 { get; }

        /// <summary>The term added to the denominator for numerical stability.</summary>
        public float Epsilon { get; }

        /// <inheritdoc/>
        protected override void AllocateState(int parameterCount)
        {
            _m = new float[parameterCount];
            _v = new float[parameterCount];
        }

        /// <inheritdoc/>
        protected override void ReleaseState()
        {
            _m = null;
            _v = null;
        }

        /// <inheritdoc/>
        protected override bool SupportsRangeSteps => true;

        /// <inheritdoc/>
        protected override void StepCore(Span<float> parameters, ReadOnlySpan<float> gradients, long iteration)
            => StepRangeCore(parameters, gradients, 0, iteration);

        /// <inheritdoc/>
        protected override void StepRangeCore(Span<float> parameters, ReadOnlySpan<float> gradients, int offset, long iteration)
        {
            if (_m is null || _v is null)
            {
                return; // no parameters
            }

            Update(parameters, gradients, _m.AsSpan(offset, parameters.Length), _v.AsSpan(offset, parameters.Length), Beta1, Beta2, Epsilon, LearningRate, iteration, decay: 1f);
        }

        /// <summary>Describes the optimizer and its hyperparameters.</summary>
        public override string ToString() => string.Format(CultureInfo.InvariantCulture,
            "Adam(learningRate: {0}, beta1: {1}, beta2: {2}, epsilon: {3}{4})", LearningRate, Beta1, Beta2, Epsilon, FormatClipping());

        /// <summary>
        /// One Adam step over the moments <paramref name="m"/> and <paramref name="v"/>, with the parameters first
        /// multiplied by <paramref name="decay"/> (1 for Adam, <c>1 - lr * weightDecay</c> for <see cref="AdamW"/>: the
        /// product by 1 is exact, so Adam's bits do not change).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void Update(Span<float> parameters, ReadOnlySpan<float> gradients, Span<float> m, Span<float> v,
            float b1, float b2, float eps, float learningRate, long iteration, float decay)
        {
            float c1 = 1f - b1, c2 = 1f - b2;
            // Bias corrections in double: b^t underflows gracefully and loses nothing for large t.
            float stepSize = (float)(learningRate / (1.0 - Math.Pow(b1, iteration)));
            float invSqrtBc2 = (float)(1.0 / Math.Sqrt(1.0 - Math.Pow(b2, iteration)));

            int i = 0;
            if (Avx512F.IsSupported && Vector512.IsHardwareAccelerated)
            {
                i = Step512(parameters, gradients, m, v, b1, c1, b2, c2, eps, stepSize, invSqrtBc2, decay);
            }
            else if (Simd.Vector256)
            {
                // Simd.Vector256, not Vector256.IsHardwareAccelerated: a Native AOT binary takes this loop where the JIT
                // does (AVX2 + FMA checked at run time), so both train to the same bits. The loop needs AVX only.
                i = Step256(parameters, gradients, m, v, b1, c1, b2, c2, eps, stepSize, invSqrtBc2, decay);
            }
            else if (Vector.IsHardwareAccelerated && parameters.Length >= Vector<float>.Count)
            {
                Span<Vector<float>> pv = MemoryMarshal.Cast<float, Vector<float>>(parameters);
                ReadOnlySpan<Vector<float>> gv = MemoryMarshal.Cast<float, Vector<float>>(gradients);
                Span<Vector<float>> mv = MemoryMarshal.Cast<float, Vector<float>>(m);
                Span<Vector<float>> vv = MemoryMarshal.Cast<float, Vector<float>>(v);
                var vb1 = new Vector<float>(b1);
                var vc1 = new Vector<float>(c1);
                var vb2 = new Vector<float>(b2);
                var vc2 = new Vector<float>(c2);
                var vEps = new Vector<float>(eps);
                var vStep = new Vector<float>(stepSize);
                var vInv = new Vector<float>(invSqrtBc2);
                var vDecay = new Vector<float>(decay);
                for (int k = 0; k < pv.Length; k++)
                {
                    Vector<float> g = gv[k];
                    Vector<float> mk = vb1 * mv[k] + vc1 * g;
                    Vector<float> vk = vb2 * vv[k] + vc2 * (g * g);
                    mv[k] = mk;
                    vv[k] = vk;
                    pv[k] = pv[k] * vDecay - vStep * mk / (Vector.SquareRoot(vk) * vInv + vEps);
                }

                i = pv.Length * Vector<float>.Count;
            }

            for (; i < parameters.Length; i++)
            {
                float g = gradients[i];
                float mi = b1 * m[i] + c1 * g;
                float vi = b2 * v[i] + c2 * (g * g);
                m[i] = mi;
                v[i] = vi;
                parameters[i] = parameters[i] * decay - stepSize * mi / (MathF.Sqrt(vi) * invSqrtBc2 + eps);
            }
        }

        // The AVX-512 loop replaces the division by a reciprocal estimate refined by one Newton step (r' = r (2 - d r),
        // about 24 correct bits): on the AVX-512 machine the divider, not memory, bounded the plain loop. The AVX2 loop
        // divides, in the scalar loop's order, so it gives the scalar loop's bits: on Zen 3 (no AVX-512) the division
        // took 9.1 cycles per 8 parameters warm in L3 against 12.5-16.9 for the estimate and two Newton steps, and the
        // same from DRAM (bench/RESULTS.md, 2026-11-30).

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static int Step512(Span<float> parameters, ReadOnlySpan<float> gradients, Span<float> m, Span<float> v,
            float b1, float c1, float b2, float c2, float eps, float stepSize, float invSqrtBc2, float decay)
        {
            ref float p0 = ref MemoryMarshal.GetReference(parameters);
            ref float g0 = ref MemoryMarshal.GetReference(gradients);
            ref float m0 = ref MemoryMarshal.GetReference(m);
            ref float v0 = ref MemoryMarshal.GetReference(v);
            Vector512<float> vb1 = Vector512.Create(b1), vc1 = Vector512.Create(c1), vb2 = Vector512.Create(b2), vc2 = Vector512.Create(c2);
            Vector512<float> vEps = Vector512.Create(eps), vStep = Vector512.Create(stepSize), vInv = Vector512.Create(invSqrtBc2), two = Vector512.Create(2f), vDecay = Vector512.Create(decay);
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
                Vector512<float> r = Avx512F.Reciprocal14(d);
                r *= two - d * r;
                (Vector512.LoadUnsafe(ref p0, at) * vDecay - vStep * mk * r).StoreUnsafe(ref p0, at);
            }

            return i;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static int Step256(Span<float> parameters, ReadOnlySpan<float> gradients, Span<float> m, Span<float> v,
            float b1, float c1, float b2, float c2, float eps, float stepSize, float invSqrtBc2, float decay)
        {
            ref float p0 = ref MemoryMarshal.GetReference(parameters);
            ref float g0 = ref MemoryMarshal.GetReference(gradients);
            ref float m0 = ref MemoryMarshal.GetReference(m);
            ref float v0 = ref MemoryMarshal.GetReference(v);
            Vector256<float> vb1 = Vector256.Create(b1), vc1 = Vector256.Create(c1), vb2 = Vector256.Create(b2), vc2 = Vector256.Create(c2);
            Vector256<float> vEps = Vector256.Create(eps), vStep = Vector256.Create(stepSize), vInv = Vector256.Create(invSqrtBc2), vDecay = Vector256.Create(decay);
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
                (Vector256.LoadUnsafe(ref p0, at) * vDecay - vStep * mk / d).StoreUnsafe(ref p0, at);
            }

            return i;
        }
    }
}
