using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using GenNN.Generator.Model;
using static GenNN.Generator.Emit.Invariant;

namespace GenNN.Generator.Emit
{
    /// <summary>A vector type the kernels use: its name and its float lanes.</summary>
    internal readonly record struct VectorType(string Name, int Lanes)
    {
        public static readonly VectorType V512 = new("Vector512", 16);
        public static readonly VectorType V256 = new("Vector256", 8);
        public static readonly VectorType V128 = new("Vector128", 4);
    }

    /// <summary>
    /// One ISA path of the kernels: the widest vector it uses, the register tile it runs (<see cref="Rows"/> samples by
    /// <see cref="Columns"/> vectors of accumulators) and the check that selects it (a property of
    /// <c>GenNN.Kernels.Simd</c>, which is a constant under the JIT and a run-time check under Native AOT).
    /// </summary>
    internal readonly record struct IsaPath(string Suffix, VectorType Widest, int Rows, int Columns, int Registers, string Condition)
    {
        /// <summary>
        /// Floats of B that a kernel walks in one K block (0: K is never blocked). A larger B is walked in blocks of
        /// K that fit this budget, so each block stays in L2 while every row tile of the call reuses it.
        /// </summary>
        public int BlockFloats { get; init; }

        /// <summary>
        /// Floats of B that a one-row kernel (<see cref="GemmEmitter.EmitOneRow"/>) walks in one K block when its columns
        /// take more than one walk (0: never blocked). Each walk reads its columns of B's rows; blocks that fit L1 let the
        /// later walks find those rows there, where the prefetchers of the first walk brought them.
        /// </summary>
        public int OneRowBlockFloats { get; init; }

        /// <summary>
        /// The rows from which a one-thread TrainBatch copies a wide layer's weights into panels for its forward pass
        /// (<c>TrainPackRows</c> in the generated code): about twice those at which the copy pays for itself. On Zen 3
        /// (Vector256, 784 x 256, 64 rows) the copy took 20 us and the forward kernel then ran 60 us faster.
        /// </summary>
        public int TrainPackRows { get; init; } = DefaultTrainPackRows;

        /// <summary>The <see cref="TrainPackRows"/> of the paths that do not set it, and of the scalar bodies.</summary>
        public const int DefaultTrainPackRows = 32;

        /// <summary>AVX-512: 32 registers hold an 8 x 2 tile of accumulators, 2 weight vectors and the broadcasts.</summary>
        /// <remarks>
        /// Its tile reads two cache lines of a weight row per K step and walks the rows in place about as fast as in panels:
        /// on Zen 5, 784 x 256 at 64 rows, the forward took 109 us in place against 116 us with the copy (KernelBench), and
        /// a Fashion-MNIST epoch of 784-256-128-10 ran about 4% faster without it; at 256 rows the copy gains about 1.5%
        /// (414 against 420 us). So it packs from 256 rows.
        /// </remarks>
        public static readonly IsaPath V512 = new("512", VectorType.V512, 8, 2, 32, "Simd.Vector512") { TrainPackRows = 256 };

        /// <summary>
        /// AVX2 + FMA: 16 registers hold a 6 x 2 tile (12 accumulators), 2 weight vectors and a broadcast: the classic
        /// 6 x 16 SGEMM micro-kernel. Against the 4 x 2 tile it loads a third less of B per FMA (B streams from L2 in
        /// the wide layers) and spends fewer loop instructions per FMA (measured with bench/GenNN.KernelBench).
        /// </summary>
        /// <remarks>
        /// K blocks of at most 64 K floats (256 KB, half of Zen 3's L2): 784-256's 800 KB of weights otherwise stream
        /// from L3 once per row tile. Only this path blocks K; the others keep the walks they were measured with.
        /// </remarks>
        /// <remarks>
        /// One-row K blocks of at most 8 K floats (32 KB, Zen 3's L1D): the sample CNN's Dense(128) over 3,136 inputs
        /// (two walks of 64 columns over 1.6 MB of weights) took 20% less time in blocks of 64 rows than in two whole walks.
        /// </remarks>
        public static readonly IsaPath V256 = new("256", VectorType.V256, 6, 2, 16, "Simd.Vector256") { BlockFloats = 64 * 1024, OneRowBlockFloats = 8 * 1024 };

        /// <summary>
        /// NEON (32 registers) and SSE (16): a 4 x 2 tile fits both. ARM64 always runs this path; x64 runs it
        /// without AVX2 (DOTNET_EnableAVX2=0, or an AOT binary on a CPU that lacks AVX2).
        /// </summary>
        public static readonly IsaPath V128 = new("128", VectorType.V128, 4, 2, 16, "Simd.Vector128");

        /// <summary>The paths a network is generated with, widest first, for the widest vector it may use.</summary>
        public static IsaPath[] For(int vectorWidth) => vectorWidth == 256 ? new[] { V256, V128 } : new[] { V512, V256, V128 };

        /// <summary>The vector types this path may use, widest first (narrow layers fall back to narrower vectors).</summary>
        public IEnumerable<VectorType> Types
        {
            get
            {
                int widest = Widest.Lanes;
                return new[] { VectorType.V512, VectorType.V256, VectorType.V128 }.Where(t => t.Lanes <= widest);
            }
        }
    }

    /// <summary>What a kernel does to each accumulator before storing it.</summary>
    internal enum Epilogue
    {
        None,

        /// <summary>Forward activation fused into the store (ReLU, LeakyReLU); others run after the kernel.</summary>
        Activation,

        /// <summary>Multiply by the activation's derivative, read from the activation's output at the same position.</summary>
        Derivative,

        /// <summary>Softmax over the accumulator (one sample whose row fits one Vector128).</summary>
        Softmax,
    }

