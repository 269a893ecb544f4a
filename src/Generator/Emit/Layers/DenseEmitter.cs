using System.Collections.Generic;
using GenNN.Generator.Model;
using static GenNN.Generator.Emit.Invariant;

namespace GenNN.Generator.Emit.Layers
{
    /// <summary>
    /// A dense layer: <c>y = x W + b</c>, then the activation. W is <c>[inputs x units]</c> input-major in memory (saved in
    /// PyTorch's <c>[out, in]</c> order), so the forward pass, the weight gradient and (from W transposed) the input gradient
    /// are all GEMMs with row-major operands, emitted by <see cref="GemmEmitter"/>.
    /// </summary>
    internal sealed class DenseEmitter : LayerEmitter
    {
        /// <summary>Layers with at most this many weights get their one-sample kernel inlined into Predict.</summary>
        private const int InlineWeights = 1024;

        private readonly DenseSpec _layer;

        public DenseEmitter(DenseSpec layer, int index, LayerEmitter? previous, int parameterOffset)
            : base(index, previous, parameterOffset)
        {
            _layer = layer;
            Tensors = new[]
            {
                new TensorSpec("weight", parameterOffset, new[] { layer.Units, layer.Inputs }, StoredTransposed: true, F("{0} x {1}", layer.Inputs, layer.Units)),
                new TensorSpec("bias", WeightOffset + layer.Inputs * layer.Units, new[] { layer.Units }, StoredTransposed: false, S(layer.Units)),
            };
        }

        public override string Kind => "Dense";

        public override string Topology => "Dense(" + S(_layer.Units) + ", " + ActivationText.Name(_layer.Activation, _layer.NegativeSlope) + ")";

        public override int InputSize => _layer.Inputs;

        public override int OutputSize => _layer.Units;

        public override ActivationKind Activation => _layer.Activation;

        public override float NegativeSlope => _layer.NegativeSlope;

        public override string SummaryActivation => base.SummaryActivation
            + (_layer.L1 != 0f ? ", L1 " + R(_layer.L1) : "")
            + (_layer.L2 != 0f ? ", L2 " + R(_layer.L2) : "");

        public override IReadOnlyList<TensorSpec> Tensors { get; }

        public override bool Regularized => _layer.Regularized;

        public override string PenaltyExpression(string parameters)
            => F("global::GenNN.Kernels.Regularization.Penalty({0}.Slice({1}, {2}), {3}, {4})", parameters, WeightOffset, BiasOffset - WeightOffset, Literal(_layer.L1), Literal(_layer.L2));

        public override long ForwardMultiplyAdds => (long)_layer.Inputs * _layer.Units;

        public override long ParameterGradientMultiplyAdds => ForwardMultiplyAdds;

        public override long InputGradientMultiplyAdds => HasInputGradient ? ForwardMultiplyAdds : 0;

        /// <summary>The weights transposed, <c>[units x inputs]</c>, for the input gradient.</summary>
        public override int PartScratch => HasInputGradient ? _layer.Inputs * _layer.Units : 0;

        /// <summary>When <see cref="PacksWeightsInTraining"/>, the weights in panels for the forward pass (span <c>b{Index}</c>).</summary>
        public override int BatchScratch => PacksWeightsInTraining ? PackedWeights : 0;

        public override string BatchScratchContents => "weights in panels, for the forward pass of a batch on one thread";

        /// <summary>
        /// Whether TrainBatch's forward pass reads the weights from a copy in panels, as a large PredictBatch does, when one
        /// thread runs a batch of at least <see cref="IsaPath.TrainPackRows"/> rows: for layers of 512 inputs or more. On Zen 3
        /// (Vector256, 64 rows) the copy took 20 us for 784 x 256 and 4 us for 784 x 64, and the forward kernel then ran 60
        /// and 17 us faster (332 -> 272, 82 -> 65 us); for 256 x 128 the copy (5 us) cost what the kernel gained.
        /// </summary>
        public override bool PacksWeightsInTraining => PackedWeights > 0 && _layer.Inputs >= 512;

        /// <summary>
        /// Whether the input gradient reads the weights transposed in panels of 16 columns (<c>Transposition.TransposeToPanels</c>):
        /// for 64 or more inputs, a multiple of 16. Row-major, its walk down the units steps a whole row of the transpose
        /// (1 KB for 256 inputs) at a time, so it lands in a few L1 sets, as the weight gradient's walk down the deltas did.
        /// </summary>
        private bool TransposesToPanels => _layer.Inputs % PanelWidth == 0 && _layer.Inputs >= 64;

        /// <summary>Columns per panel of the packed operands the kernels read (<c>GenNN.Kernels.Panels.Width</c>).</summary>
        private const int PanelWidth = 16;

