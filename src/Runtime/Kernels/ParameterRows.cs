using System;
using System.ComponentModel;

namespace GenNN.Kernels
{
    /// <summary>
    /// The rows of a <c>[count x width]</c> tensor, stored row-major at offset <c>start</c> of a network's parameters, that
    /// a slice <c>[first, end)</c> of the parameters holds: <see cref="Count"/> whole rows from <see cref="First"/>, and
    /// at most one row cut by each end of the slice. A generated TrainBatch computes the gradients of a slice this way in
    /// its second phase: whole rows in place, cut rows whole into a row of scratch, of which <see cref="CopyCut"/>
    /// copies the slice's part.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Advanced)]
    public readonly struct ParameterRows
    {
        private ParameterRows(int first, int count, int head, int tail)
        {
            First = first;
            Count = count;
            Head = head;
            Tail = tail;
        }

        /// <summary>The first whole row in the slice.</summary>
        public int First { get; }

        /// <summary>The whole rows in the slice; 0 when it holds none.</summary>
        public int Count { get; }

        /// <summary>The row the slice's start cuts (part of it lies before the slice), or -1.</summary>
        public int Head { get; }

        /// <summary>The row the slice's end cuts, when it is not <see cref="Head"/>, or -1.</summary>
        public int Tail { get; }

        /// <summary>The rows of the tensor at <paramref name="start"/> that the slice <c>[first, end)</c> holds.</summary>
        /// <param name="first">The slice's first parameter.</param>
        /// <param name="end">The parameter after the slice's last.</param>
        /// <param name="start">The tensor's first parameter.</param>
        /// <param name="width">The floats per row; at least 1.</param>
        /// <param name="count">The rows.</param>
        /// <returns>The whole and the cut rows; none when the slice and the tensor do not meet.</returns>
        public static ParameterRows Of(int first, int end, int start, int width, int count)
        {
            long tensorEnd = start + (long)width * count;
            long lo = Math.Max(first, start), hi = Math.Min(end, tensorEnd);
            if (lo >= hi)
            {
                return new ParameterRows(0, 0, -1, -1);
            }

            int r0 = (int)((lo - start) / width), r1 = (int)((hi - start + width - 1) / width); // rows touched: [r0, r1)
            int wholeFirst = (lo - start) % width == 0 ? r0 : r0 + 1;
            int wholeEnd = (hi - start) % width == 0 ? r1 : r1 - 1;
            int head = wholeFirst > r0 ? r0 : -1;
            int tail = wholeEnd < r1 && r1 - 1 != head ? r1 - 1 : -1;
            return new ParameterRows(wholeFirst, Math.Max(0, wholeEnd - wholeFirst), head, tail);
        }

        /// <summary>
        /// Copies the part of a cut row that lies in the slice <c>[first, end)</c>: from <paramref name="row"/>, the whole
        /// row's values, to <paramref name="destination"/>, where the row starts at <paramref name="rowStart"/>.
        /// </summary>
        /// <param name="row">The whole row.</param>
        /// <param name="destination">All the parameters' values (the gradients).</param>
        /// <param name="rowStart">Where the row starts in <paramref name="destination"/>.</param>
        /// <param name="first">The slice's first parameter.</param>
        /// <param name="end">The parameter after the slice's last.</param>
        public static void CopyCut(ReadOnlySpan<float> row, Span<float> destination, int rowStart, int first, int end)
        {
            int lo = Math.Max(first, rowStart), hi = Math.Min(end, rowStart + row.Length);
            if (lo < hi)
            {
                row.Slice(lo - rowStart, hi - lo).CopyTo(destination.Slice(lo, hi - lo));
            }
        }
    }
}