    /// <summary>
    /// One outer loop of a K walk in nested loops (<see cref="GemmSpec.Outer"/>): <see cref="Count"/> steps (a constant, or
    /// a C# expression such as <c>depth</c>), each moving A's offset by <see cref="AStride"/> floats and B by
    /// <see cref="BStride"/>. An implicit-GEMM convolution walks its windows this way: the kernel rows of a window, each a
    /// contiguous run of the input, or the output rows and samples of its weight gradient.
    /// </summary>
    internal readonly record struct KLevel(string Count, long AStride, long BStride);

    /// <summary>
    /// <c>C[M x N] = A[M x K] B[K x N]</c> (+ bias), with N and all strides constants of the layer. The rows M are a
    /// runtime count (<c>rows</c>: the batch, or a range of a weight gradient's rows); K is a layer width or the batch. <c>A</c> is read by rows
    /// (<c>a[m * Lda + k]</c>) or transposed (<c>a[k * Lda + m]</c>); <c>B</c> and <c>C</c> are row-major.
    /// </summary>
    internal sealed record GemmSpec(
        string Method,
        string Summary,
        string Parameters,
        int N,
        int? ConstantK,
        bool TransposedA,
        int Lda,
        int Ldb,
        string? Bias,
        Epilogue Epilogue,
        ActivationKind Activation,
        string[] Prologue)
    {
        /// <summary>The C# expression of LeakyReLU's slope in the epilogues: the runtime's constant, or the layer's literal.</summary>
        public string NegativeSlope { get; init; } = "Activations.LeakyReLUSlope";

        /// <summary>
        /// Rows of K per block when the kernel walks K in blocks (<c>k0</c> to <c>kEnd</c>, with <c>first</c> and
        /// <c>last</c> in scope), or null for one walk over all of K.
        /// </summary>
        public int? KBlock { get; init; }

        /// <summary>
        /// Outer loops around the K walk, outermost first, or null: K is then <c>Outer</c>'s counts times the inner walk
        /// (<see cref="ConstantK"/> or <c>depth</c> steps of A's <c>Lda</c> (transposed) or 1 and B's <c>Ldb</c>).
        /// </summary>
        public KLevel[]? Outer { get; init; }

        /// <summary>
        /// The name of a <c>bool</c> parameter, or null: when it is true the accumulators start from C, the partial sums
        /// an earlier call over the K walk's first part stored, so that a caller can walk K in blocks that stay in cache
        /// and get the bits of one walk. Only for kernels whose column blocks never overlap (<see cref="GemmEmitter.CoversExactly"/>).
        /// </summary>
        public string? Accumulate { get; init; }

        /// <summary>
        /// Rows of A that are the pixels of an image, this many to a line, or null for rows <c>Lda</c> apart. Row
        /// <c>m</c> then starts at <c>(m / PixelsPerLine) * LineStride + (m % PixelsPerLine) * Lda</c>: a convolution's
        /// output pixels, whose windows step by <c>Lda</c> along a line and by <see cref="LineStride"/> from line to line,
        /// so that one call covers a whole sample, with full row tiles across the lines.
        /// </summary>
        public int? PixelsPerLine { get; init; }

        /// <summary>Floats of A between the first pixels of two lines, with <see cref="PixelsPerLine"/>.</summary>
        public long LineStride { get; init; }

        /// <summary>
        /// Columns per panel when B comes packed in panels (<c>GenNN.Kernels.Panels</c>), or null for B row-major: element
        /// <c>(k, col)</c> is then at <c>(col / BPanel) * depth * BPanel + k * BPanel + col % BPanel</c>, so that a tile's
        /// walk down K reads consecutive cache lines instead of one line per row of B. Only for a runtime K
        /// (<c>depth</c>) walked once (no <see cref="Outer"/> loops), and an N that is a multiple of it, so every vector of
        /// every path lies inside one panel.
        /// </summary>
        public int? BPanel { get; init; }
    }

    /// <summary>
    /// Writes register-tiled GEMM kernels. Each tile keeps <c>rows x vectors</c> accumulators in registers while it
    /// walks K: per step it loads one vector of B per column, broadcasts one element of A per row and issues
    /// <c>rows x vectors</c> independent FMAs. Column counts that are not a multiple of the vector width end with
    /// one more vector that overlaps the previous one (every kernel stores, never accumulates, so writing a
    /// column twice writes the same value); layers narrower than a vector use narrower vectors, and layers
    /// narrower than four columns use scalar code. Every bound is a constant except the batch.
    /// </summary>
    internal static class GemmEmitter
    {
        public static void EmitDispatch(SourceWriter w, GemmSpec spec, string arguments, IsaPath[] paths)
            => EmitDispatch(w, spec.Summary, spec.Method, spec.Parameters, arguments, paths);

        /// <summary>
        /// <paramref name="method"/>, which calls the body of the first path the machine runs: <c>{method}512</c>,
        /// <c>{method}256</c>, <c>{method}128</c> or <c>{method}Scalar</c>.
        /// </summary>
        public static void EmitDispatch(SourceWriter w, string summary, string method, string parameters, string arguments, IsaPath[] paths)
        {
            w.Line("/// <summary>" + summary + "</summary>");
            w.Line("[MethodImpl(MethodImplOptions.AggressiveInlining)]");
            using (w.Block(F("internal static void {0}({1})", method, parameters)))
            {
                // Under the JIT each check is a constant and only one branch survives; under Native AOT the Vector256
                // check is a run-time test of AVX2 and FMA (see GenNN.Kernels.Simd).
                string keyword = "if";
                foreach (IsaPath path in paths)
                {
                    using (w.Block(F("{0} ({1})", keyword, path.Condition)))
                    {
                        w.Line(F("{0}{1}({2});", method, path.Suffix, arguments));
                    }

                    keyword = "else if";
                }

                using (w.Block("else"))
                {
                    w.Line(F("{0}Scalar({1});", method, arguments));
                }
            }
        }

