using System.Collections.Generic;
using GenNN.Generator.Model;
using static GenNN.Generator.Emit.Invariant;

namespace GenNN.Generator.Emit.Layers
{
    /// <summary>
    /// A convolution (Conv2D, Conv1D) as implicit GEMMs on the register tiles of <see cref="GemmEmitter"/>, with no im2col
    /// buffer. The weights are <c>[kh, kw, in, out]</c> in memory (PyTorch's <c>[out, in, kh, kw]</c> in files), the input
    /// channels last, and a sample is first copied into its zero-padded form when the layer pads. Then:
    /// <list type="bullet">
    /// <item>Forward, one sample at a time: the output pixels are the GEMM's rows, and a pixel's window is its row of A:
    /// <c>kh</c> runs of <c>kw x in</c> contiguous floats, one padded row apart (the K walk's outer loop), so
    /// <c>y[pixel] = b + sum over the window of x W</c>. The row tiles run across output rows (<see cref="GemmSpec.PixelsPerLine"/>).</item>
    /// <item>Weight gradient: <c>dW[k, o] = sum over samples and pixels of x[window(pixel), k] d[pixel, o]</c>, A read
    /// transposed; rows of W within one kernel row are contiguous in the input, so a call covers at most one kernel row's
    /// <c>kw x in</c> rows, and the K walk runs over samples, output rows and pixels in nested loops. When the filters are
    /// whole vectors on every path, the samples go in blocks that stay in L2, C carrying the sums from block to block.</item>
    /// <item>Input gradient, one output row at a time: each pixel's window gradient is <c>d[pixel] W^T</c> (a GEMM with W
    /// transposed into the part's scratch), and the runtime adds the windows where they lie (they overlap when the stride is
    /// below the kernel).</item>
    /// </list>
    /// 1-D layers are 2-D layers with a height of 1. Predict and PredictBatch run a 3 x 3 stride-1 2-D layer with enough
    /// channels as Winograd's F(2x2, 3x3) instead (<see cref="Winograd"/>).
    /// </summary>
    internal sealed class ConvEmitter : LayerEmitter
    {
        private readonly ConvSpec _layer;
        private readonly int _height, _width, _channels, _kernelHeight, _kernelWidth, _strideHeight, _strideWidth, _padTop, _padLeft;
        private readonly int _outputHeight, _outputWidth, _paddedHeight, _paddedWidth, _filters;

        public ConvEmitter(ConvSpec layer, int index, LayerEmitter? previous, int parameterOffset)
            : base(index, previous, parameterOffset)
        {
            _layer = layer;
            EquatableArray<int> d = layer.Input.Dimensions;
            bool twoD = layer.Dimensions == 2;
            _height = twoD ? d[0] : 1;
            _width = twoD ? d[1] : d[0];
            _channels = layer.Channels;
            _filters = layer.Filters;
            _kernelHeight = twoD ? layer.KernelSize : 1;
            _kernelWidth = layer.KernelSize;
            _strideHeight = twoD ? layer.Stride : 1;
            _strideWidth = layer.Stride;
            _padTop = twoD ? layer.PadBefore(_height) : 0;
            _padLeft = layer.PadBefore(_width);
            _outputHeight = twoD ? layer.OutputLength(_height) : 1;
            _outputWidth = layer.OutputLength(_width);
            // As ConvGeometry computes them: as far as the last window reaches, and at least the input.
            _paddedHeight = System.Math.Max(_height + _padTop, (_outputHeight - 1) * _strideHeight + _kernelHeight);
            _paddedWidth = System.Math.Max(_width + _padLeft, (_outputWidth - 1) * _strideWidth + _kernelWidth);
            int weights = Window * _filters;
            Tensors = new[]
            {
                new TensorSpec("weight", parameterOffset, twoD ? new[] { _filters, _channels, _kernelHeight, _kernelWidth } : new[] { _filters, _channels, _kernelWidth },
                    StoredTransposed: false, twoD ? F("{0} x {1} x {2} x {3}", _kernelHeight, _kernelWidth, _channels, _filters) : F("{0} x {1} x {2}", _kernelWidth, _channels, _filters))
                {
                    MemoryAxes = twoD ? new[] { 2, 3, 1, 0 } : new[] { 2, 1, 0 },
                },
                new TensorSpec("bias", parameterOffset + weights, new[] { _filters }, StoredTransposed: false, S(_filters)),
            };
        }