        /// <summary>
        /// The deltas in panels of 16 columns for the weight gradient, when the units are a multiple of 16 and at least 64:
        /// read row-major, the walk down the batch would step 256 bytes or more at a time, a few L1 sets for the whole walk.
        /// </summary>
        public override int PackedDeltaPerRow => _layer.Units % PanelWidth == 0 && _layer.Units >= 64 ? _layer.Units : 0;

        /// <summary>
        /// The weights, for PredictBatch, on the same condition as <see cref="PackedDeltaPerRow"/>: each 16-column tile
        /// then walks K down one panel instead of one cache line per 1 KB row.
        /// </summary>
        public override int PackedWeights => PackedDeltaPerRow > 0 ? _layer.Inputs * _layer.Units : 0;

        public override void EmitPackWeights(SourceWriter w, string packed)
            => w.Line(F("Panels.Pack(parameters.Slice({0}, {1}), {2}, {3}, 0, {4});", WeightOffset, _layer.Inputs * _layer.Units, _layer.Units, packed, _layer.Inputs));

        public override void EmitPackedForward(SourceWriter w, string input, string output, string rows, string packed)
            => w.Line(F("{0}ForwardPacked(ref p, ref {1}, ref {2}, ref {3}, {4});", Name, packed, input, output, rows));

        /// <summary>One row of the weight gradient (<c>units</c> floats), or the whole bias gradient.</summary>
        public override int CutRowScratch => _layer.Units;

        /// <summary>ReLU and LeakyReLU are fused into the kernel's store; the others run over the layer's outputs after it.</summary>
        public override bool FusesActivation => ActivationText.IsReLUFamily(_layer.Activation) || _layer.Activation == ActivationKind.Linear;

        /// <summary>A softmax layer of at most four units is one Vector128 in every vector path.</summary>
        public override bool FusesSoftmaxOne => _layer.Activation == ActivationKind.Softmax && _layer.Units <= 4;

        public override bool FusesPreviousDerivative => Previous is not null && ActivationText.FusesDerivative(Previous.Activation);

        private int WeightOffset => ParameterOffset;

        private int BiasOffset => Tensors[1].Offset;

        public override void EmitConstants(SourceWriter w)
        {
            w.Line();
            w.Line(F("/// <summary>The units of layer {0}: {1}.</summary>", Index, Topology));
            w.Line(F("public const int {0}Units = {1};", Name, _layer.Units));
        }

        public override void EmitInitialize(SourceWriter w)
        {
            int count = _layer.Inputs * _layer.Units;
            InitializerKind kernel = _layer.KernelInitializer == InitializerKind.Default
                ? (ActivationText.IsReLUFamily(_layer.Activation) ? InitializerKind.HeUniform : InitializerKind.GlorotUniform)
                : _layer.KernelInitializer;
            w.Line(kernel is InitializerKind.GlorotUniform or InitializerKind.GlorotNormal
                ? F("Initializers.{0}(parameters.Slice({1}, {2}), {3}, {4}, random);", kernel, WeightOffset, count, _layer.Inputs, _layer.Units)
                : F("Initializers.{0}(parameters.Slice({1}, {2}), {3}, random);", kernel, WeightOffset, count, _layer.Inputs));
            if (_layer.BiasValue != 0f)
            {
                w.Line(F("parameters.Slice({0}, {1}).Fill({2});", BiasOffset, _layer.Units, Literal(_layer.BiasValue)));
            }
        }

        public override void EmitForward(SourceWriter w, string input, string output, string? rows, string work, bool keep)
        {
            string inPlace = F("{0}Forward{1}(ref p, ref {2}, ref {3}{4});", Name, rows is null ? "One" : "", input, output, rows is null ? "" : ", " + rows);
            if (keep && rows is not null && PacksWeightsInTraining)
            {
                // TrainRows: a batch on one thread copies the weights into panels first. Parts do not: each would copy all of
                // them for its share of the rows (2 parts of batch 64 measured 13% slower on Zen 3 than without the copies).
                w.Line("// A batch of TrainPackRows+ rows on one thread first copies the weights into panels of 16 columns, which the kernel walks down contiguously.");
                using (w.Block(F("if (rows == totalRows && {0} >= TrainPackRows)", rows)))
                {
                    EmitPackWeights(w, "b" + S(Index));
                    EmitPackedForward(w, input, output, rows, F("MemoryMarshal.GetReference(b{0})", Index));
                }

                using (w.Block("else"))
                {
                    w.Line(inPlace);
                }

                return;
            }

            w.Line(inPlace);
        }

        public override void EmitPartScratch(SourceWriter w, int offset)
        {
            if (HasInputGradient)
            {
                w.Line(F("Span<float> wt{0} = transposed.Slice({1}, {2});", Index, offset, PartScratch));
            }
        }