        /// <summary>A kernel whole: its dispatch, one body per path, and the scalar body.</summary>
        public static void EmitKernel(SourceWriter w, GemmSpec spec, string arguments, IsaPath[] paths)
        {
            if (spec.BPanel is int panel && (spec.Outer is not null || spec.N % panel != 0))
            {
                throw new System.InvalidOperationException(spec.Method + ": packed B needs K walked in one loop and N a multiple of the panel.");
            }

            w.Line();
            EmitDispatch(w, spec, arguments, paths);
            foreach (IsaPath path in paths)
            {
                w.Line();
                EmitVector(w, spec, path);
            }

            w.Line();
            EmitScalar(w, spec);
        }

        /// <summary>
        /// <c>{method}(ref float p, ref float wt)</c>: copies the <c>[rows x columns]</c> weights at <paramref name="offset"/>
        /// of <c>p</c> transposed into <c>wt</c> (<c>[columns x rows]</c>) for an input gradient, through
        /// <c>GenNN.Kernels.Transposition</c>: row-major or, with <paramref name="panels"/>, in panels of 16 of the
        /// transpose's columns (a kernel's B with <see cref="GemmSpec.BPanel"/> 16).
        /// </summary>
        public static void EmitTranspose(SourceWriter w, string method, string summary, int offset, int rows, int columns, bool panels = false)
        {
            w.Line("/// <summary>" + summary + "</summary>");
            w.Line(F("internal static void {0}(ref float p, ref float wt)", method));
            w.Line(F("    => Transposition.{4}(MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref p, {0}), {1}), {2}, {3}, MemoryMarshal.CreateSpan(ref wt, {1}));",
                offset, (long)rows * columns, rows, columns, panels ? "TransposeToPanels" : "Transpose"));
        }

        public static void EmitVector(SourceWriter w, GemmSpec spec, IsaPath path)
        {
            w.Line(Jit.Optimized);
            using (w.Block(F("private static void {0}{1}({2})", spec.Method, path.Suffix, spec.Parameters)))
            {
                foreach (string line in spec.Prologue) w.Line(line);
                if (KBlock(spec, path, path.BlockFloats) is int kc)
                {
                    EmitKBlocks(w, spec, kc, "each reused from L2 by every row tile", blocked => EmitRowLoops(w, rows => EmitVectorTiles(w, blocked, path, rows), path.Rows));
                }
                else
                {
                    EmitRowLoops(w, rows => EmitVectorTiles(w, spec, path, rows), path.Rows);
                }
            }
        }

        /// <summary>The loop over K blocks of <paramref name="kc"/> rows around <paramref name="body"/>, which gets the spec with its <see cref="GemmSpec.KBlock"/>.</summary>
        private static void EmitKBlocks(SourceWriter w, GemmSpec spec, int kc, string reuse, System.Action<GemmSpec> body)
        {
            int k = spec.ConstantK!.Value;
            w.Line(F("// B holds {0} KB: K in blocks of {1}, {2}; C keeps the partial sums.", (long)k * spec.N * 4 / 1024, kc, reuse));
            using (w.Block(F("for (nuint k0 = 0; k0 < {0}; k0 += {1})", k, kc)))
            {
                w.Line(F("nuint kEnd = k0 + {1} < {0} ? k0 + {1} : {0};", k, kc));
                w.Line(F("bool first = k0 == 0, last = kEnd == {0};", k));
                body(spec with { KBlock = kc });
            }
        }

        /// <summary>
        /// The K block of a kernel whose B exceeds the path's budget: balanced blocks that each fit it. Only rows of A
        /// read by rows with a constant K, and only rows that are whole vectors (an overlapping last vector would add
        /// its columns twice once C carries partial sums).
        /// </summary>
        private static int? KBlock(GemmSpec spec, IsaPath path, int budget)
        {
            if (budget == 0 || spec.TransposedA || spec.Outer is not null || spec.ConstantK is not int k || spec.N % path.Widest.Lanes != 0) return null;
            long floats = (long)k * spec.N;
            if (floats <= budget) return null;
            int blocks = (int)((floats + budget - 1) / budget);
            return (k + blocks - 1) / blocks;
        }

        public static void EmitScalar(SourceWriter w, GemmSpec spec)
        {
            w.Line(Jit.Optimized);
            using (w.Block(F("private static void {0}Scalar({1})", spec.Method, spec.Parameters)))
            {
                foreach (string line in spec.Prologue) w.Line(line);
                EmitRowLoops(w, rows => EmitScalarColumns(w, spec, rows, Enumerable.Range(0, spec.N)), 1);
            }
        }

