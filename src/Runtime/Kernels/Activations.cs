using System;
using System.ComponentModel;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace GenNN.Kernels
{
    /// <summary>
    /// Element-wise activation functions and their backward passes, called by generated networks.
    /// Forward functions work in place on a layer's pre-activations; backward functions multiply an
    /// incoming gradient by the derivative, expressed through the activation's output <c>a</c>.
    /// </summary>
    /// <remarks>NaN propagates as in PyTorch: every activation maps NaN to NaN, and a NaN anywhere in a softmax row makes
    /// the whole row NaN (it reaches the sum of the exponentials even where a max instruction skipped it).</remarks>
    [EditorBrowsable(EditorBrowsableState.Advanced)]
    public static partial class Activations
    {
        /// <summary>The negative slope of <see cref="Activation.LeakyReLU"/> (PyTorch's default).</summary>
        public const float LeakyReLUSlope = 0.01f;

        /// <summary><c>z = max(z, 0)</c>; NaN stays NaN.</summary>
        public static void ReLU(Span<float> z) => TensorPrimitives.Max(z, 0f, z);

        /// <summary><c>z = z &gt; 0 ? z : 0.01 z</c>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void LeakyReLU(Span<float> z)
        {
            for (int i = 0; i < z.Length; i++)
            {
                float v = z[i];
                z[i] = v > 0f ? v : LeakyReLUSlope * v;
            }
        }

        /// <summary><c>z = 1 / (1 + e^-z)</c>.</summary>
        public static void Sigmoid(Span<float> z) => TensorPrimitives.Sigmoid(z, z);

        /// <summary><c>z = tanh(z)</c>.</summary>
        public static void Tanh(Span<float> z) => TensorPrimitives.Tanh(z, z);

        /// <summary><c>z = e^(z - max z) / sum(e^(z - max z))</c>: softmax, stable for large logits.</summary>
        public static void Softmax(Span<float> z)
        {
            if (z.Length <= SmallSpan)
            {
                SoftmaxSmall(z, z);
                return;
            }

            float max = TensorPrimitives.Max(z);
            TensorPrimitives.Subtract(z, max, z);
            TensorPrimitives.Exp(z, z);
            float sum = TensorPrimitives.Sum(z);
            TensorPrimitives.Divide(z, sum, z);
        }

        /// <summary>Spans up to this length take scalar loops: cheaper than a vectorised call's setup.</summary>
        internal const int SmallSpan = 16;

        /// <summary>
        /// Softmax of a span of at most <see cref="SmallSpan"/> floats into <paramref name="destination"/>, in registers
        /// where the hardware allows; returns the sum of the exponentials (of <c>z - max z</c>).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static float SoftmaxSmall(ReadOnlySpan<float> z, Span<float> destination)
        {
            int n = z.Length;
            if (Vector128.IsHardwareAccelerated && n < 4)
            {
                return SoftmaxBelow4(z, destination);
            }

            if (Vector128.IsHardwareAccelerated && n < 8)
            {
                return Softmax2x128(z, destination);
            }

            if (Simd.Vector256 && Avx2.IsSupported)
            {
                return Softmax2x256(z, destination);
            }

            float max = z[0];
            for (int i = 1; i < n; i++)
            {
                if (z[i] > max) max = z[i];
            }

            float sum = 0f;
            for (int i = 0; i < n; i++)
            {
                float e = MathF.Exp(z[i] - max);
                destination[i] = e;
                sum += e;
            }

            float inverse = 1f / sum;
            for (int i = 0; i < n; i++)
            {
                destination[i] *= inverse;
            }

            return sum;
        }

        /// <summary>One to three floats: built into one vector whose spare lanes are masked out of the sum.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static float SoftmaxBelow4(ReadOnlySpan<float> z, Span<float> destination)
        {
            int n = z.Length;
            float max = z[0];
            for (int i = 1; i < n; i++)
            {
                if (z[i] > max) max = z[i];
            }

            Vector128<float> v = Vector128.Create(z[0], n > 1 ? z[1] : max, n > 2 ? z[2] : max, max);
            Vector128<float> mask = Vector128.LessThan(Vector128.Create(0f, 1f, 2f, 3f), Vector128.Create((float)n));
            Vector128<float> e = Vector128.BitwiseAnd(Exp(v - Vector128.Create(max)), mask);
            float sum = Vector128.Sum(e);
            e *= Vector128.Create(1f / sum);
            destination[0] = e.ToScalar();
            if (n > 1) destination[1] = e.GetElement(1);
            if (n > 2) destination[2] = e.GetElement(2);
            return sum;
        }

        /// <summary>
        /// Four to seven floats: two vectors, the second ending at the span's end and overlapping the first; the
        /// overlapped lanes count once in the sum and are stored twice with the same value.
        /// </summary>
        private static float Softmax2x128(ReadOnlySpan<float> z, Span<float> destination)
        {
            int tail = z.Length - 4;
            ref float source = ref MemoryMarshal.GetReference(z);
            Vector128<float> first = Vector128.LoadUnsafe(ref source);
            Vector128<float> last = Vector128.LoadUnsafe(ref source, (nuint)tail);
            Vector128<float> shift = Vector128.Create(HorizontalMax(Vector128.ConditionalSelect(Vector128.GreaterThan(first, last), first, last)));
            first = Exp(first - shift);
            last = Exp(last - shift);
            Vector128<float> unique = Vector128.GreaterThanOrEqual(Vector128.Create(0f, 1f, 2f, 3f), Vector128.Create((float)(4 - tail)));
            float sum = Vector128.Sum(first + Vector128.BitwiseAnd(last, unique));
            Vector128<float> inverse = Vector128.Create(1f / sum);
            ref float target = ref MemoryMarshal.GetReference(destination);
            (first * inverse).StoreUnsafe(ref target);
            (last * inverse).StoreUnsafe(ref target, (nuint)tail);
            return sum;
        }

        /// <summary>Eight to sixteen floats: as <see cref="Softmax2x128"/> with 256-bit vectors.</summary>
        private static float Softmax2x256(ReadOnlySpan<float> z, Span<float> destination)
        {
            int tail = z.Length - 8;
            ref float source = ref MemoryMarshal.GetReference(z);
            Vector256<float> first = Vector256.LoadUnsafe(ref source);
            Vector256<float> last = Vector256.LoadUnsafe(ref source, (nuint)tail);
            Vector256<float> both = Vector256.ConditionalSelect(Vector256.GreaterThan(first, last), first, last);
            Vector128<float> lower = both.GetLower(), upper = both.GetUpper();
            float max = HorizontalMax(Vector128.ConditionalSelect(Vector128.GreaterThan(lower, upper), lower, upper));
            Vector256<float> shift = Vector256.Create(max);
            first = Exp(first - shift);
            last = Exp(last - shift);
            Vector256<float> unique = Vector256.GreaterThanOrEqual(Vector256.Create(0f, 1f, 2f, 3f, 4f, 5f, 6f, 7f), Vector256.Create((float)(8 - tail)));
            float sum = Vector256.Sum(first + Vector256.BitwiseAnd(last, unique));
            Vector256<float> inverse = Vector256.Create(1f / sum);
            ref float target = ref MemoryMarshal.GetReference(destination);
            (first * inverse).StoreUnsafe(ref target);
            (last * inverse).StoreUnsafe(ref target, (nuint)tail);
            return sum;
        }

        /// <summary>
        /// Softmax of the first <paramref name="count"/> lanes of <paramref name="z"/> (1 to 4), in registers; the other
        /// lanes of the result are zero. Generated networks with at most four outputs apply it to the last layer's
        /// accumulator before storing it.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> Softmax(Vector128<float> z, int count)
        {
            Vector128<float> mask = Vector128.LessThan(Vector128.Create(0f, 1f, 2f, 3f), Vector128.Create((float)count));
            Vector128<float> max = Vector128.Create(HorizontalMax(Vector128.ConditionalSelect(mask, z, Vector128.Create(float.MinValue))));
            Vector128<float> e = Vector128.BitwiseAnd(ExpBounded(z - max), mask);
            return e * Vector128.Create(1f / Vector128.Sum(e));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector128<float> MultiplyAdd(Vector128<float> a, Vector128<float> b, Vector128<float> addend)
            => Fma.IsSupported ? Fma.MultiplyAdd(a, b, addend)
             : AdvSimd.IsSupported ? AdvSimd.FusedMultiplyAdd(addend, a, b)
             : a * b + addend;

        /// <summary>Only reached where <see cref="Simd.Vector256"/> found FMA (no per-call check in a Native AOT binary).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> addend)
            => Fma.MultiplyAdd(a, b, addend);

        private static float HorizontalMax(Vector128<float> v)
        {
            v = MaxNative(v, Vector128.Shuffle(v, Vector128.Create(2, 3, 0, 1)));
            v = MaxNative(v, Vector128.Shuffle(v, Vector128.Create(1, 0, 3, 2)));
            return v.ToScalar();
        }

        /// <summary>
        /// maxps where there is one (.NET 10's Vector128.Max adds IEEE NaN fix-ups). It may skip a NaN lane, which does
        /// not matter for softmax's shift: that lane's own exponential is NaN and makes the sum, so the whole row, NaN.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector128<float> MaxNative(Vector128<float> a, Vector128<float> b)
            => Sse.IsSupported ? Sse.Max(a, b) : Vector128.ConditionalSelect(Vector128.GreaterThan(a, b), a, b);

        /// <summary>
        /// <c>e^x</c> for every lane (Cephes' expf: a degree-5 polynomial on <c>r = x - n ln 2</c>, evaluated in
        /// Estrin's form for a short dependency chain; relative error about 2e-7). Inputs are clamped to
        /// [-87.3, 88.7], so the result is a normal float; NaN stays NaN (a compare is false for NaN, so the
        /// clamps keep it). <c>n</c> is rounded with the 1.5 * 2^23 trick,
        /// which also leaves it as an integer in the low mantissa bits.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal static Vector128<float> Exp(Vector128<float> x)
        {
            // Clamp with compare-and-select: .NET 10's Vector128.Min/Max add IEEE NaN fix-ups this does not need.
            Vector128<float> high = Vector128.Create(88.72283f);
            return ExpBounded(Vector128.ConditionalSelect(Vector128.GreaterThan(x, high), high, x));
        }

        /// <summary>
        /// <see cref="Exp(Vector128{float})"/> for lanes known to be at most 88.7 (softmax's logits minus their
        /// maximum are at most zero): only the lower clamp, one step shorter on softmax's critical path.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector128<float> ExpBounded(Vector128<float> x)
        {
            Vector128<float> low = Vector128.Create(-87.33654f);
            x = Vector128.ConditionalSelect(Vector128.LessThan(x, low), low, x);
            Vector128<float> t = MultiplyAdd(x, Vector128.Create(1.44269504088896341f), Vector128.Create(12582912f));
            Vector128<float> n = t - Vector128.Create(12582912f);
            Vector128<int> scale = Vector128.ShiftLeft(t.AsInt32() - Vector128.Create(0x4B400000 - 127), 23);
            Vector128<float> r = MultiplyAdd(n, Vector128.Create(2.12194440e-4f), MultiplyAdd(n, Vector128.Create(-0.693359375f), x));
            Vector128<float> r2 = r * r;
            Vector128<float> p01 = MultiplyAdd(Vector128.Create(1.6666665459E-1f), r, Vector128.Create(5.0000001201E-1f));
            Vector128<float> p23 = MultiplyAdd(Vector128.Create(8.3334519073E-3f), r, Vector128.Create(4.1665795894E-2f));
            Vector128<float> p45 = MultiplyAdd(Vector128.Create(1.9875691500E-4f), r, Vector128.Create(1.3981999507E-3f));
            Vector128<float> p = MultiplyAdd(MultiplyAdd(p45, r2, p23), r2, p01);
            return MultiplyAdd(p, r2, r + Vector128<float>.One) * scale.AsSingle();
        }

        /// <summary><c>e^x</c> for every lane; see <see cref="Exp(Vector128{float})"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal static Vector256<float> Exp(Vector256<float> x)
        {
            Vector256<float> low = Vector256.Create(-87.33654f), high = Vector256.Create(88.72283f);
            x = Vector256.ConditionalSelect(Vector256.LessThan(x, low), low, x);
            x = Vector256.ConditionalSelect(Vector256.GreaterThan(x, high), high, x);
            Vector256<float> t = MultiplyAdd(x, Vector256.Create(1.44269504088896341f), Vector256.Create(12582912f));
            Vector256<float> n = t - Vector256.Create(12582912f);
            // Avx2 explicitly: the Vector256 integer operators would be software fallbacks in a Native AOT binary whose
            // baseline lacks AVX2 (this runs only where AVX2 was found).
            Vector256<int> scale = Avx2.ShiftLeftLogical(Avx2.Subtract(t.AsInt32(), Vector256.Create(0x4B400000 - 127)), 23);
            Vector256<float> r = MultiplyAdd(n, Vector256.Create(2.12194440e-4f), MultiplyAdd(n, Vector256.Create(-0.693359375f), x));
            Vector256<float> r2 = r * r;
            Vector256<float> p01 = MultiplyAdd(Vector256.Create(1.6666665459E-1f), r, Vector256.Create(5.0000001201E-1f));
            Vector256<float> p23 = MultiplyAdd(Vector256.Create(8.3334519073E-3f), r, Vector256.Create(4.1665795894E-2f));
            Vector256<float> p45 = MultiplyAdd(Vector256.Create(1.9875691500E-4f), r, Vector256.Create(1.3981999507E-3f));
            Vector256<float> p = MultiplyAdd(MultiplyAdd(p45, r2, p23), r2, p01);
            return MultiplyAdd(p, r2, r + Vector256<float>.One) * scale.AsSingle();
        }

        /// <summary>
        /// <c>g *= a &lt;= 0 ? 0 : 1</c>, where <c>a</c> is the ReLU output: as PyTorch's ReLU backward, which zeroes the
        /// gradient only where the output is &lt;= 0, so a NaN output passes the gradient (and its NaN) on.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void ReLUBackward(ReadOnlySpan<float> a, Span<float> g)
        {
            int i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                for (; i <= g.Length - Vector<float>.Count; i += Vector<float>.Count)
                {
                    var v = new Vector<float>(a.Slice(i));
                    Vector.ConditionalSelect(Vector.LessThanOrEqual(v, Vector<float>.Zero), Vector<float>.Zero, new Vector<float>(g.Slice(i))).CopyTo(g.Slice(i));
                }
            }

            for (; i < g.Length; i++)
            {
                if (a[i] <= 0f) g[i] = 0f;
            }
        }

        /// <summary><c>g *= a &gt; 0 ? 1 : 0.01</c>, where <c>a</c> is the leaky ReLU output.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void LeakyReLUBackward(ReadOnlySpan<float> a, Span<float> g)
        {
            for (int i = 0; i < g.Length; i++)
            {
                if (!(a[i] > 0f)) g[i] *= LeakyReLUSlope;
            }
        }

        /// <summary><c>g *= a (1 - a)</c>, where <c>a</c> is the sigmoid output.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void SigmoidBackward(ReadOnlySpan<float> a, Span<float> g)
        {
            for (int i = 0; i < g.Length; i++) g[i] *= a[i] * (1f - a[i]);
        }

        /// <summary><c>g *= 1 - a^2</c>, where <c>a</c> is the tanh output.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void TanhBackward(ReadOnlySpan<float> a, Span<float> g)
        {
            for (int i = 0; i < g.Length; i++) g[i] *= 1f - a[i] * a[i];
        }

        /// <summary><c>g_i = a_i (g_i - sum_j g_j a_j)</c>: the softmax Jacobian applied to <c>g</c>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void SoftmaxBackward(ReadOnlySpan<float> a, Span<float> g)
        {
            float dot = TensorPrimitives.Dot(a, g);
            for (int i = 0; i < g.Length; i++) g[i] = a[i] * (g[i] - dot);
        }
    }
}