        public override void EmitInputGradient(SourceWriter w, string delta, string previousDelta, string previousOutput, string input, string output)
        {
            w.Line(F("{0}Transpose(ref p, ref MemoryMarshal.GetReference(wt{1}));", Name, Index));
            w.Line(F("{0}InputGradient(ref MemoryMarshal.GetReference({1}), ref MemoryMarshal.GetReference(wt{2}), ref MemoryMarshal.GetReference({3}), ref MemoryMarshal.GetReference({4}), n);",
                Name, delta, Index, previousDelta, previousOutput));
        }

        public override void EmitParameterGradients(SourceWriter w, string input, string delta, string kept, string packedDelta)
        {
            int i = Index;
            string N = S(_layer.Units);
            w.Line(F("// Layer {0}: weights [{1}, {2}), bias [{2}, {3}).", i, WeightOffset, BiasOffset, BiasOffset + _layer.Units));
            w.Line(F("ref float input{0} = ref {1}; // the layer's inputs, [totalRows x {2}]", i, input, S(_layer.Inputs)));
            w.Line(F("ref float d{0} = ref {1};", i, delta));
            string weightDelta = "d" + S(i);
            if (PackedDeltaPerRow > 0)
            {
                w.Line(F("ref float dp{0} = ref {1}; // the same deltas in panels of 16 columns", i, packedDelta));
                weightDelta = "dp" + S(i);
            }

            w.Line(F("ParameterRows w{0} = ParameterRows.Of(first, end, {1}, {2}, {3});", i, WeightOffset, N, _layer.Inputs));
            using (w.Block(F("if (w{0}.Count > 0)", i)))
            {
                w.Line(F("{0}WeightGradient(ref Unsafe.Add(ref input{1}, w{1}.First), ref {4}, ref Unsafe.Add(ref g, {2} + w{1}.First * {3}), n, (nuint)w{1}.Count);", Name, i, WeightOffset, N, weightDelta));
            }

            foreach (string cut in new[] { "Head", "Tail" })
            {
                using (w.Block(F("if (w{0}.{1} >= 0)", i, cut)))
                {
                    w.Line(F("{0}WeightGradient(ref Unsafe.Add(ref input{1}, w{1}.{2}), ref {3}, ref r, n, 1);", Name, i, cut, weightDelta));
                    w.Line(F("ParameterRows.CopyCut(row.Slice(0, {0}), gradients, {1} + w{2}.{3} * {0}, first, end);", N, WeightOffset, i, cut));
                }
            }

            if (_layer.Regularized)
            {
                w.Line("// L1/L2 (Keras' kernel_regularizer): the penalty of the slice's weights, and its gradient added to theirs.");
                using (w.Block())
                {
                    w.Line(F("int lo = Math.Max(first, {0}), hi = Math.Min(end, {1});", WeightOffset, BiasOffset));
                    using (w.Block("if (lo < hi)"))
                    {
                        w.Line(F("penalty += Regularization.Apply(parameters.Slice(lo, hi - lo), gradients.Slice(lo, hi - lo), {0}, {1});", Literal(_layer.L1), Literal(_layer.L2)));
                    }
                }
            }

            w.Line(F("ParameterRows b{0} = ParameterRows.Of(first, end, {1}, {2}, 1);", i, BiasOffset, N));
            using (w.Block(F("if (b{0}.Count > 0)", i)))
            {
                w.Line(F("{0}BiasGradient(ref d{1}, ref Unsafe.Add(ref g, {2}), n);", Name, i, BiasOffset));
            }

            using (w.Block(F("else if (b{0}.Head >= 0 || b{0}.Tail >= 0)", i)))
            {
                w.Line(F("{0}BiasGradient(ref d{1}, ref r, n);", Name, i));
                w.Line(F("ParameterRows.CopyCut(row.Slice(0, {0}), gradients, {1}, first, end);", N, BiasOffset));
            }
        }