        /// <summary>
        /// The one-sample variant of a kernel with a runtime row count (what <c>Predict</c> runs): the single-row tile
        /// only, with no row loop, its dispatch and bodies small enough for the JIT to inline on small layers.
        /// </summary>
        public static void EmitOneRow(SourceWriter w, GemmSpec spec, IsaPath[] paths, bool inline)
        {
            string parameters = spec.Parameters.Replace(", nuint rows", "");
            string arguments = string.Join(", ", parameters.Split(',').Select(p => "ref " + p.Trim().Split(' ').Last()));
            string attribute = inline ? "[MethodImpl(MethodImplOptions.AggressiveInlining)]" : Jit.OptimizedNoInlining;
            w.Line();
            w.Line("/// <summary>" + spec.Summary.Replace(" over rows samples", " for one sample") + "</summary>");
            w.Line("[MethodImpl(MethodImplOptions.AggressiveInlining)]");
            using (w.Block(F("internal static void {0}One({1})", spec.Method, parameters)))
            {
                string keyword = "if";
                foreach (IsaPath path in paths)
                {
                    using (w.Block(F("{0} ({1})", keyword, path.Condition)))
                    {
                        w.Line(F("{0}One{1}({2});", spec.Method, path.Suffix, arguments));
                    }

                    keyword = "else if";
                }

                using (w.Block("else"))
                {
                    w.Line(F("{0}OneScalar({1});", spec.Method, arguments));
                }
            }

            foreach (IsaPath path in paths)
            {
                w.Line();
                w.Line(attribute);
                using (w.Block(F("private static void {0}One{1}({2})", spec.Method, path.Suffix, parameters)))
                {
                    foreach (string line in spec.Prologue) w.Line(line);
                    w.Line("nuint m = 0;");
                    // K blocks only when the columns take several walks: one walk reads B in order, and gains nothing.
                    if (spec.N > TileColumns(path, 1) * path.Widest.Lanes && KBlock(spec, path, path.OneRowBlockFloats) is int kc)
                    {
                        EmitKBlocks(w, spec, kc, "each walk over the columns finding its rows in L1", blocked => EmitVectorTiles(w, blocked, path, 1));
                    }
                    else
                    {
                        EmitVectorTiles(w, spec, path, 1);
                    }
                }
            }

            w.Line();
            w.Line(Jit.Optimized);
            using (w.Block(F("private static void {0}OneScalar({1})", spec.Method, parameters)))
            {
                foreach (string line in spec.Prologue) w.Line(line);
                w.Line("nuint m = 0;");
                EmitScalarColumns(w, spec, 1, Enumerable.Range(0, spec.N));
                if (spec.Epilogue == Epilogue.Softmax)
                {
                    w.Line(F("Activations.Softmax(MemoryMarshal.CreateSpan(ref c, {0}));", spec.N));
                }
            }
        }

        /// <summary>Tiles of <paramref name="tileRows"/> rows, then the remaining rows in smaller tiles and one by one.</summary>
        private static void EmitRowLoops(SourceWriter w, System.Action<int> tile, int tileRows)
        {
            w.Line("nuint m = 0;");
            if (tileRows > 1)
            {
                using (w.Block(F("for (; m + {0} <= rows; m += {0})", tileRows)))
                {
                    tile(tileRows);
                }
            }

            // Then at most one tile of each power of two below the full tile (4, 2 after 8 or 6 rows), before single
            // rows: fewer than tileRows rows remain, and their binary digits cover them.
            int r = 1;
            while (r * 2 < tileRows) r *= 2;
            for (; r > 1; r /= 2)
            {
                using (w.Block(F("if (m + {0} <= rows)", r)))
                {
                    tile(r);
                    w.Line(F("m += {0};", r));
                }
            }

            using (w.Block("for (; m < rows; m++)"))
            {
                tile(1);
            }
        }

        /// <summary>
        /// A group of up to <see cref="IsaPath.Columns"/> vectors that share one walk over K. <see cref="Loop"/> is set
        /// when the group repeats across the row (its starts then count from <c>col</c>).
        /// </summary>
        private sealed record ColumnBlock(VectorType Type, string[] Starts, string? Loop);

        /// <summary>
        /// Whether every path covers <paramref name="n"/> columns with whole vectors of the type it picks for them: no
        /// overlapping last vector and no partial one, so each column is loaded and stored exactly once per tile walk, as
        /// <see cref="GemmSpec.Accumulate"/> needs.
        /// </summary>
        public static bool CoversExactly(int n, IsaPath[] paths)
            => paths.All(path => path.Types.Where(t => t.Lanes <= n).Select(t => t.Lanes).FirstOrDefault() is int lanes && lanes > 0 && n % lanes == 0);

        /// <summary>
        /// The column blocks of a vector path: full groups (a loop with constant bounds when there are several), then
        /// the remaining vectors, the last of which may overlap the one before it so the row ends on a full vector.
        /// </summary>
        private static List<ColumnBlock> ColumnBlocks(int n, IsaPath path, int perBlock)
        {
            var blocks = new List<ColumnBlock>();
            VectorType? fit = path.Types.Where(t => t.Lanes <= n).Select(t => (VectorType?)t).FirstOrDefault();
            if (fit is not VectorType type)
            {
                // Narrower than four columns: one Vector128 whose last lanes read past the row (every buffer the
                // kernels read B, bias and activations from has 16 floats of slack at its end) and are never stored.
                blocks.Add(new ColumnBlock(VectorType.V128, new[] { "0" }, null));
                return blocks;
            }

            int vectors = n / type.Lanes;
            int fullGroups = vectors / perBlock;
            int next = 0;
            if (fullGroups > 1)
            {
                int step = perBlock * type.Lanes;
                string[] starts = Enumerable.Range(0, perBlock).Select(j => j == 0 ? "col" : "col + " + S(j * type.Lanes)).ToArray();
                blocks.Add(new ColumnBlock(type, starts, F("for (nuint col = 0; col < {0}; col += {1})", fullGroups * step, step)));
                next = fullGroups * step;
            }

            var rest = new List<int>();
            for (int start = next; start + type.Lanes <= n; start += type.Lanes)
            {
                rest.Add(start);
            }

            if (n % type.Lanes != 0)
            {
                rest.Add(n - type.Lanes);
            }

            for (int i = 0; i < rest.Count; i += perBlock)
            {
                blocks.Add(new ColumnBlock(type, rest.Skip(i).Take(perBlock).Select(S).ToArray(), null));
            }

            return blocks;
        }