        public override string Kind => _layer.Name;

        public override string Topology => _layer.Name + "(" + S(_filters) + ", " + S(_layer.KernelSize) + ", " + ActivationText.Name(_layer.Activation, _layer.NegativeSlope)
            + (_layer.Stride != 1 ? ", Stride = " + S(_layer.Stride) : "")
            + (_layer.Padding != PaddingKind.Valid ? ", Padding = " + _layer.Padding : "") + ")";

        public override int InputSize => _height * _width * _channels;

        public override int OutputSize => _outputHeight * _outputWidth * _filters;

        public override string OutputShape => _layer.Dimensions == 2
            ? F("(None, {0}, {1}, {2})", _outputHeight, _outputWidth, _filters)
            : F("(None, {0}, {1})", _outputWidth, _filters);

        public override ActivationKind Activation => _layer.Activation;

        public override float NegativeSlope => _layer.NegativeSlope;

        public override IReadOnlyList<TensorSpec> Tensors { get; }

        /// <summary>Multiply-adds per sample: a window's for each output pixel and filter.</summary>
        public override long ForwardMultiplyAdds => (long)_outputHeight * _outputWidth * Window * _filters;

        public override long ParameterGradientMultiplyAdds => ForwardMultiplyAdds;

        public override long InputGradientMultiplyAdds => HasInputGradient ? ForwardMultiplyAdds : 0;

        /// <summary>
        /// One padded sample, when the layer pads; with <see cref="Winograd"/>, then the transformed filters, one sample's
        /// transformed input tiles and their products (<see cref="WinogradFloats"/>).
        /// </summary>
        public override int ForwardScratch => Winograd ? WinogradStart + WinogradFloats : Pads ? PaddedSize : 0;

        /// <summary>Every sample's padded input, when the layer pads: the weight gradient reads it.</summary>
        public override int KeptPerRow => Pads ? PaddedSize : 0;

        /// <summary>The weights transposed, one output row's window gradients, and one padded input gradient when the layer pads.</summary>
        public override int PartScratch => HasInputGradient ? _filters * Window + _outputWidth * Window + (Pads ? PaddedSize : 0) : 0;

        /// <summary>One row of the weight gradient (<c>filters</c> floats), or the whole bias gradient.</summary>
        public override int CutRowScratch => _filters;

        /// <summary>ReLU and LeakyReLU are fused into the kernel's store; the others run over the layer's outputs after it.</summary>
        public override bool FusesActivation => ActivationText.IsReLUFamily(_layer.Activation) || _layer.Activation == ActivationKind.Linear;

        /// <summary>
        /// Whether Predict and PredictBatch run the layer as Winograd's F(2x2, 3x3) (<c>GenNN.Kernels.Winograd</c>): a 3 x 3
        /// 2-D kernel at stride 1 with at least 8 input channels and 8 filters. Each 2 x 2 block of outputs then takes 16
        /// multiply-adds per input and output channel instead of 36, in 16 GEMMs over the blocks, plus transforms that only
        /// add. With fewer channels the transforms cost more than the GEMMs save. TrainBatch keeps the direct convolution,
        /// whose windows its gradients reuse; the two forward passes agree to rounding (the transforms add and subtract
        /// inputs of different sizes before they are multiplied).
        /// </summary>
        private bool Winograd => _layer.Dimensions == 2 && _kernelHeight == 3 && _kernelWidth == 3 && _strideHeight == 1 && _strideWidth == 1
            && _channels >= 8 && _filters >= 8;

        /// <summary>The 2 x 2 output blocks of <see cref="Winograd"/>, row-major: the rows of its GEMMs.</summary>
        private int Tiles => ((_outputHeight + 1) / 2) * ((_outputWidth + 1) / 2);

