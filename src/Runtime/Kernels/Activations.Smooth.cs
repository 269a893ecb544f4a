using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace GenNN.Kernels
{
    // ELU, GELU, SiLU, Softplus and HardSigmoid, and LeakyReLU with any slope: one scalar and one Vector128 form of each
    // formula (an operator struct, as TensorPrimitives writes them), run by one loop. Vector128 is SSE/AVX on x64 and
    // NEON on ARM64; these passes are O(batch x units), a small share of a layer's O(batch x units x inputs) GEMM.
    // NaN propagates as in PyTorch: every formula below keeps a NaN input NaN (compares are false for NaN, and the
    // selects are written so that a false compare takes the branch that carries the NaN).
    public static partial class Activations
    {
        /// <summary><c>a = z &gt; 0 ? z : slope z</c> (<see cref="Activation.LeakyReLU"/> with a chosen slope); in place when the spans are the same.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void LeakyReLU(ReadOnlySpan<float> z, Span<float> a, float slope)
        {
            CheckLengths(z.Length, a.Length);
            for (int i = 0; i < z.Length; i++)
            {
                float v = z[i];
                a[i] = v > 0f ? v : slope * v;
            }
        }

        /// <summary><c>g *= a &gt; 0 ? 1 : slope</c>, where <c>a</c> is the leaky ReLU output.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void LeakyReLUBackward(ReadOnlySpan<float> a, Span<float> g, float slope)
        {
            for (int i = 0; i < g.Length; i++)
            {
                if (!(a[i] > 0f)) g[i] *= slope;
            }
        }

        /// <summary><c>z = z &gt; 0 ? z : e^z - 1</c> in place (<see cref="Activation.ELU"/>, alpha 1).</summary>
        public static void ELU(Span<float> z) => Map<EluOp>(z, z);

        /// <summary><c>a = z &gt; 0 ? z : e^z - 1</c> (<see cref="Activation.ELU"/>, alpha 1).</summary>
        public static void ELU(ReadOnlySpan<float> z, Span<float> a) => Map<EluOp>(z, a);

        /// <summary><c>g *= a &gt; 0 ? 1 : a + 1</c>, where <c>a</c> is the ELU output (<c>a + 1 = e^z</c> below zero).</summary>
        public static void ELUBackward(ReadOnlySpan<float> a, Span<float> g) => Scale<EluGradOp>(a, g);

        /// <summary><c>z = z Φ(z)</c> in place (<see cref="Activation.GELU"/>, the exact erf form).</summary>
        public static void GELU(Span<float> z) => Map<GeluOp>(z, z);

        /// <summary><c>a = z Φ(z)</c> (<see cref="Activation.GELU"/>, the exact erf form).</summary>
        public static void GELU(ReadOnlySpan<float> z, Span<float> a) => Map<GeluOp>(z, a);

        /// <summary><c>g *= Φ(z) + z φ(z)</c>, where <c>z</c> is the GELU input (the pre-activation).</summary>
        public static void GELUBackward(ReadOnlySpan<float> z, Span<float> g) => Scale<GeluGradOp>(z, g);

        /// <summary><c>z = z / (1 + e^-z)</c> in place (<see cref="Activation.SiLU"/>).</summary>
        public static void SiLU(Span<float> z) => Map<SiluOp>(z, z);

        /// <summary><c>a = z / (1 + e^-z)</c> (<see cref="Activation.SiLU"/>).</summary>
        public static void SiLU(ReadOnlySpan<float> z, Span<float> a) => Map<SiluOp>(z, a);

        /// <summary><c>g *= s (1 + z (1 - s))</c> with <c>s = sigmoid(z)</c>, where <c>z</c> is the SiLU input.</summary>
        public static void SiLUBackward(ReadOnlySpan<float> z, Span<float> g) => Scale<SiluGradOp>(z, g);

        /// <summary><c>z = log(1 + e^z) = max(z, 0) + log1p(e^-|z|)</c> in place (<see cref="Activation.Softplus"/>).</summary>
        public static void Softplus(Span<float> z) => Map<SoftplusOp>(z, z);

        /// <summary><c>a = log(1 + e^z)</c> (<see cref="Activation.Softplus"/>).</summary>
        public static void Softplus(ReadOnlySpan<float> z, Span<float> a) => Map<SoftplusOp>(z, a);

        /// <summary><c>g *= sigmoid(z)</c>, where <c>z</c> is the softplus input.</summary>
        public static void SoftplusBackward(ReadOnlySpan<float> z, Span<float> g) => Scale<SigmoidGradOp>(z, g);

        /// <summary><c>z = clamp(z / 6 + 1/2, 0, 1)</c> in place (<see cref="Activation.HardSigmoid"/>, PyTorch's definition).</summary>
        public static void HardSigmoid(Span<float> z) => Map<HardSigmoidOp>(z, z);

        /// <summary><c>a = clamp(z / 6 + 1/2, 0, 1)</c> (<see cref="Activation.HardSigmoid"/>, PyTorch's definition).</summary>
        public static void HardSigmoid(ReadOnlySpan<float> z, Span<float> a) => Map<HardSigmoidOp>(z, a);

        /// <summary>
        /// <c>g *= 0 &lt; a &lt; 1 ? 1/6 : 0</c>, where <c>a</c> is the hard sigmoid output: PyTorch's backward, 1/6 strictly
        /// inside (-3, 3) and 0 elsewhere (also for NaN, as there).
        /// </summary>
        public static void HardSigmoidBackward(ReadOnlySpan<float> a, Span<float> g) => Scale<HardSigmoidGradOp>(a, g);

        /// <summary>An element-wise function in a scalar and a Vector128 form.</summary>
        internal interface IUnaryOp
        {
            static abstract float Invoke(float x);

            static abstract Vector128<float> Invoke(Vector128<float> x);
        }

        /// <summary><c>destination[i] = T(source[i])</c>; the spans are the same or do not overlap.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void Map<T>(ReadOnlySpan<float> source, Span<float> destination)
            where T : IUnaryOp
        {
            CheckLengths(source.Length, destination.Length);
            int n = source.Length, i = 0;
            if (Vector128.IsHardwareAccelerated)
            {
                ref float x = ref MemoryMarshal.GetReference(source);
                ref float y = ref MemoryMarshal.GetReference(destination);
                for (; i + 4 <= n; i += 4)
                {
                    T.Invoke(Vector128.LoadUnsafe(ref x, (nuint)i)).StoreUnsafe(ref y, (nuint)i);
                }
            }

            for (; i < n; i++)
            {
                destination[i] = T.Invoke(source[i]);
            }
        }

        /// <summary><c>g[i] *= T(x[i])</c>: a backward pass, <c>T</c> the derivative expressed through <c>x</c>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void Scale<T>(ReadOnlySpan<float> x, Span<float> g)
            where T : IUnaryOp
        {
            CheckLengths(x.Length, g.Length);
            int n = g.Length, i = 0;
            if (Vector128.IsHardwareAccelerated)
            {
                ref float xr = ref MemoryMarshal.GetReference(x);
                ref float gr = ref MemoryMarshal.GetReference(g);
                for (; i + 4 <= n; i += 4)
                {
                    (Vector128.LoadUnsafe(ref gr, (nuint)i) * T.Invoke(Vector128.LoadUnsafe(ref xr, (nuint)i))).StoreUnsafe(ref gr, (nuint)i);
                }
            }

            for (; i < n; i++)
            {
                g[i] *= T.Invoke(x[i]);
            }
        }

        private static void CheckLengths(int source, int destination)
        {
            if (source != destination)
            {
                throw new ArgumentException(
                    string.Format(System.Globalization.CultureInfo.InvariantCulture, "Expected a destination of {0} floats, the source's length; got {1}.", source, destination),
                    "destination");
            }
        }

        private readonly struct EluOp : IUnaryOp
        {
            public static float Invoke(float x) => x > 0f ? x : ExpM1(x);

            public static Vector128<float> Invoke(Vector128<float> x)
                => Vector128.ConditionalSelect(Vector128.GreaterThan(x, Vector128<float>.Zero), x, ExpM1(x));
        }

        private readonly struct EluGradOp : IUnaryOp
        {
            public static float Invoke(float a) => a > 0f ? 1f : a + 1f;

            public static Vector128<float> Invoke(Vector128<float> a)
                => Vector128.ConditionalSelect(Vector128.GreaterThan(a, Vector128<float>.Zero), Vector128<float>.One, a + Vector128<float>.One);
        }

        private readonly struct GeluOp : IUnaryOp
        {
            public static float Invoke(float x) => x * Phi(x);

            public static Vector128<float> Invoke(Vector128<float> x) => x * Phi(x);
        }

        private readonly struct GeluGradOp : IUnaryOp
        {
            // d/dz z Φ(z) = Φ(z) + z φ(z), φ(z) = e^(-z^2 / 2) / √(2π).
            public static float Invoke(float x) => Phi(x) + x * (0.398942280f * MathF.Exp(-0.5f * x * x));

            public static Vector128<float> Invoke(Vector128<float> x)
                => Phi(x) + x * (Vector128.Create(0.398942280f) * Exp(Vector128.Create(-0.5f) * x * x));
        }

        private readonly struct SiluOp : IUnaryOp
        {
            public static float Invoke(float x) => x / (1f + MathF.Exp(-x));

            public static Vector128<float> Invoke(Vector128<float> x) => x / (Vector128<float>.One + Exp(-x));
        }

        private readonly struct SiluGradOp : IUnaryOp
        {
            public static float Invoke(float x)
            {
                float s = 1f / (1f + MathF.Exp(-x));
                return s * (1f + x * (1f - s));
            }

            public static Vector128<float> Invoke(Vector128<float> x)
            {
                Vector128<float> s = Vector128<float>.One / (Vector128<float>.One + Exp(-x));
                return s * (Vector128<float>.One + x * (Vector128<float>.One - s));
            }
        }

        private readonly struct SoftplusOp : IUnaryOp
        {
            // max(z, 0) + log1p(e^-|z|): exact for large |z| of either sign. A NaN takes the 0 of the select and comes back
            // through the log1p term.
            public static float Invoke(float x) => (x > 0f ? x : 0f) + Log1pUnit(MathF.Exp(-MathF.Abs(x)));

            public static Vector128<float> Invoke(Vector128<float> x)
                => Vector128.ConditionalSelect(Vector128.GreaterThan(x, Vector128<float>.Zero), x, Vector128<float>.Zero)
                 + Log1pUnit(Exp(-Vector128.Abs(x)));
        }

        private readonly struct SigmoidGradOp : IUnaryOp
        {
            public static float Invoke(float x) => 1f / (1f + MathF.Exp(-x));

            public static Vector128<float> Invoke(Vector128<float> x) => Vector128<float>.One / (Vector128<float>.One + Exp(-x));
        }

        private readonly struct HardSigmoidOp : IUnaryOp
        {
            public static float Invoke(float x)
            {
                float y = x * (1f / 6f) + 0.5f;
                return y < 0f ? 0f : y > 1f ? 1f : y;
            }

            public static Vector128<float> Invoke(Vector128<float> x)
            {
                Vector128<float> y = x * Vector128.Create(1f / 6f) + Vector128.Create(0.5f);
                y = Vector128.ConditionalSelect(Vector128.LessThan(y, Vector128<float>.Zero), Vector128<float>.Zero, y);
                return Vector128.ConditionalSelect(Vector128.GreaterThan(y, Vector128<float>.One), Vector128<float>.One, y);
            }
        }

        private readonly struct HardSigmoidGradOp : IUnaryOp
        {
            public static float Invoke(float a) => a > 0f && a < 1f ? 1f / 6f : 0f;

            public static Vector128<float> Invoke(Vector128<float> a)
                => Vector128.BitwiseAnd(
                    Vector128.BitwiseAnd(Vector128.GreaterThan(a, Vector128<float>.Zero), Vector128.LessThan(a, Vector128<float>.One)),
                    Vector128.Create(1f / 6f));
        }

        /// <summary>
        /// <c>e^x - 1</c>, accurate near 0 where <c>e^x - 1</c> would cancel: a degree-7 Taylor polynomial for |x| &lt; 1/2
        /// (relative error below 3e-7 there), <c>e^x - 1</c> elsewhere.
        /// </summary>
        private static float ExpM1(float x) => MathF.Abs(x) < 0.5f ? ExpM1Small(x) : MathF.Exp(x) - 1f;

        private static Vector128<float> ExpM1(Vector128<float> x)
            => Vector128.ConditionalSelect(Vector128.LessThan(Vector128.Abs(x), Vector128.Create(0.5f)), ExpM1Small(x), Exp(x) - Vector128<float>.One);

        private static float ExpM1Small(float x)
            => x * (1f + x * (1f / 2 + x * (1f / 6 + x * (1f / 24 + x * (1f / 120 + x * (1f / 720 + x * (1f / 5040)))))));

        private static Vector128<float> ExpM1Small(Vector128<float> x)
        {
            Vector128<float> p = Vector128.Create(1f / 5040);
            p = MultiplyAdd(p, x, Vector128.Create(1f / 720));
            p = MultiplyAdd(p, x, Vector128.Create(1f / 120));
            p = MultiplyAdd(p, x, Vector128.Create(1f / 24));
            p = MultiplyAdd(p, x, Vector128.Create(1f / 6));
            p = MultiplyAdd(p, x, Vector128.Create(0.5f));
            p = MultiplyAdd(p, x, Vector128<float>.One);
            return p * x;
        }

        /// <summary>
        /// <c>log(1 + u)</c> for <c>u</c> in [0, 1] (the softplus term), accurate relative to the result for tiny <c>u</c>:
        /// <c>2 atanh(s)</c> with <c>s = u / (2 + u)</c> in [0, 1/3], as the odd series to <c>s^15</c> (error below 2e-8).
        /// </summary>
        private static float Log1pUnit(float u)
        {
            float s = u / (2f + u), s2 = s * s;
            float p = 1f / 15;
            p = p * s2 + 1f / 13;
            p = p * s2 + 1f / 11;
            p = p * s2 + 1f / 9;
            p = p * s2 + 1f / 7;
            p = p * s2 + 1f / 5;
            p = p * s2 + 1f / 3;
            p = p * s2 + 1f;
            return 2f * s * p;
        }

        private static Vector128<float> Log1pUnit(Vector128<float> u)
        {
            Vector128<float> s = u / (Vector128.Create(2f) + u), s2 = s * s;
            Vector128<float> p = Vector128.Create(1f / 15);
            p = MultiplyAdd(p, s2, Vector128.Create(1f / 13));
            p = MultiplyAdd(p, s2, Vector128.Create(1f / 11));
            p = MultiplyAdd(p, s2, Vector128.Create(1f / 9));
            p = MultiplyAdd(p, s2, Vector128.Create(1f / 7));
            p = MultiplyAdd(p, s2, Vector128.Create(1f / 5));
            p = MultiplyAdd(p, s2, Vector128.Create(1f / 3));
            p = MultiplyAdd(p, s2, Vector128<float>.One);
            return Vector128.Create(2f) * s * p;
        }

        /// <summary>
        /// The standard normal CDF <c>Φ(x) = erfc(-x / √2) / 2</c>, from the complementary error function of <c>|x|</c> so
        /// that neither tail cancels: <c>c = erfc(|x| / √2) / 2</c>, then <c>c</c> below zero and <c>1 - c</c> above.
        /// </summary>
        private static float Phi(float x)
        {
            float c = 0.5f * Erfc(MathF.Abs(x) * 0.707106781f);
            return x < 0f ? c : 1f - c;
        }

        private static Vector128<float> Phi(Vector128<float> x)
        {
            Vector128<float> c = Vector128.Create(0.5f) * Erfc(Vector128.Abs(x) * Vector128.Create(0.707106781f));
            return Vector128.ConditionalSelect(Vector128.LessThan(x, Vector128<float>.Zero), c, Vector128<float>.One - c);
        }

        /// <summary>
        /// <c>erfc(x)</c> for <c>x &gt;= 0</c>: the Chebyshev fit of Numerical Recipes (<c>erfcc</c>), relative error below
        /// 1.2e-7 everywhere, so the tails stay accurate: <c>t e^(-x^2 + P(t))</c> with <c>t = 1 / (1 + x / 2)</c>.
        /// </summary>
        private static float Erfc(float x)
        {
            float t = 1f / (1f + 0.5f * x);
            return t * MathF.Exp(-x * x + ErfcPolynomial(t));
        }

        private static Vector128<float> Erfc(Vector128<float> x)
        {
            Vector128<float> t = Vector128<float>.One / MultiplyAdd(Vector128.Create(0.5f), x, Vector128<float>.One);
            Vector128<float> exponent = ErfcPolynomial(t) - x * x;
            // Below e^-87.3 the vector Exp stops at float's smallest normal; flush to 0 there, as the scalar MathF.Exp does.
            return Vector128.AndNot(t * Exp(exponent), Vector128.LessThan(exponent, Vector128.Create(-87.33654f)));
        }

        private static float ErfcPolynomial(float t)
            => -1.26551223f + t * (1.00002368f + t * (0.37409196f + t * (0.09678418f + t * (-0.18628806f
               + t * (0.27886807f + t * (-1.13520398f + t * (1.48851587f + t * (-0.82215223f + t * 0.17087277f))))))));

        private static Vector128<float> ErfcPolynomial(Vector128<float> t)
        {
            Vector128<float> p = Vector128.Create(0.17087277f);
            p = MultiplyAdd(p, t, Vector128.Create(-0.82215223f));
            p = MultiplyAdd(p, t, Vector128.Create(1.48851587f));
            p = MultiplyAdd(p, t, Vector128.Create(-1.13520398f));
            p = MultiplyAdd(p, t, Vector128.Create(0.27886807f));
            p = MultiplyAdd(p, t, Vector128.Create(-0.18628806f));
            p = MultiplyAdd(p, t, Vector128.Create(0.09678418f));
            p = MultiplyAdd(p, t, Vector128.Create(0.37409196f));
            p = MultiplyAdd(p, t, Vector128.Create(1.00002368f));
            return MultiplyAdd(p, t, Vector128.Create(-1.26551223f));
        }
    }
}