        /// <summary>
        /// The column vectors of a tile of <paramref name="rows"/> rows. Fewer rows leave registers for more column vectors
        /// (at most eight) in the same accumulator budget, as long as the accumulators, one B vector per column and a
        /// broadcast fit the registers (a one-row walk folds its B loads into the FMAs on x64, and Vector128 keeps the
        /// shapes it always had).
        /// </summary>
        private static int TileColumns(IsaPath path, int rows)
        {
            int columns = System.Math.Max(path.Columns, System.Math.Min(8, path.Rows * path.Columns / rows));
            while (rows > 1 && columns > path.Columns && rows * columns + columns + 1 > path.Registers) columns--;
            return columns;
        }

        private static void EmitVectorTiles(SourceWriter w, GemmSpec spec, IsaPath path, int rows)
        {
            foreach (ColumnBlock block in ColumnBlocks(spec.N, path, TileColumns(path, rows)))
            {
                if (block.Loop is string loop)
                {
                    using (w.Block(loop))
                    {
                        EmitVectorTile(w, spec, block.Type, rows, block.Starts);
                    }
                }
                else
                {
                    EmitVectorTile(w, spec, block.Type, rows, block.Starts);
                }
            }
        }

        /// <summary>A's element of row <c>m + r</c> at step <paramref name="k"/> of the inner walk, from <paramref name="aOffset"/> (the outer loops' offset) on.</summary>
        private static string ARef(GemmSpec spec, int r, string k, string? aOffset = null)
        {
            string from = aOffset is null ? "" : aOffset + " + ";
            return spec.TransposedA
                ? F("Unsafe.Add(ref a, {0}{1} * {2} + m{3})", from, k, spec.Lda, r == 0 ? "" : " + " + S(r))
                : F("Unsafe.Add(ref a{0}, {1}{2})", r, from, k);
        }

        /// <summary>
        /// The outer loops of <see cref="GemmSpec.Outer"/> around <paramref name="inner"/>, which gets the name of B's row
        /// at the innermost level and the expression of A's offset there.
        /// </summary>
        private static void EmitOuterLoops(SourceWriter w, GemmSpec spec, System.Action<string, string> inner, int level = 0, string bBase = "b", string aOffset = "")
        {
            if (level == spec.Outer!.Length)
            {
                inner(bBase, aOffset);
                return;
            }

            KLevel l = spec.Outer[level];
            string index = "l" + S(level);
            using (w.Block(F("for (nuint {0} = 0; {0} < {1}; {0}++)", index, l.Count)))
            {
                w.Line(F("ref float bL{0} = ref Unsafe.Add(ref {1}, {2} * {3});", level, bBase, index, l.BStride));
                w.Line(F("nuint aL{0} = {1}{2} * {3};", level, aOffset.Length == 0 ? "" : aOffset + " + ", index, l.AStride));
                EmitOuterLoops(w, spec, inner, level + 1, "bL" + S(level), "aL" + S(level));
            }
        }

        private static void EmitRowPointers(SourceWriter w, GemmSpec spec, int rows)
        {
            if (spec.TransposedA) return;
            for (int r = 0; r < rows; r++)
            {
                string m = "m" + (r == 0 ? "" : " + " + S(r));
                w.Line(spec.PixelsPerLine is int pixels
                    ? F("ref float a{0} = ref Unsafe.Add(ref a, ({1}) / {2} * {3} + ({1}) % {2} * {4});", r, m, pixels, spec.LineStride, spec.Lda)
                    : F("ref float a{0} = ref Unsafe.Add(ref a, ({1}) * {2});", r, m, spec.Lda));
            }
        }

        /// <summary>B's element at step <paramref name="k"/> and column <paramref name="col"/> (C# expressions): in its panel, or in its row.</summary>
        private static string BScalar(GemmSpec spec, string k, string col)
            => spec.BPanel is int panel
                ? F("Unsafe.Add(ref b, {0} + {1} * {2})", PanelOffset(spec, col, panel), k, panel)
                : F("Unsafe.Add(ref b, {0} * {1} + {2})", k, spec.Ldb, col);

        private static string KBound(GemmSpec spec) => spec.ConstantK is int k ? S(k) : "depth";

        /// <summary>
        /// The offset in packed B (<see cref="GemmSpec.BPanel"/>) of column <paramref name="start"/> at K step 0: its
        /// panel's start (panels of K x <paramref name="panel"/> floats, K constant or <c>depth</c>), plus its column in the panel.
        /// </summary>
        private static string PanelOffset(GemmSpec spec, string start, int panel)
        {
            if (int.TryParse(start, NumberStyles.None, CultureInfo.InvariantCulture, out int column))
            {
                int first = column / panel * panel, within = column % panel;
                string panelStart = first == 0 ? "" : spec.ConstantK is int k ? S((long)first * k) : F("{0} * depth", first);
                return panelStart.Length == 0 ? S(within) : within == 0 ? panelStart : panelStart + " + " + S(within);
            }

            string stride = spec.ConstantK is int kc ? S((long)panel * kc) : F("{0} * depth", panel);
            return F("({0}) / {1} * {2} + ({0}) % {1}", start, panel, stride);
        }

