using System.Collections.Generic;
using GenNN.Generator.Model;
using static GenNN.Generator.Emit.Invariant;

namespace GenNN.Generator.Emit.Layers
{
    /// <summary>
    /// A BatchNorm layer: per channel (the input's last dimension), <c>weight (x - mean) / sqrt(var + eps) + bias</c>, then
    /// an activation. Predict uses the running statistics in the state buffer; TrainBatch the batch's own, which need every
    /// row: its rows stop before the layer (and before its input gradient) for a stage split by channels, and the runtime's
    /// <c>BatchNorm</c> kernels do the arithmetic.
    /// </summary>
    internal sealed class BatchNormEmitter : LayerEmitter
    {
        private readonly BatchNormSpec _layer;
        private readonly int _channels, _size;

        public BatchNormEmitter(BatchNormSpec layer, int index, LayerEmitter? previous, int parameterOffset)
            : base(index, previous, parameterOffset)
        {
            _layer = layer;
            _channels = layer.Channels;
            _size = (int)layer.Input.Size;
            Tensors = new[]
            {
                new TensorSpec("weight", parameterOffset, new[] { _channels }, false, S(_channels)),
                new TensorSpec("bias", parameterOffset + _channels, new[] { _channels }, false, S(_channels)),
            };
        }

        public override string Kind => "BatchNorm";

        public override string Topology
        {
            get
            {
                var options = new List<string>();
                if (_layer.Activation != ActivationKind.Linear) options.Add(ActivationText.Name(_layer.Activation, _layer.NegativeSlope));
                if (_layer.Momentum != BatchNormSpec.DefaultMomentum) options.Add("Momentum = " + R(_layer.Momentum));
                if (_layer.Epsilon != BatchNormSpec.DefaultEpsilon) options.Add("Epsilon = " + R(_layer.Epsilon));
                return options.Count == 0 ? "BatchNorm" : "BatchNorm(" + string.Join(", ", options) + ")";
            }
        }

        public override int InputSize => _size;

        public override int OutputSize => _size;

        public override string OutputShape => "(None, " + _layer.Input + ")";

        public override ActivationKind Activation => _layer.Activation;

        public override float NegativeSlope => _layer.NegativeSlope;

        public override IReadOnlyList<TensorSpec> Tensors { get; }

        public override IReadOnlyList<TensorSpec> StateTensors => new[]
        {
            new TensorSpec("running_mean", StateOffset, new[] { _channels }, false, S(_channels)) { Storage = "State" },
            new TensorSpec("running_var", StateOffset + _channels, new[] { _channels }, false, S(_channels)) { Storage = "State" },
            new TensorSpec("num_batches_tracked", CounterOffset, new int[0], false, "int64") { Storage = "Counter" },
        };

        /// <summary>One multiply-add per value.</summary>
        public override long ForwardMultiplyAdds => _size;

        public override long ParameterGradientMultiplyAdds => 2L * _size;

        public override long InputGradientMultiplyAdds => HasInputGradient ? 3L * _size : 0;

        /// <summary>Predict's scale and shift per channel.</summary>
        public override int ForwardScratch => 2 * _channels;

        /// <summary>Every sample's normalised input, which the gradients read.</summary>
        public override int KeptPerRow => _size;

        /// <summary>The batch's mean, 1 / std, and the sums of the delta and of the delta times the normalised input, per channel.</summary>
        public override int BatchScratch => 4 * _channels;

        public override bool NeedsBatchStatistics => true;

        /// <summary>ReLU and LeakyReLU run in the layer's forward call; Sigmoid, Tanh and the others over its outputs after it.</summary>
        public override bool FusesActivation => ActivationText.IsReLUFamily(_layer.Activation) || _layer.Activation == ActivationKind.Linear;

        /// <summary>Values per channel in one sample: the positions (pixels, steps), 1 after a Dense layer.</summary>
        public int Positions => _size / _channels;

        /// <summary>The channels it normalises.</summary>
        public int Channels => _channels;

        private string Weight => F("MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref p, {0}), {1})", ParameterOffset, _channels);

        private string Bias => F("MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref p, {0}), {1})", ParameterOffset + _channels, _channels);

        private string Batch => "b" + S(Index);

        public override void EmitConstants(SourceWriter w)
        {
            w.Line();
            w.Line(F("/// <summary>The channels layer {0} normalises ({1}): the last dimension of its input.</summary>", Index, Topology));
            w.Line(F("public const int {0}Channels = {1};", Name, _channels));
        }

        public override void EmitInitialize(SourceWriter w)
            => w.Line(F("parameters.Slice({0}, {1}).Fill(1f); // layers.{2}.weight: 1, bias: 0 (Keras, PyTorch)", ParameterOffset, _channels, Index));

        public override void EmitInitializeState(SourceWriter w)
            => w.Line(F("state.Slice({0}, {1}).Fill(1f); // layers.{2}.running_var: 1, running_mean: 0", StateOffset + _channels, _channels, Index));