        /// <summary>
        /// Tiles per block of <see cref="Winograd"/>'s transforms and GEMMs: all of a sample's, unless their transformed
        /// inputs and products would pass 128 K floats (512 KB, a Zen 3 core's L2); then as many as fit, in whole row tiles
        /// of the widest path (multiples of 6). The sample CNN's 49 tiles of 32 + 64 channels take one block (301 KB).
        /// </summary>
        private int TileBlock => System.Math.Min(Tiles, System.Math.Max(6, 128 * 1024 / 16 / (_channels + _filters) / 6 * 6));

        /// <summary>Floats of the 16 transformed filters, one block's 16 transformed tiles and their 16 products.</summary>
        private int WinogradFloats => 16 * (FilterPlane + TilePlane + ProductPlane);

        /// <summary>Where the transformed filters start in Predict's work area: after the padded sample, on a cache line.</summary>
        private int WinogradStart => Pads ? RoundToLine(PaddedSize) : 0;

        /// <summary>Floats between two of the 16 transformed filter matrices (<c>in x out</c> each).</summary>
        private int FilterPlane => Plane(_channels * _filters);

        /// <summary>Floats between two of the 16 transformed tile matrices (<c>block x in</c> each).</summary>
        private int TilePlane => Plane(TileBlock * _channels);

        /// <summary>Floats between two of the 16 product matrices (<c>block x out</c> each).</summary>
        private int ProductPlane => Plane(TileBlock * _filters);

        private static int RoundToLine(int floats) => (floats + 15) / 16 * 16;

        /// <summary>
        /// The stride of the 16 matrices a transform writes or reads a cell of each of at once: whole cache lines, and not
        /// a multiple of 1 KB. The sample CNN's 32 x 64 filters are 8 KB apiece: 16 of them 8 KB apart all fall in one set of
        /// a 32 KB, 8-way L1, and the filter transform took 12.5 us instead of 3.
        /// </summary>
        private static int Plane(int floats)
        {
            int plane = RoundToLine(floats);
            return plane % 256 == 0 ? plane + 16 : plane;
        }

        /// <summary>Floats of one window, the rows of W: <c>kh x kw x in</c>.</summary>
        private int Window => _kernelHeight * _kernelWidth * _channels;

        /// <summary>Floats of one kernel row of a window, contiguous in the input: <c>kw x in</c>.</summary>
        private int Run => _kernelWidth * _channels;

        /// <summary>Floats of one row of the (padded) input.</summary>
        private int PaddedRow => _paddedWidth * _channels;

        private int PaddedSize => _paddedHeight * PaddedRow;

        /// <summary>Whether a sample is copied into a padded form first (Same padding that adds cells).</summary>
        private bool Pads => PaddedSize != InputSize;

        /// <summary>The floats between two samples of what the GEMMs read: padded samples, or the input's.</summary>
        private int SampleStride => Pads ? PaddedSize : InputSize;

        private int WeightOffset => ParameterOffset;

        private int BiasOffset => Tensors[1].Offset;

        private string Geometry => Name + "Conv";

        /// <summary>
        /// The floats of inputs and deltas one block of the weight gradient's samples may hold (at least one sample): 128 KB,
        /// a quarter of a Zen 3 core's L2, so the block stays there while every tile of the kernel rows walks it. On the
        /// FashionMnistCnn sample (one sample per block either way at 128 KB; three at 256 KB) a TrainBatch(64) took 8-15%
        /// less time than one walk over the batch; 128 KB edged out 256 KB.
        /// </summary>
        private const int WeightGradientBlockFloats = 32 * 1024;

        public override void EmitConstants(SourceWriter w)
        {
            w.Line();
            w.Line(F("/// <summary>The filters of layer {0}: {1}.</summary>", Index, Topology));
            w.Line(F("public const int {0}Filters = {1};", Name, _filters));
        }

        public override void EmitInitialize(SourceWriter w)
        {
            // Keras' fans for a convolution: the window in, the kernel's cells times the filters out.
            int fanIn = Window, fanOut = _kernelHeight * _kernelWidth * _filters;
            w.Line(ActivationText.IsReLUFamily(_layer.Activation)
                ? F("Initializers.HeUniform(parameters.Slice({0}, {1}), {2}, random);", WeightOffset, Window * _filters, fanIn)
                : F("Initializers.GlorotUniform(parameters.Slice({0}, {1}), {2}, {3}, random);", WeightOffset, Window * _filters, fanIn, fanOut));
        }