        private static void EmitVectorTile(SourceWriter w, GemmSpec spec, VectorType t, int rows, string[] starts)
        {
            string T = t.Name;
            int c = starts.Length;

            // A single row walking a constant K with few accumulators is latency-bound: split K into phases.
            int phases = rows == 1 && spec.ConstantK is int kc && spec.KBlock is null && spec.Outer is null ? (c == 1 ? 4 : c < 4 ? 2 : 1) : 1;
            while (phases > 1 && spec.ConstantK < 2 * phases) phases /= 2;

            w.Line(F("// {0}; {1} vector(s) of {2} columns from {3}.", rows == 1 ? "Row m" : "Rows m..m+" + S(rows - 1), c, t.Lanes, string.Join(", ", starts)));
            using (w.Block())
            {
                EmitRowPointers(w, spec, rows);
                if (spec.BPanel is int panel)
                {
                    for (int j = 0; j < c; j++)
                    {
                        w.Line(F("ref float bp{0} = ref Unsafe.Add(ref b, {1});", j, PanelOffset(spec, starts[j], panel)));
                    }
                }

                for (int r = 0; r < rows; r++)
                {
                    for (int j = 0; j < c; j++)
                    {
                        for (int ph = 0; ph < phases; ph++)
                        {
                            string init = spec.Bias is not null && ph == 0 ? F("{0}.LoadUnsafe(ref {1}, {2})", T, spec.Bias, starts[j]) : F("{0}<float>.Zero", T);
                            if (spec.Accumulate is string accumulate)
                            {
                                init = F("{0} ? {1}.LoadUnsafe(ref c, (m{2}) * {3} + {4}) : {5}", accumulate, T, r == 0 ? "" : " + " + S(r), spec.N, starts[j], init);
                            }

                            if (spec.KBlock is not null)
                            {
                                // Later K blocks add to the partial sums the earlier ones stored.
                                init = F("first ? {0} : {1}.LoadUnsafe(ref c, (m{2}) * {3} + {4})", init, T, r == 0 ? "" : " + " + S(r), spec.N, starts[j]);
                            }

                            w.Line(F("{0}<float> acc{1}{2}{3} = {4};", T, r, j, PhaseSuffix(ph, phases), init));
                        }
                    }
                }

                string kLimit = KBound(spec);
                if (phases > 1)
                {
                    int k = spec.ConstantK!.Value;
                    int full = k / phases * phases;
                    if (k <= UnrollK)
                    {
                        // A short walk: every step written out, phase by phase, no loop to run.
                        for (int step = 0; step < full; step++)
                        {
                            EmitKStep(w, spec, T, rows, starts, S(step), PhaseSuffix(step % phases, phases), 100 + step);
                        }
                    }
                    else
                    {
                        using (w.Block(F("for (nuint k = 0; k < {0}; k += {1})", full, phases)))
                        {
                            for (int ph = 0; ph < phases; ph++)
                            {
                                EmitKStep(w, spec, T, rows, starts, ph == 0 ? "k" : "k + " + S(ph), PhaseSuffix(ph, phases), ph);
                            }
                        }
                    }

                    for (int rest = full; rest < k; rest++)
                    {
                        EmitKStep(w, spec, T, rows, starts, S(rest), PhaseSuffix(0, phases), rest - full + phases);
                    }

                    for (int j = 0; j < c; j++)
                    {
                        string sum = PairwiseSum(Enumerable.Range(0, phases).Select(ph => F("acc0{0}{1}", j, PhaseSuffix(ph, phases))).ToList());
                        w.Line(F("{0}<float> acc0{1} = {2};", T, j, sum));
                    }
                }
                else if (spec.Outer is not null)
                {
                    EmitOuterLoops(w, spec, (bBase, aOffset) =>
                    {
                        using (w.Block(F("for (nuint k = 0; k < {0}; k++)", kLimit)))
                        {
                            EmitKStep(w, spec, T, rows, starts, "k", "", 0, bBase, aOffset);
                        }
                    });
                }
                else
                {
                    using (w.Block(spec.KBlock is null ? F("for (nuint k = 0; k < {0}; k++)", kLimit) : "for (nuint k = k0; k < kEnd; k++)"))
                    {
                        EmitKStep(w, spec, T, rows, starts, "k", "", 0);
                    }
                }

                string Offset(int r, int j) => F("(m{0}) * {1} + {2}", r == 0 ? "" : " + " + S(r), spec.N, starts[j]);
                if (spec.KBlock is not null && HasVectorEpilogue(spec))
                {
                    // The activation (or derivative) once the last K block has added its part.
                    using (w.Block("if (last)"))
                    {
                        for (int r = 0; r < rows; r++)
                        {
                            for (int j = 0; j < c; j++)
                            {
                                EmitVectorEpilogue(w, spec, T, F("acc{0}{1}", r, j), Offset(r, j));
                            }
                        }
                    }
                }

                for (int r = 0; r < rows; r++)
                {
                    for (int j = 0; j < c; j++)
                    {
                        if (spec.KBlock is null) EmitVectorEpilogue(w, spec, T, F("acc{0}{1}", r, j), Offset(r, j));
                        EmitStore(w, F("acc{0}{1}", r, j), Offset(r, j), spec.N < t.Lanes ? spec.N : t.Lanes, t.Lanes);
                    }
                }
            }
        }

        /// <summary>Stores a vector, or only its first <paramref name="valid"/> lanes when the row is narrower than the vector.</summary>
        private static void EmitStore(SourceWriter w, string vector, string offset, int valid, int lanes)
        {
            if (valid == lanes)
            {
                w.Line(F("{0}.StoreUnsafe(ref c, {1});", vector, offset));
                return;
            }

            for (int lane = 0; lane < valid; lane++)
            {
                w.Line(F("Unsafe.Add(ref c, {0} + {1}) = {2}.GetElement({1});", offset, lane, vector));
            }
        }

        /// <summary><c>(a + b) + (c + d)</c>: a tree, so adding the phases' sums takes log2 of their count in latency.</summary>
        private static string PairwiseSum(IReadOnlyList<string> terms)
            => terms.Count == 1 ? terms[0]
             : terms.Count == 2 ? terms[0] + " + " + terms[1]
             : "(" + PairwiseSum(terms.Take(terms.Count / 2).ToList()) + ") + (" + PairwiseSum(terms.Skip(terms.Count / 2).ToList()) + ")";

        /// <summary>One-row walks over at most this many K steps are unrolled (small layers in Predict).</summary>
        private const int UnrollK = 16;

