using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace GenNN.Kernels
{
    /// <summary>
    /// Copies a row-major matrix into panels of <see cref="Width"/> columns, for the generated weight gradients of
    /// TrainBatch. A weight-gradient tile walks the batch down a few columns of the layer's deltas; read row-major, its
    /// steps are a whole row apart (1 KB for 256 units), so they fall in a few L1 sets and come from L2. In a panel
    /// they are 64 bytes apart, one cache line after another.
    /// </summary>
    /// <remarks>
    /// Element <c>(row, column)</c> of a <c>[totalRows x columns]</c> matrix goes to
    /// <c>(column / Width) * totalRows * Width + row * Width + column % Width</c>: panel after panel, each
    /// <c>[totalRows x Width]</c> row-major. Only the copy's addresses change, so the kernels that read the panels
    /// compute the same bits as from the rows.
    /// </remarks>
    [EditorBrowsable(EditorBrowsableState.Advanced)]
    public static class Panels
    {
        /// <summary>The columns of one panel: a cache line of floats.</summary>
        public const int Width = 16;

        /// <summary>
        /// Copies the <paramref name="rows"/> (<c>[n x columns]</c>, the rows from <paramref name="firstRow"/> on of a
        /// matrix of <paramref name="totalRows"/> rows) into their places in <paramref name="panels"/>, which holds the
        /// whole matrix in panels. Parts of a batch can copy their own rows at the same time: they write disjoint floats.
        /// </summary>
        /// <param name="rows">The rows to copy, a whole number of rows of <paramref name="columns"/> floats.</param>
        /// <param name="columns">The matrix's columns: a positive multiple of <see cref="Width"/>.</param>
        /// <param name="panels">The whole matrix in panels: at least <paramref name="totalRows"/> x <paramref name="columns"/> floats.</param>
        /// <param name="firstRow">The matrix row of <paramref name="rows"/>' first row.</param>
        /// <param name="totalRows">The matrix's rows.</param>
        /// <exception cref="ArgumentException">The sizes do not fit each other, naming which and by how much.</exception>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Pack(ReadOnlySpan<float> rows, int columns, Span<float> panels, int firstRow, int totalRows)
        {
            if (columns <= 0 || columns % Width != 0)
            {
                throw new ArgumentException($"columns must be a positive multiple of {Width}, but is {columns}.", nameof(columns));
            }

            if (rows.Length % columns != 0)
            {
                throw new ArgumentException($"rows holds {rows.Length} floats, not a whole number of rows of {columns}.", nameof(rows));
            }

            int n = rows.Length / columns;
            if (firstRow < 0 || totalRows < 0 || (long)firstRow + n > totalRows)
            {
                throw new ArgumentException($"rows {firstRow} to {(long)firstRow + n} do not fit a matrix of {totalRows} rows.", nameof(firstRow));
            }

            if ((long)totalRows * columns > panels.Length)
            {
                throw new ArgumentException($"panels holds {panels.Length} floats; {totalRows} rows of {columns} need {(long)totalRows * columns}.", nameof(panels));
            }

            ref float source = ref MemoryMarshal.GetReference(rows);
            ref float target = ref MemoryMarshal.GetReference(panels);
            nuint panelStride = (nuint)totalRows * Width;
            for (int r = 0; r < n; r++)
            {
                ref float from = ref Unsafe.Add(ref source, (nuint)r * (nuint)columns);
                ref float to = ref Unsafe.Add(ref target, (nuint)(firstRow + r) * Width);
                for (int p = 0; p < columns / Width; p++)
                {
                    // One cache line: 64 bytes.
                    Unsafe.CopyBlockUnaligned(
                        ref Unsafe.As<float, byte>(ref Unsafe.Add(ref to, (nuint)p * panelStride)),
                        ref Unsafe.As<float, byte>(ref Unsafe.Add(ref from, (nuint)p * Width)),
                        Width * sizeof(float));
                }
            }
        }
    }
}