        public override void EmitForward(SourceWriter w, string input, string output, string? rows, string work, bool keep)
            => w.Line(!keep && Winograd
                ? F("{0}Predict(ref p, ref {1}, ref {2}, ref {3}, {4});", Name, input, output, work, rows ?? "1")
                : F("{0}Forward(ref p, ref {1}, ref {2}, ref {3}, {4}, {5});", Name, input, output, work, rows ?? "1", keep && Pads ? S(PaddedSize) : "0"));

        public override void EmitPartScratch(SourceWriter w, int offset)
        {
            if (!HasInputGradient)
            {
                return;
            }

            w.Line(F("Span<float> wt{0} = transposed.Slice({1}, {2}); // layer {0}'s weights transposed", Index, offset, _filters * Window));
            w.Line(F("Span<float> windows{0} = transposed.Slice({1}, {2}); // one output row's window gradients", Index, offset + _filters * Window, _outputWidth * Window));
            if (Pads)
            {
                w.Line(F("Span<float> padded{0} = transposed.Slice({1}, {2}); // one padded input gradient", Index, offset + (_filters + _outputWidth) * Window, PaddedSize));
            }
        }

        public override void EmitInputGradient(SourceWriter w, string delta, string previousDelta, string previousOutput, string input, string output)
        {
            int i = Index;
            w.Line(F("{0}Transpose(ref p, ref MemoryMarshal.GetReference(wt{1}));", Name, i));
            using (w.Block("for (int s = 0; s < rows; s++)"))
            {
                w.Line(F("Span<float> dx = {0};", Pads ? "padded" + S(i) : F("{0}.Slice(s * {1}, {1})", previousDelta, InputSize)));
                w.Line("dx.Clear();");
                using (w.Block(F("for (int oy = 0; oy < {0}; oy++)", _outputHeight)))
                {
                    w.Line(F("{0}InputGradient(ref MemoryMarshal.GetReference({1}.Slice((s * {2} + oy) * {3})), ref MemoryMarshal.GetReference(wt{4}), ref MemoryMarshal.GetReference(windows{4}), {5});",
                        Name, delta, _outputHeight, _outputWidth * _filters, i, _outputWidth));
                    w.Line(F("Convolution.AddWindows(in {0}, windows{1}, dx, oy);", Geometry, i));
                }

                if (Pads)
                {
                    w.Line(F("Convolution.Crop(in {0}, dx, {1}.Slice(s * {2}, {2}));", Geometry, previousDelta, InputSize));
                }
            }
        }

        public override void EmitParameterGradients(SourceWriter w, string input, string delta, string kept, string packedDelta)
        {
            int i = Index;
            string N = S(_filters);
            w.Line(F("// Layer {0}: weights [{1}, {2}), bias [{2}, {3}).", i, WeightOffset, BiasOffset, BiasOffset + _filters));
            w.Line(F("ref float input{0} = ref {1}; // the layer's {2}inputs, [totalRows x {3}]", i, Pads ? kept : input, Pads ? "padded " : "", SampleStride));
            w.Line(F("ref float d{0} = ref {1};", i, delta));
            w.Line(F("ParameterRows w{0} = ParameterRows.Of(first, end, {1}, {2}, {3});", i, WeightOffset, N, Window));
            using (w.Block(F("if (w{0}.Count > 0)", i)))
            {
                w.Line(F("{0}WeightRows(ref input{1}, ref d{1}, ref Unsafe.Add(ref g, {2} + w{1}.First * {3}), n, (nuint)w{1}.First, (nuint)w{1}.Count);", Name, i, WeightOffset, N));
            }

            foreach (string cut in new[] { "Head", "Tail" })
            {
                using (w.Block(F("if (w{0}.{1} >= 0)", i, cut)))
                {
                    w.Line(F("{0}WeightRows(ref input{1}, ref d{1}, ref r, n, (nuint)w{1}.{2}, 1);", Name, i, cut));
                    w.Line(F("ParameterRows.CopyCut(row.Slice(0, {0}), gradients, {1} + w{2}.{3} * {0}, first, end);", N, WeightOffset, i, cut));
                }
            }

            string pixels = F("n * {0}", _outputHeight * _outputWidth);
            w.Line(F("ParameterRows b{0} = ParameterRows.Of(first, end, {1}, {2}, 1);", i, BiasOffset, N));
            using (w.Block(F("if (b{0}.Count > 0)", i)))
            {
                w.Line(F("{0}BiasGradient(ref d{1}, ref Unsafe.Add(ref g, {2}), {3});", Name, i, BiasOffset, pixels));
            }

            using (w.Block(F("else if (b{0}.Head >= 0 || b{0}.Tail >= 0)", i)))
            {
                w.Line(F("{0}BiasGradient(ref d{1}, ref r, {2});", Name, i, pixels));
                w.Line(F("ParameterRows.CopyCut(row.Slice(0, {0}), gradients, {1}, first, end);", N, BiasOffset));
            }
        }