        private static string PhaseSuffix(int phase, int phases) => phases == 1 ? "" : "_" + S(phase);

        private static void EmitKStep(SourceWriter w, GemmSpec spec, string T, int rows, string[] starts, string k, string suffix, int uniq, string bBase = "b", string? aOffset = null)
        {
            string u = uniq == 0 ? "" : S(uniq);
            // Where B's vector j of this step starts: in its panel, or in B's row.
            string BAt(int j) => spec.BPanel is int panel ? F("ref bp{0}, ({1}) * {2}", j, k, panel) : F("ref bRow{0}, {1}", u, starts[j]);
            if (spec.BPanel is null)
            {
                w.Line(F("ref float bRow{0} = ref Unsafe.Add(ref {1}, ({2}) * {3});", u, bBase, k, spec.Ldb));
            }

            // A B vector that only one row uses is loaded inside its multiply-add, where the compiler folds the load
            // into the FMA's memory operand: one instruction instead of two, and no register held for it (a one-row
            // walk over 8 column vectors otherwise spills). x64's 256- and 512-bit bodies only: ARM64 has no memory
            // operand to fold into, and with the fold the linux-arm64 KernelRunner under qemu-aarch64 corrupted the
            // heap after the one-row walks of wide layers (not yet traced to the JIT or to qemu; without it, it passes).
            bool fold = rows == 1 && T != "Vector128";
            if (!fold)
            {
                for (int j = 0; j < starts.Length; j++)
                {
                    w.Line(F("{0}<float> b{1}{2} = {0}.LoadUnsafe({3});", T, j, u, BAt(j)));
                }
            }

            // Vector256: Broadcast256 rather than Vector256.Create, which an AVX-baseline Native AOT binary (where
            // Vector256 is not "hardware accelerated") compiles to four instructions instead of one vbroadcastss.
            string broadcast = T == "Vector256" ? "Broadcast256" : T + ".Create";
            for (int r = 0; r < rows; r++)
            {
                w.Line(F("{0}<float> x{1}{2} = {3}({4});", T, r, u, broadcast, ARef(spec, r, "(" + k + ")", aOffset)));
                for (int j = 0; j < starts.Length; j++)
                {
                    string bj = fold ? F("{0}.LoadUnsafe({1})", T, BAt(j)) : F("b{0}{1}", j, u);
                    w.Line(F("acc{0}{1}{2} = MultiplyAdd({3}, x{0}{4}, acc{0}{1}{2});", r, j, suffix, bj, u));
                }
            }
        }

        private static bool HasVectorEpilogue(GemmSpec spec) => spec.Epilogue switch
        {
            Epilogue.Activation => spec.Activation is ActivationKind.ReLU or ActivationKind.LeakyReLU,
            Epilogue.Softmax => true,
            Epilogue.Derivative => spec.Activation != ActivationKind.Linear,
            _ => false,
        };

        private static void EmitVectorEpilogue(SourceWriter w, GemmSpec spec, string T, string acc, string offset)
        {
            switch (spec.Epilogue)
            {
                case Epilogue.Activation when spec.Activation == ActivationKind.ReLU:
                    w.Line(F("{0} = ReLU({0});", acc));
                    break;
                case Epilogue.Activation when spec.Activation == ActivationKind.LeakyReLU:
                    w.Line(F("{0} = {1}.ConditionalSelect({1}.GreaterThan({0}, {1}<float>.Zero), {0}, {0} * {2});", acc, T, spec.NegativeSlope));
                    break;
                case Epilogue.Softmax:
                    w.Line(F("{0} = Activations.Softmax({0}, {1});", acc, spec.N));
                    break;
                case Epilogue.Derivative when spec.Activation != ActivationKind.Linear:
                    string a = "d" + acc;
                    w.Line(F("{0}<float> {1} = {0}.LoadUnsafe(ref act, {2});", T, a, offset));
                    w.Line(spec.Activation switch
                    {
                        // PyTorch's ReLU backward zeroes the gradient only where the output is <= 0: a NaN output passes it on.
                        ActivationKind.ReLU => F("{0} = {1}.AndNot({0}, {1}.LessThanOrEqual({2}, {1}<float>.Zero));", acc, T, a),
                        ActivationKind.LeakyReLU => F("{0} = {1}.ConditionalSelect({1}.GreaterThan({2}, {1}<float>.Zero), {0}, {0} * {3});", acc, T, a, spec.NegativeSlope),
                        ActivationKind.Sigmoid => F("{0} = {0} * {2} * ({1}<float>.One - {2});", acc, T, a),
                        _ => F("{0} = {0} * ({1}<float>.One - {2} * {2});", acc, T, a),
                    });
                    break;
            }
        }

        /// <summary>Columns one at a time (narrow layers and the scalar path); a constant K of 8 or more is split in four sums.</summary>
        private static void EmitScalarColumns(SourceWriter w, GemmSpec spec, int rows, IEnumerable<int> columns)
        {
            int[] cols = columns.ToArray();
            bool scalarPath = cols.Length == spec.N && rows == 1;
            if (scalarPath && cols.Length > 4)
            {
                // The whole scalar path: a loop over the columns rather than one block per column.
                using (w.Block())
                {
                    EmitRowPointers(w, spec, 1);
                    using (w.Block(F("for (nuint n = 0; n < {0}; n++)", spec.N)))
                    {
                        EmitScalarColumn(w, spec, 0, "n", 1);
                    }
                }

                return;
            }

            using (w.Block())
            {
                EmitRowPointers(w, spec, rows);
                for (int r = 0; r < rows; r++)
                {
                    foreach (int col in cols)
                    {
                        int phases = spec.ConstantK is int k && k >= 8 && spec.Outer is null ? 4 : 1;
                        EmitScalarColumn(w, spec, r, S(col), phases);
                    }
                }
            }
        }

