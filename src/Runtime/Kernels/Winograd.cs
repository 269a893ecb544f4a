using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace GenNN.Kernels
{
    /// <summary>
    /// The transforms of Winograd's minimal filtering F(2x2, 3x3) (Lavin and Gray, "Fast Algorithms for Convolutional
    /// Neural Networks", 2016) around the generated GEMM kernels of a 3 x 3, stride-1 convolution's Predict. Each 2 x 2
    /// block of outputs (a tile) comes from the 4 x 4 block of padded input under it:
    /// <c>Y = A^T [ (G g G^T) ⊙ (B^T d B) ] A</c>, so a tile takes 16 multiplies per input and output channel instead of the
    /// direct convolution's 36. The 16 products over the channels are 16 GEMMs, <c>M_i[tiles x out] = V_i[tiles x in]
    /// U_i[in x out]</c>, which the generated kernels do; these methods compute <c>U</c> from the weights, <c>V</c> from a
    /// padded sample and the outputs from <c>M</c>.
    /// </summary>
    /// <remarks>
    /// Layouts, channels last as everywhere else: weights <c>[3, 3, in, out]</c>; <c>U</c> is <c>[16, in, out]</c>, <c>V</c>
    /// <c>[16, tiles, in]</c> and <c>M</c> <c>[16, tiles, out]</c> for a block of tiles (row-major over the output), so
    /// that large images need only a block's worth of work area. Where the output
    /// has an odd height or width, the last tiles reach one row or column past the padded input, which counts as zeros, and
    /// their outputs there are not written. The transforms only add, subtract and halve, lane by lane, with no fused
    /// multiply-add: their bits are the same on every ISA path and vector width. They run on the widest vectors that are
    /// accelerated and that the channels fill: Vector512, Vector256, else Vector128 (SSE, NEON), else scalar. A Native AOT
    /// binary without AVX-512 or AVX2 in its baseline takes Vector128: there <c>Vector256.IsHardwareAccelerated</c> is a
    /// compile-time false, and taking Vector256 on <see cref="Simd.Vector256"/>'s run-time check instead measured slower
    /// there (the output transform 6.2-7.1 us against 3.4 us, the filter transform 4.0 against 3.6 us, for 14 x 14 x 32 to
    /// 64 channels): not every Vector256 operation compiles to AVX instructions when the compiler's Vector256 is not
    /// accelerated.
    /// </remarks>
    [EditorBrowsable(EditorBrowsableState.Advanced)]
    public static class Winograd
    {
        /// <summary>Output tiles of a layer: <c>ceil(height / 2) x ceil(width / 2)</c>.</summary>
        public static int Tiles(in ConvGeometry g) => ((g.OutputHeight + 1) / 2) * ((g.OutputWidth + 1) / 2);

        /// <summary>
        /// <c>U = G g G^T</c> for every input and output channel, from <paramref name="weights"/> (<c>[3, 3, in, out]</c>)
        /// into <paramref name="u"/> (<c>[16, in, out]</c>, the 16 matrices <paramref name="plane"/> floats apart), with
        /// <c>G = [[1, 0, 0], [1/2, 1/2, 1/2], [1/2, -1/2, 1/2], [0, 0, 1]]</c>.
        /// </summary>
        public static void TransformFilters(in ConvGeometry g, int filters, ReadOnlySpan<float> weights, Span<float> u, int plane)
        {
            int size = g.Channels * filters;
            CheckLayer(g, filters);
            CheckPlanes(plane, size, u.Length, nameof(u));
            CheckLength(weights.Length, 9L * size, nameof(weights));
            ref float w = ref MemoryMarshal.GetReference(weights);
            ref float destination = ref MemoryMarshal.GetReference(u);
            if (Vector512.IsHardwareAccelerated && filters >= Vector512<float>.Count)
            {
                TransformFilters<Lanes512, Vector512<float>>(size, filters, ref w, ref destination, (nuint)plane);
            }
            else if (Vector256.IsHardwareAccelerated && filters >= Vector256<float>.Count)
            {
                TransformFilters<Lanes256, Vector256<float>>(size, filters, ref w, ref destination, (nuint)plane);
            }
            else if (Vector128.IsHardwareAccelerated && filters >= Vector128<float>.Count)
            {
                TransformFilters<Lanes128, Vector128<float>>(size, filters, ref w, ref destination, (nuint)plane);
            }
            else
            {
                TransformFilters<ScalarLanes, float>(size, filters, ref w, ref destination, (nuint)plane);
            }
        }

        /// <summary>
        /// <c>V = B^T d B</c> for <paramref name="count"/> tiles from <paramref name="first"/> (row-major over the output) and
        /// every input channel of one padded sample (<see cref="ConvGeometry.PaddedSize"/> floats) into <paramref name="v"/>
        /// (<c>[16, count, in]</c>, the 16 matrices <paramref name="plane"/> floats apart), with
        /// <c>B^T = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]]</c>.
        /// </summary>
        public static void TransformInput(in ConvGeometry g, ReadOnlySpan<float> padded, Span<float> v, int plane, int first, int count)
        {
            CheckLayer(g, 1);
            CheckTiles(g, first, count);
            CheckLength(padded.Length, g.PaddedSize, nameof(padded));
            CheckPlanes(plane, count * g.Channels, v.Length, nameof(v));
            ref float d = ref MemoryMarshal.GetReference(padded);
            ref float destination = ref MemoryMarshal.GetReference(v);
            if (Vector512.IsHardwareAccelerated && g.Channels >= Vector512<float>.Count)
            {
                TransformInput<Lanes512, Vector512<float>>(g, ref d, ref destination, (nuint)plane, first, count);
            }
            else if (Vector256.IsHardwareAccelerated && g.Channels >= Vector256<float>.Count)
            {
                TransformInput<Lanes256, Vector256<float>>(g, ref d, ref destination, (nuint)plane, first, count);
            }
            else if (Vector128.IsHardwareAccelerated && g.Channels >= Vector128<float>.Count)
            {
                TransformInput<Lanes128, Vector128<float>>(g, ref d, ref destination, (nuint)plane, first, count);
            }
            else
            {
                TransformInput<ScalarLanes, float>(g, ref d, ref destination, (nuint)plane, first, count);
            }
        }

        /// <summary>
        /// The outputs of <paramref name="count"/> tiles from <paramref name="first"/> of one sample (whose outputs are
        /// <c>[height, width, out]</c>) from <paramref name="m"/> (<c>[16, count, out]</c>, the 16 matrices
        /// <paramref name="plane"/> floats apart): <c>Y = A^T m A</c> with <c>A^T = [[1, 1, 1, 0], [0, 1, -1, -1]]</c>, plus
        /// the bias, then ReLU (<paramref name="activation"/> 1) or LeakyReLU with <paramref name="negativeSlope"/> (2), or
        /// nothing (0). NaN stays NaN.
        /// </summary>
        public static void TransformOutput(in ConvGeometry g, int filters, ReadOnlySpan<float> m, int plane, ReadOnlySpan<float> bias, Span<float> output,
            int activation, float negativeSlope, int first, int count)
        {
            CheckLayer(g, filters);
            CheckTiles(g, first, count);
            CheckPlanes(plane, count * filters, m.Length, nameof(m));
            CheckLength(bias.Length, filters, nameof(bias));
            CheckLength(output.Length, (long)g.OutputHeight * g.OutputWidth * filters, nameof(output));
            if (activation is < 0 or > 2)
            {
                throw new ArgumentOutOfRangeException(nameof(activation), activation, "Expected 0 (none), 1 (ReLU) or 2 (LeakyReLU).");
            }
            ref float products = ref MemoryMarshal.GetReference(m);
            ref float b = ref MemoryMarshal.GetReference(bias);
            ref float y = ref MemoryMarshal.GetReference(output);
            if (Vector512.IsHardwareAccelerated && filters >= Vector512<float>.Count)
            {
                TransformOutput<Lanes512, Vector512<float>>(g, filters, ref products, (nuint)plane, ref b, ref y, activation, negativeSlope, first, count);
            }
            else if (Vector256.IsHardwareAccelerated && filters >= Vector256<float>.Count)
            {
                TransformOutput<Lanes256, Vector256<float>>(g, filters, ref products, (nuint)plane, ref b, ref y, activation, negativeSlope, first, count);
            }
            else if (Vector128.IsHardwareAccelerated && filters >= Vector128<float>.Count)
            {
                TransformOutput<Lanes128, Vector128<float>>(g, filters, ref products, (nuint)plane, ref b, ref y, activation, negativeSlope, first, count);
            }
            else
            {
                TransformOutput<ScalarLanes, float>(g, filters, ref products, (nuint)plane, ref b, ref y, activation, negativeSlope, first, count);
            }
        }

        private static void CheckLayer(in ConvGeometry g, int filters)
        {
            if (g.KernelHeight != 3 || g.KernelWidth != 3 || g.StrideHeight != 1 || g.StrideWidth != 1 || g.Channels < 1 || filters < 1)
            {
                throw new ArgumentException($"Winograd F(2x2, 3x3) needs a 3 x 3 kernel at stride 1, at least one channel and at least one filter, not a {g.KernelHeight} x {g.KernelWidth} kernel at stride {g.StrideHeight} x {g.StrideWidth} with {g.Channels} channel(s) and {filters} filter(s).");
            }
        }

        private static void CheckTiles(in ConvGeometry g, int first, int count)
        {
            int tiles = Tiles(g);
            if (first < 0 || count < 0 || first > tiles - count)
            {
                throw new ArgumentOutOfRangeException(nameof(count), $"Tiles [{first}, {first} + {count}) lie outside the layer's {tiles} tiles.");
            }
        }

        /// <summary>16 matrices of <paramref name="size"/> floats, <paramref name="plane"/> apart, in a buffer of <paramref name="length"/>.</summary>
        private static void CheckPlanes(int plane, int size, int length, string name)
        {
            if (plane < size)
            {
                throw new ArgumentOutOfRangeException(nameof(plane), $"The 16 matrices of {name} are {plane} floats apart, but each holds {size}.");
            }

            if (size > 0)
            {
                CheckLength(length, 15L * plane + size, name);
            }
        }

        private static void CheckLength(int length, long needed, string name)
        {
            if (length < needed)
            {
                throw new ArgumentException($"{name} holds {length} floats; the layer's geometry needs {needed}.", name);
            }
        }

        // The channel loops below step by TLanes.Count; the last step starts at channels - Count, so it may redo lanes of the
        // step before. That writes the same values again: every output lane depends only on the inputs of its own lane.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void TransformFilters<TLanes, T>(int size, int filters, ref float w, ref float u, nuint plane)
            where TLanes : struct, ILanes<T>
        {
            nuint taps = (nuint)size; // floats between two kernel cells of the weights
            for (int ci = 0; ci < size; ci += filters)
            {
                for (int o = 0; ; o += TLanes.Count)
                {
                    o = Math.Min(o, filters - TLanes.Count);
                    nuint at = (nuint)(ci + o);
                    // Column by column of the 3 x 3 kernel: h = G g (four values), then U = h G^T row by row.
                    (T h00, T h10, T h20, T h30) = FilterColumn<TLanes, T>(ref w, at, taps);
                    (T h01, T h11, T h21, T h31) = FilterColumn<TLanes, T>(ref w, at + taps, taps);
                    (T h02, T h12, T h22, T h32) = FilterColumn<TLanes, T>(ref w, at + 2 * taps, taps);
                    FilterRow<TLanes, T>(h00, h01, h02, ref u, at, plane);
                    FilterRow<TLanes, T>(h10, h11, h12, ref u, at + 4 * plane, plane);
                    FilterRow<TLanes, T>(h20, h21, h22, ref u, at + 8 * plane, plane);
                    FilterRow<TLanes, T>(h30, h31, h32, ref u, at + 12 * plane, plane);
                    if (o + TLanes.Count >= filters)
                    {
                        break;
                    }
                }
            }
        }

        /// <summary>G times one column of the kernel (its cells <c>3 x taps</c> floats apart).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static (T, T, T, T) FilterColumn<TLanes, T>(ref float w, nuint at, nuint taps)
            where TLanes : struct, ILanes<T>
        {
            T g0 = TLanes.Load(ref w, at), g1 = TLanes.Load(ref w, at + 3 * taps), g2 = TLanes.Load(ref w, at + 6 * taps);
            T s = TLanes.Add(g0, g2);
            return (g0, TLanes.Half(TLanes.Add(s, g1)), TLanes.Half(TLanes.Subtract(s, g1)), g2);
        }

        /// <summary>One row of h times G^T: four cells of U, <paramref name="plane"/> floats apart.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void FilterRow<TLanes, T>(T h0, T h1, T h2, ref float u, nuint at, nuint plane)
            where TLanes : struct, ILanes<T>
        {
            T s = TLanes.Add(h0, h2);
            TLanes.Store(h0, ref u, at);
            TLanes.Store(TLanes.Half(TLanes.Add(s, h1)), ref u, at + plane);
            TLanes.Store(TLanes.Half(TLanes.Subtract(s, h1)), ref u, at + 2 * plane);
            TLanes.Store(h2, ref u, at + 3 * plane);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void TransformInput<TLanes, T>(in ConvGeometry g, ref float d, ref float v, nuint plane, int first, int count)
            where TLanes : struct, ILanes<T>
        {
            int c = g.Channels, paddedWidth = g.PaddedWidth, paddedHeight = g.PaddedHeight;
            int tilesWide = (g.OutputWidth + 1) / 2;
            nuint row = (nuint)(paddedWidth * c), column = (nuint)c;
            // A tile that reaches past the padded input (odd output sizes) reads its window from a copy with zeros there.
            Span<float> edge = stackalloc float[16 * TLanes.Count];
            ref float window = ref MemoryMarshal.GetReference(edge);
            for (int t = 0; t < count; t++)
            {
                int ty = (first + t) / tilesWide, tx = (first + t) % tilesWide;
                nuint tile = (nuint)(t * c);
                bool inside = 2 * ty + 4 <= paddedHeight && 2 * tx + 4 <= paddedWidth;
                for (int ch = 0; ; ch += TLanes.Count)
                {
                    ch = Math.Min(ch, c - TLanes.Count);
                    nuint at = tile + (nuint)ch;
                    if (inside)
                    {
                        InputWindow<TLanes, T>(ref Unsafe.Add(ref d, (nuint)(((2 * ty) * paddedWidth + 2 * tx) * c + ch)), row, column, ref v, at, plane);
                    }
                    else
                    {
                        for (int y = 0; y < 4; y++)
                        {
                            for (int x = 0; x < 4; x++)
                            {
                                int py = 2 * ty + y, px = 2 * tx + x;
                                TLanes.Store(py < paddedHeight && px < paddedWidth ? TLanes.Load(ref d, (nuint)((py * paddedWidth + px) * c + ch)) : TLanes.Zero,
                                    ref window, (nuint)((4 * y + x) * TLanes.Count));
                            }
                        }

                        InputWindow<TLanes, T>(ref window, (nuint)(4 * TLanes.Count), (nuint)TLanes.Count, ref v, at, plane);
                    }

                    if (ch + TLanes.Count >= c)
                    {
                        break;
                    }
                }
            }
        }

        /// <summary>
        /// V = B^T d B of one 4 x 4 window whose cells are <paramref name="row"/> and <paramref name="column"/> floats apart
        /// from <paramref name="d"/>, column by column of V: <c>e = d B</c> for that column in every row, then <c>B^T e</c>.
        /// The columns of B: (1, 0, -1, 0), (0, 1, 1, 0), (0, -1, 1, 0), (0, 1, 0, -1).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void InputWindow<TLanes, T>(ref float d, nuint row, nuint column, ref float v, nuint at, nuint plane)
            where TLanes : struct, ILanes<T>
        {
            InputColumn<TLanes, T>(ref d, row, 0, 2 * column, false, ref v, at, plane);
            InputColumn<TLanes, T>(ref d, row, column, 2 * column, true, ref v, at + plane, plane);
            InputColumn<TLanes, T>(ref d, row, 2 * column, column, false, ref v, at + 2 * plane, plane);
            InputColumn<TLanes, T>(ref d, row, column, 3 * column, false, ref v, at + 3 * plane, plane);
        }

        /// <summary>One column of V: e = d[first] +/- d[second] in each of the window's rows, then B^T e.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void InputColumn<TLanes, T>(ref float d, nuint row, nuint first, nuint second, bool add, ref float v, nuint cell, nuint plane)
            where TLanes : struct, ILanes<T>
        {
            T e0 = Combine<TLanes, T>(ref d, first, second, add);
            T e1 = Combine<TLanes, T>(ref d, row + first, row + second, add);
            T e2 = Combine<TLanes, T>(ref d, 2 * row + first, 2 * row + second, add);
            T e3 = Combine<TLanes, T>(ref d, 3 * row + first, 3 * row + second, add);
            TLanes.Store(TLanes.Subtract(e0, e2), ref v, cell);
            TLanes.Store(TLanes.Add(e1, e2), ref v, cell + 4 * plane);
            TLanes.Store(TLanes.Subtract(e2, e1), ref v, cell + 8 * plane);
            TLanes.Store(TLanes.Subtract(e1, e3), ref v, cell + 12 * plane);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static T Combine<TLanes, T>(ref float d, nuint first, nuint second, bool add)
            where TLanes : struct, ILanes<T>
        {
            T a = TLanes.Load(ref d, first), b = TLanes.Load(ref d, second);
            return add ? TLanes.Add(a, b) : TLanes.Subtract(a, b);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void TransformOutput<TLanes, T>(in ConvGeometry g, int filters, ref float m, nuint plane, ref float bias, ref float y,
            int activation, float negativeSlope, int first, int count)
            where TLanes : struct, ILanes<T>
        {
            int height = g.OutputHeight, width = g.OutputWidth;
            int tilesWide = (width + 1) / 2;
            nuint right = (nuint)filters, down = (nuint)(width * filters);
            for (int t = 0; t < count; t++)
            {
                int ty = (first + t) / tilesWide, tx = (first + t) % tilesWide;
                nuint tile = (nuint)(t * filters);
                bool hasDown = 2 * ty + 1 < height, hasRight = 2 * tx + 1 < width;
                for (int o = 0; ; o += TLanes.Count)
                {
                    o = Math.Min(o, filters - TLanes.Count);
                    nuint at = tile + (nuint)o;
                    // s = A^T m, column by column of m: two rows of four.
                    (T s00, T s10) = OutputColumn<TLanes, T>(ref m, at, plane);
                    (T s01, T s11) = OutputColumn<TLanes, T>(ref m, at + plane, plane);
                    (T s02, T s12) = OutputColumn<TLanes, T>(ref m, at + 2 * plane, plane);
                    (T s03, T s13) = OutputColumn<TLanes, T>(ref m, at + 3 * plane, plane);
                    // Y = s A, plus the bias, activated; cells past the output (odd sizes) are not written.
                    T b = TLanes.Load(ref bias, (nuint)o);
                    nuint corner = (nuint)(((2 * ty) * width + 2 * tx) * filters + o);
                    TLanes.Store(Activate<TLanes, T>(TLanes.Add(TLanes.Add(TLanes.Add(s00, s01), s02), b), activation, negativeSlope), ref y, corner);
                    if (hasRight)
                    {
                        TLanes.Store(Activate<TLanes, T>(TLanes.Add(TLanes.Subtract(TLanes.Subtract(s01, s02), s03), b), activation, negativeSlope), ref y, corner + right);
                    }

                    if (hasDown)
                    {
                        TLanes.Store(Activate<TLanes, T>(TLanes.Add(TLanes.Add(TLanes.Add(s10, s11), s12), b), activation, negativeSlope), ref y, corner + down);
                        if (hasRight)
                        {
                            TLanes.Store(Activate<TLanes, T>(TLanes.Add(TLanes.Subtract(TLanes.Subtract(s11, s12), s13), b), activation, negativeSlope), ref y, corner + down + right);
                        }
                    }

                    if (o + TLanes.Count >= filters)
                    {
                        break;
                    }
                }
            }
        }

        /// <summary>A^T times one column of m (its four cells <c>4 x plane</c> floats apart).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static (T, T) OutputColumn<TLanes, T>(ref float m, nuint at, nuint plane)
            where TLanes : struct, ILanes<T>
        {
            T m0 = TLanes.Load(ref m, at), m1 = TLanes.Load(ref m, at + 4 * plane), m2 = TLanes.Load(ref m, at + 8 * plane), m3 = TLanes.Load(ref m, at + 12 * plane);
            return (TLanes.Add(TLanes.Add(m0, m1), m2), TLanes.Subtract(TLanes.Subtract(m1, m2), m3));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static T Activate<TLanes, T>(T x, int activation, float negativeSlope)
            where TLanes : struct, ILanes<T>
            => activation switch
            {
                1 => TLanes.ReLU(x),
                2 => TLanes.LeakyReLU(x, negativeSlope),
                _ => x,
            };

        /// <summary>The lane-wise operations of the transforms, on a vector of channels or on one.</summary>
        private interface ILanes<T>
        {
            static abstract int Count { get; }

            static abstract T Zero { get; }

            static abstract T Load(ref float source, nuint offset);

            static abstract void Store(T value, ref float destination, nuint offset);

            static abstract T Add(T a, T b);

            static abstract T Subtract(T a, T b);

            static abstract T Half(T a);

            /// <summary>0 where x &lt; 0, else x (NaN stays NaN).</summary>
            static abstract T ReLU(T x);

            /// <summary>x where x &gt; 0, else slope x (NaN stays NaN), as the GEMM epilogues.</summary>
            static abstract T LeakyReLU(T x, float slope);
        }

        private readonly struct Lanes512 : ILanes<Vector512<float>>
        {
            public static int Count => Vector512<float>.Count;

            public static Vector512<float> Zero => Vector512<float>.Zero;

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public static Vector512<float> Load(ref float source, nuint offset) => Vector512.LoadUnsafe(ref source, offset);

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public static void Store(Vector512<float> value, ref float destination, nuint offset) => value.StoreUnsafe(ref destination, offset);

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public static Vector512<float> Subtract(Vector512<float> a, Vector512<float> b) => a - b;

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public static Vector512<float> Half(Vector512<float> a) => a * 0.5f;

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public static Vector512<float> ReLU(Vector512<float> x) => Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512<float>.Zero), Vector512<float>.Zero, x);

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public static Vector512<float> LeakyReLU(Vector512<float> x, float slope) => Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512<float>.Zero), x, x * slope);
        }

        private readonly struct Lanes256 : ILanes<Vector256<float>>
        {
            public static int Count => Vector256<float>.Count;

            public static Vector256<float> Zero => Vector256<float>.Zero;

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public static Vector256<float> Load(ref float source, nuint offset) => Vector256.LoadUnsafe(ref source, offset);

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public static void Store(Vector256<float> value, ref float destination, nuint offset) => value.StoreUnsafe(ref destination, offset);

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public static Vector256<float> Subtract(Vector256<float> a, Vector256<float> b) => a - b;

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public static Vector256<float> Half(Vector256<float> a) => a * 0.5f;

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public static Vector256<float> ReLU(Vector256<float> x) => Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256<float>.Zero), Vector256<float>.Zero, x);

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public static Vector256<float> LeakyReLU(Vector256<float> x, float slope) => Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<float>.Zero), x, x * slope);
        }

        private readonly struct Lanes128 : ILanes<Vector128<float>>
        {
            public static int Count => Vector128<float>.Count;

            public static Vector128<float> Zero => Vector128<float>.Zero;

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public static Vector128<float> Load(ref float source, nuint offset) => Vector128.LoadUnsafe(ref source, offset);

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public static void Store(Vector128<float> value, ref float destination, nuint offset) => value.StoreUnsafe(ref destination, offset);

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public static Vector128<float> Add(Vector128<float> a, Vector128<float> b) => a + b;

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public static Vector128<float> Subtract(Vector128<float> a, Vector128<float> b) => a - b;

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public static Vector128<float> Half(Vector128<float> a) => a * 0.5f;

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public static Vector128<float> ReLU(Vector128<float> x) => Vector128.ConditionalSelect(Vector128.LessThan(x, Vector128<float>.Zero), Vector128<float>.Zero, x);

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public static Vector128<float> LeakyReLU(Vector128<float> x, float slope) => Vector128.ConditionalSelect(Vector128.GreaterThan(x, Vector128<float>.Zero), x, x * slope);
        }

        private readonly struct ScalarLanes : ILanes<float>
        {
            public static int Count => 1;

            public static float Zero => 0f;

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public static float Load(ref float source, nuint offset) => Unsafe.Add(ref source, offset);

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public static void Store(float value, ref float destination, nuint offset) => Unsafe.Add(ref destination, offset) = value;

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public static float Add(float a, float b) => a + b;

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public static float Subtract(float a, float b) => a - b;

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public static float Half(float a) => a * 0.5f;

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public static float ReLU(float x) => x < 0f ? 0f : x;

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public static float LeakyReLU(float x, float slope) => x > 0f ? x : x * slope;
        }
    }
}