        public override void EmitKernels(SourceWriter w, IsaPath[] paths)
        {
            w.Line();
            w.Line(F("// ---- Layer {0}: {1}, ({2}) -> {3} ----", Index, Topology, _layer.Input, OutputShape.Replace("None, ", "")));
            w.Line(F("/// <summary>Layer {0}'s windows: {1} x {2} over {3} x {4} x {5}, stride {6} x {7}, {8} zero row(s) before and {9} zero column(s) before (padded {10} x {11}).</summary>",
                Index, _kernelHeight, _kernelWidth, _height, _width, _channels, _strideHeight, _strideWidth, _padTop, _padLeft, _paddedHeight, _paddedWidth));
            w.Line(F("internal static readonly ConvGeometry {0} = new({1}, {2}, {3}, {4}, {5}, {6}, {7}, {8}, {9}, {10}, {11});",
                Geometry, _height, _width, _channels, _kernelHeight, _kernelWidth, _strideHeight, _strideWidth, _padTop, _padLeft, _outputHeight, _outputWidth));
            EmitForwardKernels(w, paths);
            if (Winograd)
            {
                EmitWinogradKernels(w, paths);
            }

            EmitWeightGradientKernels(w, paths);
            if (HasInputGradient)
            {
                EmitInputGradientKernels(w, paths);
            }
        }

        private void EmitForwardKernels(SourceWriter w, IsaPath[] paths)
        {
            bool fused = ActivationText.IsReLUFamily(_layer.Activation);
            // One call covers a sample's output pixels, row-major, across the output rows: full row tiles run over the
            // whole image, and each tile of B's columns is reused by all of them, rather than ending every output row with
            // a remainder tile (14 pixels to a row: 6 + 6 + 2). The windows of a row tile may then start on two rows.
            bool lines = _outputHeight > 1;
            var row = new GemmSpec(
                Name + "ForwardPixels",
                F("Layer {0} forward over rows output pixels of one sample, {1}: y[pixel] = b + sum over the pixel's window of x W{2}; a window is {3} run(s) of {4} floats, {5} apart.",
                    Index, lines ? F("{0} to an output row (whose windows start {1} floats apart)", _outputWidth, _strideHeight * PaddedRow) : "one output row",
                    fused ? ", then " + _layer.Activation + " (fused)" : "", _kernelHeight, Run, PaddedRow),
                "ref float p, ref float a, ref float c, nuint rows",
                _filters, ConstantK: Run, TransposedA: false, Lda: _strideWidth * _channels, Ldb: _filters,
                Bias: "bias",
                fused ? Epilogue.Activation : Epilogue.None,
                _layer.Activation,
                new[] { F("ref float b = ref Unsafe.Add(ref p, {0});", WeightOffset), F("ref float bias = ref Unsafe.Add(ref p, {0});", BiasOffset) })
            {
                NegativeSlope = ActivationText.SlopeExpression(_layer.NegativeSlope),
                Outer = _kernelHeight > 1 ? new[] { new KLevel(S(_kernelHeight), PaddedRow, (long)Run * _filters) } : null,
                PixelsPerLine = lines ? _outputWidth : null,
                LineStride = lines ? (long)_strideHeight * PaddedRow : 0,
            };
            GemmEmitter.EmitKernel(w, row, "ref p, ref a, ref c, rows", paths);

            w.Line();
            w.Line("/// <summary>");
            w.Line(F("/// Layer {0} forward over rows samples, all of a sample's output pixels in one call.{1}", Index, Pads
                ? " Each sample is padded first, into work: workStride floats apart (every sample's, kept for the weight gradient) or 0 (one reused)."
                : " (No padding: work is not used.)"));
            w.Line("/// </summary>");
            w.Line(Jit.Optimized);
            using (w.Block(F("internal static void {0}Forward(ref float p, ref float x, ref float c, ref float work, nuint rows, nuint workStride)", Name)))
            {
                using (w.Block("for (nuint s = 0; s < rows; s++)"))
                {
                    EmitSample(w, "Unsafe.Add(ref work, s * workStride)");

                    w.Line(F("{0}ForwardPixels(ref p, ref a, ref Unsafe.Add(ref c, s * {1}), {2});", Name, OutputSize, _outputHeight * _outputWidth));
                }
            }
        }

