using System;
using System.ComponentModel;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace GenNN.Kernels
{
    /// <summary>
    /// Where the windows of a pooling layer fall on a channels-last sample: the input <c>(height, width, channels)</c>, the
    /// window and its stride, the padding before the first row and column, and the output size. A window is clipped to the
    /// input: padded cells are never read, a max ignores them and an average divides by the cells it read (Keras' pooling,
    /// PyTorch's <c>count_include_pad=False</c>). 1-D layers have a height of 1.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Advanced)]
    public readonly record struct PoolGeometry(
        int Height, int Width, int Channels, int PoolHeight, int PoolWidth, int StrideHeight, int StrideWidth,
        int PadTop, int PadLeft, int OutputHeight, int OutputWidth)
    {
        /// <summary>Floats per input sample.</summary>
        public int InputSize => Height * Width * Channels;

        /// <summary>Floats per output sample.</summary>
        public int OutputSize => OutputHeight * OutputWidth * Channels;

        /// <summary>The input rows <c>[first, end)</c> of output row <paramref name="oy"/>'s windows.</summary>
        internal (int First, int End) Rows(int oy)
        {
            int start = oy * StrideHeight - PadTop;
            return (Math.Max(0, start), Math.Min(Height, start + PoolHeight));
        }

        /// <summary>The input columns <c>[first, end)</c> of output column <paramref name="ox"/>'s window.</summary>
        internal (int First, int End) Columns(int ox)
        {
            int start = ox * StrideWidth - PadLeft;
            return (Math.Max(0, start), Math.Min(Width, start + PoolWidth));
        }

        /// <summary>
        /// Throws unless every window holds at least one cell of the input: the first and the last window of each axis do
        /// (the windows between them start between theirs), so a kernel may read a window's first cell unchecked.
        /// </summary>
        internal void CheckWindows()
        {
            if (Height <= 0 || Width <= 0 || Channels <= 0 || OutputHeight <= 0 || OutputWidth <= 0 || StrideHeight <= 0 || StrideWidth <= 0
                || Rows(0).First >= Rows(0).End || Rows(OutputHeight - 1).First >= Rows(OutputHeight - 1).End
                || Columns(0).First >= Columns(0).End || Columns(OutputWidth - 1).First >= Columns(OutputWidth - 1).End)
            {
                throw new ArgumentException($"The pooling geometry {this} has a window with no cell of its input.", "g");
            }
        }
    }

    /// <summary>
    /// The kernels of generated pooling layers (MaxPool, AvgPool, GlobalAvgPool, 2-D and 1-D). Each output pixel combines the
    /// channel vectors of its window: <see cref="Vector{T}"/> loops over the channels in the forward passes and a max's
    /// backward pass, <see cref="TensorPrimitives"/> in an average's. The window loops are short. A max propagates NaN, as
    /// PyTorch's does.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Advanced)]
    public static class Pooling
    {
        /// <summary>
        /// <paramref name="rows"/> samples: each output channel is the maximum of its window (NaN if any is NaN). As in
        /// PyTorch, a cell replaces the maximum so far only when it is greater or NaN, so of equal cells (+0 and -0) the
        /// first in row-major order wins.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void MaxForward(in PoolGeometry g, ReadOnlySpan<float> input, Span<float> output, int rows)
        {
            // Vector loops over the channels rather than a TensorPrimitives call per cell (a window's rows are 32 or 64
            // channels, where the calls' checks cost more than the maxima), reading through refs: every window holds a
            // cell of the sample (CheckWindows), and the sample slices are checked, so every index is in range.
            PoolGeometry geometry = g;
            geometry.CheckWindows();
            int c = geometry.Channels, width = geometry.Width;
            for (int s = 0; s < rows; s++)
            {
                ref float x = ref MemoryMarshal.GetReference(input.Slice(s * geometry.InputSize, geometry.InputSize));
                ref float y = ref MemoryMarshal.GetReference(output.Slice(s * geometry.OutputSize, geometry.OutputSize));
                for (int oy = 0; oy < geometry.OutputHeight; oy++)
                {
                    (int y0, int y1) = geometry.Rows(oy);
                    for (int ox = 0; ox < geometry.OutputWidth; ox++)
                    {
                        (int x0, int x1) = geometry.Columns(ox);
                        int o = (oy * geometry.OutputWidth + ox) * c;
                        int ch = 0;
                        if (Vector.IsHardwareAccelerated)
                        {
                            for (; ch <= c - Vector<float>.Count; ch += Vector<float>.Count)
                            {
                                Vector<float> max = Vector.LoadUnsafe(ref x, (nuint)((y0 * width + x0) * c + ch));
                                for (int iy = y0; iy < y1; iy++)
                                {
                                    for (int ix = iy == y0 ? x0 + 1 : x0; ix < x1; ix++)
                                    {
                                        Vector<float> cell = Vector.LoadUnsafe(ref x, (nuint)((iy * width + ix) * c + ch));
                                        max = Vector.ConditionalSelect(Vector.GreaterThan(cell, max) | ~Vector.Equals(cell, cell), cell, max);
                                    }
                                }

                                max.StoreUnsafe(ref y, (nuint)(o + ch));
                            }
                        }

                        for (; ch < c; ch++)
                        {
                            float max = Unsafe.Add(ref x, (y0 * width + x0) * c + ch);
                            for (int iy = y0; iy < y1; iy++)
                            {
                                for (int ix = iy == y0 ? x0 + 1 : x0; ix < x1; ix++)
                                {
                                    float cell = Unsafe.Add(ref x, (iy * width + ix) * c + ch);
                                    if (cell > max || float.IsNaN(cell)) max = cell;
                                }
                            }

                            Unsafe.Add(ref y, o + ch) = max;
                        }
                    }
                }
            }
        }

        /// <summary>
        /// Back through a max: each output's delta goes to the first cell of its window (row by row) that holds the maximum,
        /// or the first NaN, as PyTorch routes it; overlapping windows add up. <paramref name="input"/> and
        /// <paramref name="output"/> are the forward pass's.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void MaxBackward(in PoolGeometry g, ReadOnlySpan<float> input, ReadOnlySpan<float> output, ReadOnlySpan<float> delta, Span<float> inputDelta, int rows)
        {
            int c = g.Channels;
            inputDelta.Slice(0, rows * g.InputSize).Clear();
            for (int s = 0; s < rows; s++)
            {
                ReadOnlySpan<float> x = input.Slice(s * g.InputSize, g.InputSize);
                ReadOnlySpan<float> y = output.Slice(s * g.OutputSize, g.OutputSize);
                ReadOnlySpan<float> d = delta.Slice(s * g.OutputSize, g.OutputSize);
                Span<float> dx = inputDelta.Slice(s * g.InputSize, g.InputSize);
                for (int oy = 0; oy < g.OutputHeight; oy++)
                {
                    (int y0, int y1) = g.Rows(oy);
                    for (int ox = 0; ox < g.OutputWidth; ox++)
                    {
                        (int x0, int x1) = g.Columns(ox);
                        int o = (oy * g.OutputWidth + ox) * c;
                        int ch = 0;
                        if (Vector.IsHardwareAccelerated)
                        {
                            for (; ch <= c - Vector<float>.Count; ch += Vector<float>.Count)
                            {
                                MaxBackwardChannels(g, x, dx, new Vector<float>(y.Slice(o + ch)), new Vector<float>(d.Slice(o + ch)), y0, y1, x0, x1, ch);
                            }
                        }

                        for (; ch < c; ch++)
                        {
                            dx[ArgMax(g, x, y[o + ch], y0, y1, x0, x1, ch)] += d[o + ch];
                        }
                    }
                }
            }
        }

        /// <summary>
        /// One window's gradient for a vector of channels from <paramref name="channel"/> on: each channel's delta goes to the
        /// first cell (in row-major order) equal to its max, or the first NaN when the max is NaN, as <see cref="ArgMax"/>
        /// finds it one channel at a time. The other cells get + 0, which leaves them as they are (the sums never hold -0).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void MaxBackwardChannels(
            in PoolGeometry g, ReadOnlySpan<float> x, Span<float> dx, Vector<float> max, Vector<float> delta, int y0, int y1, int x0, int x1, int channel)
        {
            Vector<int> nan = Vector.AsVectorInt32(~Vector.Equals(max, max));
            Vector<int> taken = Vector<int>.Zero;
            for (int iy = y0; iy < y1; iy++)
            {
                for (int ix = x0; ix < x1; ix++)
                {
                    int i = (iy * g.Width + ix) * g.Channels + channel;
                    var cell = new Vector<float>(x.Slice(i));
                    Vector<int> match = Vector.Equals(cell, max) | (nan & ~Vector.Equals(cell, cell));
                    Vector<int> first = Vector.AndNot(match, taken);
                    (new Vector<float>(dx.Slice(i)) + Vector.ConditionalSelect(first, delta, Vector<float>.Zero)).CopyTo(dx.Slice(i));
                    taken |= match;
                }
            }
        }

        /// <summary>The index in the sample of the first cell of the window equal to <paramref name="max"/> (or NaN when it is NaN).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static int ArgMax(in PoolGeometry g, ReadOnlySpan<float> x, float max, int y0, int y1, int x0, int x1, int channel)
        {
            bool nan = float.IsNaN(max);
            for (int iy = y0; iy < y1; iy++)
            {
                for (int ix = x0; ix < x1; ix++)
                {
                    int i = (iy * g.Width + ix) * g.Channels + channel;
                    if (nan ? float.IsNaN(x[i]) : x[i] == max) return i;
                }
            }

            return (y0 * g.Width + x0) * g.Channels + channel; // unreachable: the max is one of the window's cells
        }

        /// <summary><paramref name="rows"/> samples: each output channel is the mean of the window's cells inside the input.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void AverageForward(in PoolGeometry g, ReadOnlySpan<float> input, Span<float> output, int rows)
        {
            // As MaxForward: vector loops through refs, the cells added in row-major order from +0 and the sum divided by
            // the count, the operations the TensorPrimitives calls per cell did (Add, then Divide), so the same bits.
            PoolGeometry geometry = g;
            geometry.CheckWindows();
            int c = geometry.Channels, width = geometry.Width;
            for (int s = 0; s < rows; s++)
            {
                ref float x = ref MemoryMarshal.GetReference(input.Slice(s * geometry.InputSize, geometry.InputSize));
                ref float y = ref MemoryMarshal.GetReference(output.Slice(s * geometry.OutputSize, geometry.OutputSize));
                for (int oy = 0; oy < geometry.OutputHeight; oy++)
                {
                    (int y0, int y1) = geometry.Rows(oy);
                    for (int ox = 0; ox < geometry.OutputWidth; ox++)
                    {
                        (int x0, int x1) = geometry.Columns(ox);
                        float count = (y1 - y0) * (x1 - x0);
                        int o = (oy * geometry.OutputWidth + ox) * c;
                        int ch = 0;
                        if (Vector.IsHardwareAccelerated)
                        {
                            for (; ch <= c - Vector<float>.Count; ch += Vector<float>.Count)
                            {
                                Vector<float> sum = Vector<float>.Zero;
                                for (int iy = y0; iy < y1; iy++)
                                {
                                    for (int ix = x0; ix < x1; ix++)
                                    {
                                        sum += Vector.LoadUnsafe(ref x, (nuint)((iy * width + ix) * c + ch));
                                    }
                                }

                                (sum / new Vector<float>(count)).StoreUnsafe(ref y, (nuint)(o + ch));
                            }
                        }

                        for (; ch < c; ch++)
                        {
                            float sum = 0f;
                            for (int iy = y0; iy < y1; iy++)
                            {
                                for (int ix = x0; ix < x1; ix++)
                                {
                                    sum += Unsafe.Add(ref x, (iy * width + ix) * c + ch);
                                }
                            }

                            Unsafe.Add(ref y, o + ch) = sum / count;
                        }
                    }
                }
            }
        }

        /// <summary>Back through an average: each cell of a window gets the output's delta over the window's count; overlapping windows add up.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void AverageBackward(in PoolGeometry g, ReadOnlySpan<float> delta, Span<float> inputDelta, int rows)
        {
            int c = g.Channels;
            inputDelta.Slice(0, rows * g.InputSize).Clear();
            for (int s = 0; s < rows; s++)
            {
                ReadOnlySpan<float> d = delta.Slice(s * g.OutputSize, g.OutputSize);
                Span<float> dx = inputDelta.Slice(s * g.InputSize, g.InputSize);
                for (int oy = 0; oy < g.OutputHeight; oy++)
                {
                    (int y0, int y1) = g.Rows(oy);
                    for (int ox = 0; ox < g.OutputWidth; ox++)
                    {
                        (int x0, int x1) = g.Columns(ox);
                        ReadOnlySpan<float> o = d.Slice((oy * g.OutputWidth + ox) * c, c);
                        float scale = 1f / ((y1 - y0) * (x1 - x0));
                        for (int iy = y0; iy < y1; iy++)
                        {
                            for (int ix = x0; ix < x1; ix++)
                            {
                                Span<float> cell = dx.Slice((iy * g.Width + ix) * c, c);
                                TensorPrimitives.MultiplyAdd(o, scale, cell, cell);
                            }
                        }
                    }
                }
            }
        }
    }
}
