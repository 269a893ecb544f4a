using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace GenNN.Kernels
{
    /// <summary>
    /// Transposes a row-major matrix: what a generated TrainBatch does to a layer's weights once per batch, for the input
    /// gradient's kernel, which reads them output-major. Only copies: every path writes the same floats.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Advanced)]
    public static class Transposition
    {
        /// <summary>
        /// Writes the transpose of <paramref name="matrix"/> (<c>[rows x columns]</c>, row-major) into
        /// <paramref name="transposed"/> (<c>[columns x rows]</c>, row-major). With AVX2 and FMA (<see cref="Simd.Vector256"/>) in
        /// blocks of 8 x 8 held in registers, shuffled by AVX; otherwise in blocks of 16 x 16 floats one by one, so that the
        /// strided writes stay within a few cache lines. Allocates nothing.
        /// </summary>
        /// <param name="matrix">The matrix: at least <paramref name="rows"/> x <paramref name="columns"/> floats.</param>
        /// <param name="rows">Its rows; at least 0.</param>
        /// <param name="columns">Its columns; at least 0.</param>
        /// <param name="transposed">The destination: at least <paramref name="rows"/> x <paramref name="columns"/> floats; must not overlap <paramref name="matrix"/>.</param>
        /// <exception cref="ArgumentException">A span is shorter than the matrix, or the sizes are negative, naming which.</exception>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Transpose(ReadOnlySpan<float> matrix, int rows, int columns, Span<float> transposed)
        {
            CheckSizes(matrix.Length, rows, columns, transposed.Length, nameof(transposed));
            ref float source = ref MemoryMarshal.GetReference(matrix);
            ref float target = ref MemoryMarshal.GetReference(transposed);
            int blockedRows = 0, blockedColumns = 0;
            if (Simd.Vector256)
            {
                blockedRows = rows / 8 * 8;
                blockedColumns = columns / 8 * 8;
                // Element (i, j) goes to j * rows + i.
                int pairedRows = rows / 16 * 16;
                BlockPairs(ref source, columns, pairedRows, blockedColumns, ref target, perRow: 1, perColumn: (nuint)rows);
                for (int j = 0; pairedRows < blockedRows && j < blockedColumns; j += 8)
                {
                    // 8 rows left after the pairs: single blocks.
                    Transpose8x8(ref Unsafe.Add(ref source, (nuint)pairedRows * (nuint)columns + (nuint)j), (nuint)columns,
                        ref Unsafe.Add(ref target, (nuint)j * (nuint)rows + (nuint)pairedRows), (nuint)rows);
                }
            }

            // What the 8 x 8 blocks left: the columns after the last whole block of the blocked rows, then the other rows.
            Scalar(ref source, ref target, rows, columns, 0, blockedRows, blockedColumns, columns);
            Scalar(ref source, ref target, rows, columns, blockedRows, rows, 0, columns);
        }

        /// <summary>
        /// Writes the transpose of <paramref name="matrix"/> (<c>[rows x columns]</c>, row-major) into
        /// <paramref name="panels"/> in panels of <see cref="Panels.Width"/> of its columns, as <see cref="Panels.Pack"/>
        /// lays them out: element <c>(i, j)</c> goes to <c>(i / 16) * columns * 16 + j * 16 + i % 16</c>, so that a kernel
        /// walking down the transpose's rows reads consecutive cache lines, not one line per row. The same blocks as
        /// <see cref="Transpose"/>. Allocates nothing.
        /// </summary>
        /// <param name="matrix">The matrix: at least <paramref name="rows"/> x <paramref name="columns"/> floats.</param>
        /// <param name="rows">Its rows: a multiple of <see cref="Panels.Width"/>, at least 0.</param>
        /// <param name="columns">Its columns; at least 0.</param>
        /// <param name="panels">The destination: at least <paramref name="rows"/> x <paramref name="columns"/> floats; must not overlap <paramref name="matrix"/>.</param>
        /// <exception cref="ArgumentException">A span is shorter than the matrix, or the sizes do not fit, naming which.</exception>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void TransposeToPanels(ReadOnlySpan<float> matrix, int rows, int columns, Span<float> panels)
        {
            if (rows % Panels.Width != 0)
            {
                throw new ArgumentException($"rows must be a multiple of {Panels.Width}, but is {rows}.", nameof(rows));
            }

            CheckSizes(matrix.Length, rows, columns, panels.Length, nameof(panels));
            ref float source = ref MemoryMarshal.GetReference(matrix);
            ref float target = ref MemoryMarshal.GetReference(panels);
            const int W = Panels.Width;
            int blockedColumns = 0;
            if (Simd.Vector256)
            {
                blockedColumns = columns / 8 * 8;
                // For i a multiple of 16, element (i, j) goes to i * columns + j * 16: a panel's 16 rows are one pair.
                BlockPairs(ref source, columns, rows, blockedColumns, ref target, perRow: (nuint)columns, perColumn: W);
            }

            for (int i = 0; i < rows; i++)
            {
                ref float row = ref Unsafe.Add(ref source, (nuint)i * (nuint)columns);
                ref float panel = ref Unsafe.Add(ref target, (nuint)(i / W * W) * (nuint)columns + (nuint)(i % W));
                for (int j = blockedColumns; j < columns; j++)
                {
                    Unsafe.Add(ref panel, (nuint)j * W) = Unsafe.Add(ref row, (nuint)j);
                }
            }
        }

        private static void CheckSizes(int matrixLength, int rows, int columns, int targetLength, string target)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(rows);
            ArgumentOutOfRangeException.ThrowIfNegative(columns);
            long count = (long)rows * columns;
            if (matrixLength < count)
            {
                throw new ArgumentException($"matrix holds {matrixLength} floats; {rows} x {columns} need {count}.", "matrix");
            }

            if (targetLength < count)
            {
                throw new ArgumentException($"{target} holds {targetLength} floats; {columns} x {rows} need {count}.", target);
            }
        }

        /// <summary>
        /// Rows <c>[0, pairedRows)</c> (a multiple of 16) by columns <c>[0, blockedColumns)</c> (a multiple of 8), as pairs of
        /// 8 x 8 blocks one above the other: the pair at row <c>i</c> (a multiple of 16) and column <c>j</c> goes to
        /// <c>i * perRow + j * perColumn</c>, its second block 8 floats after its first, and each block's rows
        /// <paramref name="perColumn"/> apart. Together a pair's stores fill whole 64-byte lines. AVX only.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void BlockPairs(ref float source, int columns, int pairedRows, int blockedColumns, ref float target, nuint perRow, nuint perColumn)
        {
            for (int i = 0; i < pairedRows; i += 16)
            {
                for (int j = 0; j < blockedColumns; j += 8)
                {
                    ref float from = ref Unsafe.Add(ref source, (nuint)i * (nuint)columns + (nuint)j);
                    ref float to = ref Unsafe.Add(ref target, (nuint)i * perRow + (nuint)j * perColumn);
                    Transpose8x8(ref from, (nuint)columns, ref to, perColumn);
                    Transpose8x8(ref Unsafe.Add(ref from, 8 * (nuint)columns), (nuint)columns, ref Unsafe.Add(ref to, 8), perColumn);
                }
            }
        }

        /// <summary>Rows <c>[i0, i1)</c> by columns <c>[j0, j1)</c>, in 16 x 16 blocks, one float at a time.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Scalar(ref float source, ref float target, int rows, int columns, int i0, int i1, int j0, int j1)
        {
            for (int ib = i0; ib < i1; ib += 16)
            {
                int iEnd = Math.Min(ib + 16, i1);
                for (int jb = j0; jb < j1; jb += 16)
                {
                    int jEnd = Math.Min(jb + 16, j1);
                    for (int i = ib; i < iEnd; i++)
                    {
                        ref float row = ref Unsafe.Add(ref source, (nuint)i * (nuint)columns);
                        for (int j = jb; j < jEnd; j++)
                        {
                            Unsafe.Add(ref target, (nuint)j * (nuint)rows + (nuint)i) = Unsafe.Add(ref row, (nuint)j);
                        }
                    }
                }
            }
        }

        /// <summary>
        /// The 8 x 8 block at <paramref name="source"/> (rows <paramref name="sourceStride"/> floats apart) transposed to
        /// <paramref name="target"/> (rows <paramref name="targetStride"/> apart): pairs of rows interleaved, then pairs of
        /// pairs, then the 128-bit halves swapped between rows four apart. AVX only.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Transpose8x8(ref float source, nuint sourceStride, ref float target, nuint targetStride)
        {
            Vector256<float> r0 = Vector256.LoadUnsafe(ref source);
            Vector256<float> r1 = Vector256.LoadUnsafe(ref source, sourceStride);
            Vector256<float> r2 = Vector256.LoadUnsafe(ref source, 2 * sourceStride);
            Vector256<float> r3 = Vector256.LoadUnsafe(ref source, 3 * sourceStride);
            Vector256<float> r4 = Vector256.LoadUnsafe(ref source, 4 * sourceStride);
            Vector256<float> r5 = Vector256.LoadUnsafe(ref source, 5 * sourceStride);
            Vector256<float> r6 = Vector256.LoadUnsafe(ref source, 6 * sourceStride);
            Vector256<float> r7 = Vector256.LoadUnsafe(ref source, 7 * sourceStride);

            // Within each 128-bit half: t0 = a0 b0 a1 b1, t1 = a2 b2 a3 b3 (rows a, b).
            Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
            Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
            Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5);
            Vector256<float> t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);

            // s0 = a0 b0 c0 d0 (per half), s1 = a1 b1 c1 d1, s2 = a2 ..., s3 = a3 ...
            Vector256<float> s0 = Avx.Shuffle(t0, t2, 0x44), s1 = Avx.Shuffle(t0, t2, 0xEE);
            Vector256<float> s2 = Avx.Shuffle(t1, t3, 0x44), s3 = Avx.Shuffle(t1, t3, 0xEE);
            Vector256<float> s4 = Avx.Shuffle(t4, t6, 0x44), s5 = Avx.Shuffle(t4, t6, 0xEE);
            Vector256<float> s6 = Avx.Shuffle(t5, t7, 0x44), s7 = Avx.Shuffle(t5, t7, 0xEE);

            // Low halves make columns 0-3, high halves columns 4-7.
            Avx.Permute2x128(s0, s4, 0x20).StoreUnsafe(ref target);
            Avx.Permute2x128(s1, s5, 0x20).StoreUnsafe(ref target, targetStride);
            Avx.Permute2x128(s2, s6, 0x20).StoreUnsafe(ref target, 2 * targetStride);
            Avx.Permute2x128(s3, s7, 0x20).StoreUnsafe(ref target, 3 * targetStride);
            Avx.Permute2x128(s0, s4, 0x31).StoreUnsafe(ref target, 4 * targetStride);
            Avx.Permute2x128(s1, s5, 0x31).StoreUnsafe(ref target, 5 * targetStride);
            Avx.Permute2x128(s2, s6, 0x31).StoreUnsafe(ref target, 6 * targetStride);
            Avx.Permute2x128(s3, s7, 0x31).StoreUnsafe(ref target, 7 * targetStride);
        }
    }
}