        /// <summary>
        /// <c>ref float a</c>: sample <c>s</c> of <c>x</c> as the kernels read it, copied padded into <paramref name="padded"/>
        /// (a <c>ref float</c> expression) when the layer pads, or in place.
        /// </summary>
        private void EmitSample(SourceWriter w, string padded)
        {
            if (Pads)
            {
                w.Line(F("ref float a = ref {0};", padded));
                w.Line(F("Convolution.Pad(in {0}, MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref x, s * {1}), {1}), MemoryMarshal.CreateSpan(ref a, {2}));", Geometry, InputSize, PaddedSize));
            }
            else
            {
                w.Line(F("ref float a = ref Unsafe.Add(ref x, s * {0});", InputSize));
            }
        }

        private void EmitWinogradKernels(SourceWriter w, IsaPath[] paths)
        {
            var products = new GemmSpec(
                Name + "WinogradProducts",
                F("Layer {0}'s Winograd products over rows tiles: M_i[tile, o] = sum over the input channels of V_i[tile, in] U_i[in, o], for one of the 16 cells of a 4 x 4 tile.", Index),
                "ref float b, ref float a, ref float c, nuint rows",
                _filters, ConstantK: _channels, TransposedA: false, Lda: _channels, Ldb: _filters,
                Bias: null, Epilogue.None, ActivationKind.Linear, System.Array.Empty<string>());
            GemmEmitter.EmitKernel(w, products, "ref b, ref a, ref c, rows", paths);

            string activation = _layer.Activation switch
            {
                ActivationKind.ReLU => "1, 0f",
                ActivationKind.LeakyReLU => "2, " + ActivationText.SlopeExpression(_layer.NegativeSlope),
                _ => "0, 0f",
            };
            w.Line();
            w.Line("/// <summary>");
            w.Line(F("/// Layer {0} forward for Predict and PredictBatch over rows samples, as Winograd's F(2x2, 3x3): the filters transformed", Index));
            w.Line(F("/// once per call, then per sample its {0} tiles of 2 x 2 outputs in blocks of {1}: the input transform, 16 GEMMs of", Tiles, TileBlock));
            w.Line(F("/// (block x {0}) x ({0} x {1}) and the output transform with the bias{2}. work holds {3}the transformed filters, a", _channels, _filters,
                FusesActivation && _layer.Activation != ActivationKind.Linear ? " and " + _layer.Activation : "", Pads ? "the padded sample, then " : ""));
            w.Line("/// block's transformed tiles and their products.");
            w.Line("/// </summary>");
            w.Line(Jit.Optimized);
            using (w.Block(F("internal static void {0}Predict(ref float p, ref float x, ref float c, ref float work, nuint rows)", Name)))
            {
                w.Line(F("ref float u = ref Unsafe.Add(ref work, {0}); // 16 x [{1} x {2}], {3} apart", WinogradStart, _channels, _filters, FilterPlane));
                w.Line(F("ref float v = ref Unsafe.Add(ref u, {0}); // 16 x [block x {1}], {2} apart", 16 * FilterPlane, _channels, TilePlane));
                w.Line(F("ref float m = ref Unsafe.Add(ref v, {0}); // 16 x [block x {1}], {2} apart", 16 * TilePlane, _filters, ProductPlane));
                w.Line(F("Winograd.TransformFilters(in {0}, {1}, MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref p, {2}), {3}), MemoryMarshal.CreateSpan(ref u, {4}), {5});",
                    Geometry, _filters, WeightOffset, Window * _filters, 16 * FilterPlane, FilterPlane));
                using (w.Block("for (nuint s = 0; s < rows; s++)"))
                {
                    EmitSample(w, "work");

                    using (w.Block(F("for (int first = 0; first < {0}; first += {1})", Tiles, TileBlock)))
                    {
                        w.Line(F("int count = Math.Min({0}, {1} - first);", TileBlock, Tiles));
                        w.Line(F("Winograd.TransformInput(in {0}, MemoryMarshal.CreateReadOnlySpan(ref a, {1}), MemoryMarshal.CreateSpan(ref v, {2}), {3}, first, count);",
                            Geometry, SampleStride, 16 * TilePlane, TilePlane));
                        using (w.Block("for (nuint i = 0; i < 16; i++)"))
                        {
                            w.Line(F("{0}WinogradProducts(ref Unsafe.Add(ref u, i * {1}), ref Unsafe.Add(ref v, i * {2}), ref Unsafe.Add(ref m, i * {3}), (nuint)count);",
                                Name, FilterPlane, TilePlane, ProductPlane));
                        }

                        w.Line(F("Winograd.TransformOutput(in {0}, {1}, MemoryMarshal.CreateReadOnlySpan(ref m, {2}), {3}, MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref p, {4}), {1}), MemoryMarshal.CreateSpan(ref Unsafe.Add(ref c, s * {5}), {5}), {6}, first, count);",
                            Geometry, _filters, 16 * ProductPlane, ProductPlane, BiasOffset, OutputSize, activation));
                    }
                }
            }
        }

