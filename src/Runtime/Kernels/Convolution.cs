using System;
using System.ComponentModel;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace GenNN.Kernels
{
    /// <summary>
    /// Where the windows of a convolution fall on a channels-last sample: the input <c>(height, width, channels)</c>, the
    /// kernel and its stride, the zero padding before the first row and column, and the output size. The generated kernels
    /// read a padded copy of the input, <c>(PaddedHeight, PaddedWidth, channels)</c>, so every window lies inside it and each
    /// kernel row of a window is one contiguous run of <c>KernelWidth x Channels</c> floats. 1-D layers have a height of 1.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Advanced)]
    public readonly record struct ConvGeometry(
        int Height, int Width, int Channels, int KernelHeight, int KernelWidth, int StrideHeight, int StrideWidth,
        int PadTop, int PadLeft, int OutputHeight, int OutputWidth)
    {
        /// <summary>Floats per input sample.</summary>
        public int InputSize => Height * Width * Channels;

        /// <summary>Rows of the padded input: as many as the last window reaches, and at least the input's.</summary>
        public int PaddedHeight => Math.Max(Height + PadTop, (OutputHeight - 1) * StrideHeight + KernelHeight);

        /// <summary>Columns of the padded input: as many as the last window reaches, and at least the input's.</summary>
        public int PaddedWidth => Math.Max(Width + PadLeft, (OutputWidth - 1) * StrideWidth + KernelWidth);

        /// <summary>Floats per padded sample.</summary>
        public int PaddedSize => PaddedHeight * PaddedWidth * Channels;

        /// <summary>Floats of one window: the kernel's rows times its columns times the input channels.</summary>
        public int WindowSize => KernelHeight * KernelWidth * Channels;
    }

    /// <summary>
    /// The data movement around the generated convolution kernels, which do all the multiply-adds: a sample's copy into its
    /// zero-padded form, and back through the layer, the sum of each window's input gradient into the padded input gradient
    /// (windows overlap when the stride is below the kernel) and its interior's copy to the previous layer's delta.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Advanced)]
    public static class Convolution
    {
        /// <summary>Copies one sample into its padded form: zeros around, the input inside.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Pad(in ConvGeometry g, ReadOnlySpan<float> input, Span<float> padded)
        {
            int c = g.Channels, row = g.Width * c, paddedRow = g.PaddedWidth * c;
            padded = padded.Slice(0, g.PaddedSize);
            padded.Slice(0, g.PadTop * paddedRow).Clear();
            for (int y = 0; y < g.Height; y++)
            {
                Span<float> line = padded.Slice((g.PadTop + y) * paddedRow, paddedRow);
                line.Slice(0, g.PadLeft * c).Clear();
                input.Slice(y * row, row).CopyTo(line.Slice(g.PadLeft * c));
                line.Slice((g.PadLeft + g.Width) * c).Clear();
            }

            padded.Slice((g.PadTop + g.Height) * paddedRow).Clear();
        }

        /// <summary>
        /// Adds the input gradient of output row <paramref name="oy"/>'s windows, <paramref name="windows"/>
        /// (<c>OutputWidth x WindowSize</c>, in the weights' <c>[kh, kw, in]</c> order), to where each window lies in the
        /// padded input gradient <paramref name="paddedDelta"/>.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void AddWindows(in ConvGeometry g, ReadOnlySpan<float> windows, Span<float> paddedDelta, int oy)
        {
            int c = g.Channels, paddedRow = g.PaddedWidth * c, run = g.KernelWidth * c, window = g.WindowSize;
            for (int ox = 0; ox < g.OutputWidth; ox++)
            {
                int corner = oy * g.StrideHeight * paddedRow + ox * g.StrideWidth * c;
                for (int ky = 0; ky < g.KernelHeight; ky++)
                {
                    Span<float> target = paddedDelta.Slice(corner + ky * paddedRow, run);
                    TensorPrimitives.Add(target, windows.Slice(ox * window + ky * run, run), target);
                }
            }
        }

        /// <summary>Copies the interior of a padded sample (what <see cref="Pad"/> copied in) to <paramref name="output"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Crop(in ConvGeometry g, ReadOnlySpan<float> padded, Span<float> output)
        {
            int c = g.Channels, row = g.Width * c, paddedRow = g.PaddedWidth * c;
            for (int y = 0; y < g.Height; y++)
            {
                padded.Slice((g.PadTop + y) * paddedRow + g.PadLeft * c, row).CopyTo(output.Slice(y * row, row));
            }
        }
    }
}