        private static void EmitScalarColumn(SourceWriter w, GemmSpec spec, int r, string col, int phases)
        {
            using (w.Block())
            {
                for (int ph = 0; ph < phases; ph++)
                {
                    string init = spec.Bias is not null && ph == 0 ? F("Unsafe.Add(ref {0}, {1})", spec.Bias, col) : "0f";
                    if (spec.Accumulate is string accumulate && ph == 0)
                    {
                        init = F("{0} ? Unsafe.Add(ref c, (m{1}) * {2} + {3}) : {4}", accumulate, r == 0 ? "" : " + " + S(r), spec.N, col, init);
                    }

                    w.Line(F("float s{0} = {1};", ph, init));
                }

                if (phases > 1)
                {
                    int k = spec.ConstantK!.Value;
                    int full = k / phases * phases;
                    using (w.Block(F("for (nuint k = 0; k < {0}; k += {1})", full, phases)))
                    {
                        for (int ph = 0; ph < phases; ph++)
                        {
                            string kk = ph == 0 ? "k" : "k + " + S(ph);
                            w.Line(F("s{0} += {1} * {2};", ph, ARef(spec, r, "(" + kk + ")"), BScalar(spec, "(" + kk + ")", col)));
                        }
                    }

                    for (int rest = full; rest < k; rest++)
                    {
                        w.Line(F("s0 += {0} * {1};", ARef(spec, r, S(rest)), BScalar(spec, S(rest), col)));
                    }

                    w.Line("s0 = (s0 + s1) + (s2 + s3);");
                }
                else if (spec.Outer is not null)
                {
                    EmitOuterLoops(w, spec, (bBase, aOffset) =>
                    {
                        using (w.Block(F("for (nuint k = 0; k < {0}; k++)", KBound(spec))))
                        {
                            w.Line(F("s0 += {0} * Unsafe.Add(ref {1}, k * {2} + {3});", ARef(spec, r, "k", aOffset), bBase, spec.Ldb, col));
                        }
                    });
                }
                else
                {
                    using (w.Block(F("for (nuint k = 0; k < {0}; k++)", KBound(spec))))
                    {
                        w.Line(F("s0 += {0} * {1};", ARef(spec, r, "k"), BScalar(spec, "k", col)));
                    }
                }

                string offset = F("(m{0}) * {1} + {2}", r == 0 ? "" : " + " + S(r), spec.N, col);
                switch (spec.Epilogue)
                {
                    case Epilogue.Activation when spec.Activation == ActivationKind.ReLU:
                        w.Line("s0 = s0 < 0f ? 0f : s0; // NaN stays NaN");
                        break;
                    case Epilogue.Activation when spec.Activation == ActivationKind.LeakyReLU:
                        w.Line("s0 = s0 > 0f ? s0 : " + spec.NegativeSlope + " * s0;");
                        break;
                    case Epilogue.Derivative when spec.Activation != ActivationKind.Linear:
                        w.Line(F("float d = Unsafe.Add(ref act, {0});", offset));
                        w.Line(spec.Activation switch
                        {
                            ActivationKind.ReLU => "s0 = d <= 0f ? 0f : s0;",
                            ActivationKind.LeakyReLU => "s0 = d > 0f ? s0 : " + spec.NegativeSlope + " * s0;",
                            ActivationKind.Sigmoid => "s0 = s0 * d * (1f - d);",
                            _ => "s0 = s0 * (1f - d * d);",
                        });
                        break;
                }

                w.Line(F("Unsafe.Add(ref c, {0}) = s0;", offset));
            }
        }

        /// <summary>
        /// <c>c[n] = sum over the rows of a[row * N + n]</c> (the bias gradient), one vector of columns at a time.
        /// </summary>
        public static void EmitColumnSum(SourceWriter w, string method, string parameters, int n, IsaPath? path)
        {
            string suffix = path is IsaPath p ? p.Suffix : "Scalar";
            w.Line(Jit.Optimized);
            using (w.Block(F("private static void {0}{1}({2})", method, suffix, parameters)))
            {
                var blocks = path is IsaPath vectorPath ? ColumnBlocks(n, vectorPath, 4) : new List<ColumnBlock>();
                if (blocks.Count == 0)
                {
                    using (w.Block(F("for (nuint n = 0; n < {0}; n++)", n)))
                    {
                        w.Line("float sum = 0f;");
                        using (w.Block("for (nuint k = 0; k < rows; k++)"))
                        {
                            w.Line(F("sum += Unsafe.Add(ref a, k * {0} + n);", n));
                        }

                        w.Line("Unsafe.Add(ref c, n) = sum;");
                    }

                    return;
                }

                foreach (ColumnBlock block in blocks)
                {
                    using (w.Block(block.Loop))
                    {
                        VectorType type = block.Type;
                        string[] starts = block.Starts;
                        for (int j = 0; j < starts.Length; j++)
                        {
                            w.Line(F("{0}<float> acc{1} = {0}<float>.Zero;", type.Name, j));
                        }

                        using (w.Block("for (nuint k = 0; k < rows; k++)"))
                        {
                            w.Line(F("ref float row = ref Unsafe.Add(ref a, k * {0});", n));
                            for (int j = 0; j < starts.Length; j++)
                            {
                                w.Line(F("acc{0} += {1}.LoadUnsafe(ref row, {2});", j, type.Name, starts[j]));
                            }
                        }

                        for (int j = 0; j < starts.Length; j++)
                        {
                            EmitStore(w, "acc" + S(j), starts[j], n < type.Lanes ? n : type.Lanes, type.Lanes);
                        }
                    }
                }
            }
        }
    }
}