        private void EmitWeightGradientKernels(SourceWriter w, IsaPath[] paths)
        {
            var outer = new List<KLevel> { new("depth", SampleStride, (long)_outputHeight * _outputWidth * _filters) };
            if (_outputHeight > 1)
            {
                outer.Add(new KLevel(S(_outputHeight), _strideHeight * PaddedRow, (long)_outputWidth * _filters));
            }

            // The K walk covers the whole batch: every tile of W's rows streams all of it (for a 64-sample batch, megabytes
            // of inputs and deltas, from L3), and a kernel row's tiles walk it once per tile. When the columns allow it,
            // the caller walks the samples in blocks that fit L2 instead, and C carries the partial sums between blocks,
            // in the same order: the bits of one walk.
            bool blocked = GemmEmitter.CoversExactly(_filters, paths);
            var weightGradient = new GemmSpec(
                Name + "WeightGradient",
                F("Layer {0} weight gradient of rows rows of W within one kernel row: dW[k, o] = sum over the depth samples and their pixels of x[window(pixel) + k] d[pixel, o], x read from a (the first row's place in the first window){1}.",
                    Index, blocked ? "; with accumulate, added to the sums c holds" : ""),
                "ref float a, ref float b, ref float c, nuint depth, nuint rows" + (blocked ? ", bool accumulate" : ""),
                _filters, ConstantK: _outputWidth, TransposedA: true, Lda: _strideWidth * _channels, Ldb: _filters,
                Bias: null, Epilogue.None, ActivationKind.Linear, System.Array.Empty<string>())
            {
                Outer = outer.ToArray(),
                Accumulate = blocked ? "accumulate" : null,
            };
            GemmEmitter.EmitKernel(w, weightGradient, "ref a, ref b, ref c, depth, rows" + (blocked ? ", accumulate" : ""), paths);

            int deltas = _outputHeight * _outputWidth * _filters;
            int samplesPerBlock = blocked ? System.Math.Max(1, WeightGradientBlockFloats / (SampleStride + deltas)) : 0;
            w.Line();
            w.Line(F("/// <summary>Layer {0}'s weight-gradient rows [first, first + count) into c, split where a kernel row of {1} rows ends (rows of one kernel row are contiguous in the input){2}.</summary>",
                Index, Run, blocked ? F(", over blocks of {0} sample(s) whose inputs and deltas ({1} KB) stay in L2", samplesPerBlock, (long)samplesPerBlock * (SampleStride + deltas) * 4 / 1024) : ""));
            w.Line(Jit.Optimized);
            using (w.Block(F("internal static void {0}WeightRows(ref float a, ref float d, ref float c, nuint n, nuint first, nuint count)", Name)))
            {
                if (blocked)
                {
                    using (w.Block(F("for (nuint s0 = 0; s0 < n; s0 += {0})", samplesPerBlock)))
                    {
                        w.Line(F("nuint samples = n - s0 < {0} ? n - s0 : {0};", samplesPerBlock));
                        w.Line(F("ref float aBlock = ref Unsafe.Add(ref a, s0 * {0});", SampleStride));
                        w.Line(F("ref float dBlock = ref Unsafe.Add(ref d, s0 * {0});", deltas));
                        EmitKernelRows(w, "aBlock", "dBlock", "samples", "s0 != 0");
                    }
                }
                else
                {
                    EmitKernelRows(w, "a", "d", "n", null);
                }
            }

            string biasGradient = Name + "BiasGradient";
            const string BiasParameters = "ref float a, ref float c, nuint rows";
            w.Line();
            GemmEmitter.EmitDispatch(w, F("Layer {0} bias gradient: db[o] = sum over the rows pixels of every sample of d[pixel, o], d read from a.", Index), biasGradient, BiasParameters, "ref a, ref c, rows", paths);
            foreach (IsaPath path in paths)
            {
                w.Line();
                GemmEmitter.EmitColumnSum(w, biasGradient, BiasParameters, _filters, path);
            }

            w.Line();
            GemmEmitter.EmitColumnSum(w, biasGradient, BiasParameters, _filters, null);
        }