        public override void EmitKernels(SourceWriter w, IsaPath[] paths)
        {
            w.Line();
            w.Line(F("// ---- Layer {0}: {1}, ({2}) -> ({2}): {3} channels, {4} value(s) per channel per sample; runtime BatchNorm kernels ----",
                Index, Topology, _layer.Input, _channels, Positions));
        }

        public override void EmitForward(SourceWriter w, string input, string output, string? rows, string work, bool keep)
        {
            string count = rows is null ? "" : "(int)" + rows + " * ";
            string x = F("MemoryMarshal.CreateReadOnlySpan(ref {0}, {1}{2})", input, count, _size);
            string y = F("MemoryMarshal.CreateSpan(ref {0}, {1}{2})", output, count, _size);
            if (keep)
            {
                w.Line(F("// Layer {0}: normalised with the batch's statistics (the stage before computed them); the normalised inputs kept.", Index));
                w.Line(F("BatchNorm.TrainingForward({0}, MemoryMarshal.CreateSpan(ref {1}, {2}{3}), {4}, {5}.Slice(0, {6}), {5}.Slice({6}, {6}), {7}, {8});",
                    x, work, count, _size, y, Batch, _channels, Weight, Bias));
            }
            else
            {
                w.Line(F("BatchNorm.Inference({0}, {1}, {2}, {3}, state.Slice({4}, {5}), state.Slice({6}, {5}), {7}, MemoryMarshal.CreateSpan(ref {8}, {9}));",
                    x, y, Weight, Bias, StateOffset, _channels, StateOffset + _channels, Literal(_layer.Epsilon), work, 2 * _channels));
            }

            if (_layer.Activation == ActivationKind.ReLU)
            {
                w.Line(F("Activations.ReLU({0});", y));
            }
            else if (_layer.Activation == ActivationKind.LeakyReLU)
            {
                w.Line(F("Activations.LeakyReLU({0}, {0}, {1});", y, ActivationText.SlopeExpression(_layer.NegativeSlope)));
            }
        }

        public override void EmitBatchStatistics(SourceWriter w, string input)
        {
            w.Line(F("// Layer {0}'s batch mean and 1 / std for this part's channels, over every sample; its running statistics move towards them.", Index));
            w.Line(F("(int c0, int cn) = WorkerPool.PartRows({0}, part, parts, 1);", _channels));
            w.Line(F("BatchNorm.Statistics({0}, {1}, c0, {2}.Slice(c0, cn), {2}.Slice({1} + c0, cn), state.Slice({3} + c0, cn), state.Slice({4} + c0, cn), {5}, {6});",
                input, _channels, Batch, StateOffset, StateOffset + _channels, Literal(_layer.Momentum), Literal(_layer.Epsilon)));
        }

        public override void EmitBatchGradientSums(SourceWriter w, string delta, string kept)
        {
            w.Line(F("// Layer {0}'s sums over the batch of its delta and of its delta times its normalised input, for this part's channels.", Index));
            w.Line(F("(int c0, int cn) = WorkerPool.PartRows({0}, part, parts, 1);", _channels));
            w.Line(F("BatchNorm.ChannelSums({0}, {1}, c0, {2}.Slice({3} + c0, cn));", delta, _channels, Batch, 2 * _channels));
            w.Line(F("BatchNorm.ChannelProductSums({0}, {1}, {2}, c0, {3}.Slice({4} + c0, cn));", delta, kept, _channels, Batch, 3 * _channels));
        }

        public override void EmitInputGradient(SourceWriter w, string delta, string previousDelta, string previousOutput, string input, string output)
            => w.Line(F("BatchNorm.InputGradient({0}, k{1}, {2}, {3}.Slice({4}, {4}), {5}, {3}.Slice({6}, {4}), {3}.Slice({7}, {4}), totalRows * {8});",
                delta, Index, previousDelta, Batch, _channels, Weight, 2 * _channels, 3 * _channels, Positions));

        public override void EmitParameterGradients(SourceWriter w, string input, string delta, string kept, string packedDelta)
        {
            string d = F("MemoryMarshal.CreateReadOnlySpan(ref {0}, (int)n * {1})", delta, _size);
            string k = F("MemoryMarshal.CreateReadOnlySpan(ref {0}, (int)n * {1})", kept, _size);
            w.Line(F("// Layer {0}'s weight gradient (sums of the delta times the normalised input) and bias gradient (sums of the delta), in the slice.", Index));
            using (w.Block())
            {
                w.Line(F("int lo = Math.Max(first, {0}), hi = Math.Min(end, {1});", ParameterOffset, ParameterOffset + _channels));
                w.Line(F("if (lo < hi) BatchNorm.ChannelProductSums({0}, {1}, {2}, lo - {3}, gradients.Slice(lo, hi - lo));", d, k, _channels, ParameterOffset));
                w.Line(F("lo = Math.Max(first, {0}); hi = Math.Min(end, {1});", ParameterOffset + _channels, ParameterOffset + 2 * _channels));
                w.Line(F("if (lo < hi) BatchNorm.ChannelSums({0}, {1}, lo - {2}, gradients.Slice(lo, hi - lo));", d, _channels, ParameterOffset + _channels));
            }
        }
    }
}