        public override void EmitKernels(SourceWriter w, IsaPath[] paths)
        {
            DenseSpec l = _layer;
            w.Line();
            w.Line(F("// ---- Layer {0}: Dense({1}, {2}), {3} -> {1} ----", Index, l.Units, l.Activation, l.Inputs));
            bool fused = ActivationText.IsReLUFamily(l.Activation);
            var forward = new GemmSpec(
                Name + "Forward",
                F("Layer {0} forward over rows samples: y = x W + b{1}, W [{2} x {3}] input-major.", Index, fused ? ", then " + l.Activation + " (fused)" : "", l.Inputs, l.Units),
                "ref float p, ref float a, ref float c, nuint rows",
                l.Units, ConstantK: l.Inputs, TransposedA: false, Lda: l.Inputs, Ldb: l.Units,
                Bias: "bias",
                fused ? Epilogue.Activation : Epilogue.None,
                l.Activation,
                new[] { F("ref float b = ref Unsafe.Add(ref p, {0});", WeightOffset), F("ref float bias = ref Unsafe.Add(ref p, {0});", BiasOffset) })
            {
                NegativeSlope = ActivationText.SlopeExpression(l.NegativeSlope),
            };
            GemmEmitter.EmitKernel(w, forward, "ref p, ref a, ref c, rows", paths);
            if (PackedWeights > 0)
            {
                var packedForward = forward with
                {
                    Method = Name + "ForwardPacked",
                    Summary = forward.Summary + " W read from packed, in panels of 16 columns (Panels.Pack).",
                    Parameters = "ref float p, ref float packed, ref float a, ref float c, nuint rows",
                    Prologue = new[] { "ref float b = ref packed;", F("ref float bias = ref Unsafe.Add(ref p, {0});", BiasOffset) },
                    BPanel = PanelWidth,
                };
                GemmEmitter.EmitKernel(w, packedForward, "ref p, ref packed, ref a, ref c, rows", paths);
            }
            // One sample with at most four softmax outputs: the softmax runs on the accumulator, before the store.
            GemmSpec forwardOne = FusesSoftmaxOne ? forward with { Epilogue = Epilogue.Softmax } : forward;
            GemmEmitter.EmitOneRow(w, forwardOne, paths, inline: (long)l.Inputs * l.Units <= InlineWeights);

            var weightGradient = new GemmSpec(
                Name + "WeightGradient",
                F("Layer {0} weight gradient of rows rows of W: dW[i, o] = sum over the depth samples of x[s, i] d[s, o], x read from a (the first row's column), dW written from c{1}.", Index, PackedDeltaPerRow > 0 ? "; d in panels of 16 columns (Panels.Pack)" : ""),
                "ref float a, ref float b, ref float c, nuint depth, nuint rows",
                l.Units, ConstantK: null, TransposedA: true, Lda: l.Inputs, Ldb: l.Units,
                Bias: null, Epilogue.None, ActivationKind.Linear, System.Array.Empty<string>())
            {
                BPanel = PackedDeltaPerRow > 0 ? PanelWidth : null,
            };
            GemmEmitter.EmitKernel(w, weightGradient, "ref a, ref b, ref c, depth, rows", paths);

            string biasGradient = Name + "BiasGradient";
            const string BiasParameters = "ref float a, ref float c, nuint rows";
            w.Line();
            GemmEmitter.EmitDispatch(w, F("Layer {0} bias gradient: db[o] = sum over the rows samples of d[s, o], d read from a.", Index), biasGradient, BiasParameters, "ref a, ref c, rows", paths);
            foreach (IsaPath path in paths)
            {
                w.Line();
                GemmEmitter.EmitColumnSum(w, biasGradient, BiasParameters, l.Units, path);
            }

            w.Line();
            GemmEmitter.EmitColumnSum(w, biasGradient, BiasParameters, l.Units, null);

            if (HasInputGradient)
            {
                EmitInputGradientKernels(w, paths);
            }
        }

        private void EmitInputGradientKernels(SourceWriter w, IsaPath[] paths)
        {
            DenseSpec l = _layer;
            LayerEmitter before = Previous!;
            // Derivatives that are not fused (ELU, GELU, ...) run after the kernel, in TrainBatch.
            ActivationKind fused = FusesPreviousDerivative ? before.Activation : ActivationKind.Linear;
            var inputGradient = new GemmSpec(
                Name + "InputGradient",
                F("Layer {0} input gradient: dx[s, i] = {1}sum over o of d[s, o] W[i, o], read from W transposed.", Index, fused == ActivationKind.Linear ? "" : fused + "'(x[s, i]) * "),
                "ref float a, ref float b, ref float c, ref float act, nuint rows",
                l.Inputs, ConstantK: l.Units, TransposedA: false, Lda: l.Units, Ldb: l.Inputs,
                Bias: null, Epilogue.Derivative, fused, System.Array.Empty<string>())
            {
                NegativeSlope = ActivationText.SlopeExpression(before.NegativeSlope),
                BPanel = TransposesToPanels ? PanelWidth : null,
            };
            GemmEmitter.EmitKernel(w, inputGradient, "ref a, ref b, ref c, ref act, rows", paths);

            w.Line();
            GemmEmitter.EmitTranspose(w, Name + "Transpose",
                F("Copies layer {0}'s weights transposed, [{1} x {2}] output-major{4}, for <see cref=\"{3}InputGradient\"/>.", Index, l.Units, l.Inputs, Name, TransposesToPanels ? ", in panels of 16 columns" : ""),
                WeightOffset, l.Inputs, l.Units, TransposesToPanels);
        }
    }
}