        /// <summary>The weight-gradient kernel's calls for rows [first, first + count), one per kernel row they touch.</summary>
        private void EmitKernelRows(SourceWriter w, string a, string d, string depth, string? accumulate)
        {
            w.Line("ref float target = ref c;");
            w.Line("nuint row = first, left = count;");
            using (w.Block("while (left > 0)"))
            {
                w.Line(F("nuint ky = row / {0}, kk = row % {0};", Run));
                w.Line(F("nuint take = left < {0} - kk ? left : {0} - kk;", Run));
                w.Line(F("{0}WeightGradient(ref Unsafe.Add(ref {1}, ky * {2} + kk), ref {3}, ref target, {4}, take{5});",
                    Name, a, PaddedRow, d, depth, accumulate is null ? "" : ", " + accumulate));
                w.Line(F("target = ref Unsafe.Add(ref target, take * {0});", _filters));
                w.Line("row += take;");
                w.Line("left -= take;");
            }
        }

        private void EmitInputGradientKernels(SourceWriter w, IsaPath[] paths)
        {
            var inputGradient = new GemmSpec(
                Name + "InputGradient",
                F("Layer {0} input gradient of one output row's rows pixels: each pixel's window gradient, dwin[ox, k] = sum over o of d[ox, o] W[k, o], read from W transposed.", Index),
                "ref float a, ref float b, ref float c, nuint rows",
                Window, ConstantK: _filters, TransposedA: false, Lda: _filters, Ldb: Window,
                Bias: null, Epilogue.None, ActivationKind.Linear, System.Array.Empty<string>());
            GemmEmitter.EmitKernel(w, inputGradient, "ref a, ref b, ref c, rows", paths);

            w.Line();
            GemmEmitter.EmitTranspose(w, Name + "Transpose", F("Copies layer {0}'s weights transposed, [{1} x {2}] filter-major, for <see cref=\"{3}InputGradient\"/>.", Index, _filters, Window, Name), WeightOffset, Window, _filters);
        }
    }
}
