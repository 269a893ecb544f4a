using System;
using System.Collections.Generic;
using System.Linq;
using GenNN.Generator.Model;
using static GenNN.Generator.Emit.Invariant;

namespace GenNN.Generator.Emit.Layers
{
    /// <summary>
    /// A tensor of a layer's parameters: its place in the parameter buffer and how a model file stores it.
    /// </summary>
    /// <param name="Name">The name after the layer's prefix, as in PyTorch's <c>state_dict</c> (<c>weight</c>, <c>bias</c>).</param>
    /// <param name="Offset">The first float in the parameter buffer.</param>
    /// <param name="Shape">The shape in the file, PyTorch's (a Dense weight is <c>[out, in]</c>).</param>
    /// <param name="StoredTransposed">Whether memory holds the 2-D file shape transposed (a Dense weight is input-major).</param>
    /// <param name="Description">The shape in memory, for the generated file's header (<c>4 x 16</c>).</param>
    internal sealed record TensorSpec(string Name, int Offset, int[] Shape, bool StoredTransposed, string Description)
    {
        /// <summary>
        /// The file's axes in memory order, when memory holds them permuted other than by <see cref="StoredTransposed"/>
        /// (a convolution's <c>[out, in, kh, kw]</c> weight is <c>[kh, kw, in, out]</c> in memory: <c>2, 3, 1, 0</c>).
        /// </summary>
        public int[]? MemoryAxes { get; init; }

        /// <summary>
        /// Null for a trainable tensor in the parameter buffer; <c>State</c> for one in the state buffer (running statistics),
        /// <c>Counter</c> for an int64 scalar in the counter buffer (<c>num_batches_tracked</c>): <c>TensorStorage</c>'s names.
        /// </summary>
        public string? Storage { get; init; }

        public int Count => Shape.Aggregate(1, (product, d) => product * d);

        public int End => Offset + Count;
    }

    /// <summary>
    /// The seam between the network and its layer kinds. The network's emitter writes the class, the buffers, the loss and
    /// the order of the calls; a layer kind's emitter writes everything about that kind: its tensors and their initialisation,
    /// its kernels, and its calls in the forward pass, in TrainBatch's backward pass through the inputs (the first phase,
    /// split by rows) and in its parameter gradients over a slice of the parameters (the second phase). Adding a layer kind
    /// adds one subclass and one case in <see cref="Create"/>; no other kind's emitter changes.
    /// </summary>
    /// <remarks>
    /// Every layer reads its input and writes its output as <c>rows x size</c> floats, row-major, in buffers the network
    /// owns (the layer's output <c>a</c> and its delta <c>d</c> in the training scratch). Every element-wise activation the
    /// kernel does not fuse, and its derivative, is the network's.
    /// </remarks>
    internal abstract class LayerEmitter
    {
        protected LayerEmitter(int index, LayerEmitter? previous, int parameterOffset)
        {
            Index = index;
            Previous = previous;
            ParameterOffset = parameterOffset;
        }

        /// <summary>The layer's position among the network's layers (Dropout not counted).</summary>
        public int Index { get; }

        /// <summary>The layer before, or null for the first.</summary>
        public LayerEmitter? Previous { get; }

        /// <summary>The layer's first float in the parameter buffer (its tensors follow one another from here).</summary>
        public int ParameterOffset { get; }

        /// <summary>The prefix of the layer's kernels and constants: <c>Layer0</c>.</summary>
        public string Name => "Layer" + S(Index);

        /// <summary>The prefix of the layer's tensors in model files, as in a PyTorch <c>state_dict</c>: <c>layers.0</c>.</summary>
        public string TensorPrefix => "layers." + S(Index);

        /// <summary>The kind as the summary names it: <c>Dense</c>.</summary>
        public abstract string Kind { get; }

        /// <summary>The layer in the canonical topology string: <c>Dense(16, ReLU)</c>.</summary>
        public abstract string Topology { get; }

        /// <summary>Floats per sample in the layer's input.</summary>
        public abstract int InputSize { get; }

        /// <summary>Floats per sample in the layer's output.</summary>
        public abstract int OutputSize { get; }

        /// <summary>The output shape as Keras' summary prints it, batch first: <c>(None, 16)</c>.</summary>
        public virtual string OutputShape => "(None, " + S(OutputSize) + ")";

        /// <summary>The element-wise activation on the layer's output (Linear when it has none).</summary>
        public virtual ActivationKind Activation => ActivationKind.Linear;

        /// <summary>LeakyReLU's slope, when <see cref="Activation"/> is LeakyReLU.</summary>
        public virtual float NegativeSlope => DenseSpec.DefaultNegativeSlope;

        /// <summary>The summary's activation column (with the regularisers, when the kind has them).</summary>
        public virtual string SummaryActivation => ActivationText.Name(Activation, NegativeSlope);

        /// <summary>The layer's parameter tensors in buffer order, from <see cref="ParameterOffset"/> on (none for a layer without parameters).</summary>
        public virtual IReadOnlyList<TensorSpec> Tensors => Array.Empty<TensorSpec>();

        public int ParameterCount => Tensors.Sum(t => t.Count);

        /// <summary>The layer's first float in the state buffer (after the parameters), where its <see cref="StateTensors"/> start.</summary>
        public int StateOffset { get; private set; }

        /// <summary>The layer's first int64 in the counter buffer.</summary>
        public int CounterOffset { get; private set; }

        /// <summary>
        /// The layer's tensors that are saved but not trained, in buffer order: floats in the state buffer from
        /// <see cref="StateOffset"/> on (BatchNorm's running statistics), then int64 counters from <see cref="CounterOffset"/> on.
        /// </summary>
        public virtual IReadOnlyList<TensorSpec> StateTensors => Array.Empty<TensorSpec>();

        /// <summary>Floats of the layer's state.</summary>
        public int StateSize => StateTensors.Where(t => t.Storage == "State").Sum(t => t.Count);

        /// <summary>The layer's int64 counters.</summary>
        public int CounterCount => StateTensors.Count(t => t.Storage == "Counter");

        /// <summary>
        /// Whether TrainBatch's forward pass through this layer needs statistics of the whole batch of its input (BatchNorm):
        /// the rows stop before it, <see cref="EmitBatchStatistics"/> runs split by channels, and the rows go on.
        /// </summary>
        public virtual bool NeedsBatchStatistics => false;

        /// <summary>
        /// Floats of TrainBatch's shared scratch the layer needs once per batch (not per row), as span <c>b{Index}</c>: its
        /// batch statistics, or its weights in panels.
        /// </summary>
        public virtual int BatchScratch => 0;

        /// <summary>
        /// Whether a one-thread TrainBatch of <c>TrainPackRows</c> or more rows copies the layer's weights into panels (its
        /// <see cref="BatchScratch"/>) for its forward pass.
        /// </summary>
        public virtual bool PacksWeightsInTraining => false;

        /// <summary>What <see cref="BatchScratch"/> holds, for the comment on its span.</summary>
        public virtual string BatchScratchContents => "batch statistics";

        /// <summary>Whether TrainBatch adds an L1/L2 penalty for some of the layer's parameters.</summary>
        public virtual bool Regularized => false;

        /// <summary>
        /// The expression of the layer's L1/L2 penalty over the span <paramref name="parameters"/> (the whole parameter
        /// buffer), when <see cref="Regularized"/>.
        /// </summary>
        public virtual string PenaltyExpression(string parameters) => throw new System.InvalidOperationException(Kind + " has no L1/L2 penalty.");

        /// <summary>
        /// Whether TrainBatch computes the gradient of the layer's input: only when some layer before has parameters that
        /// need it.
        /// </summary>
        public bool HasInputGradient
        {
            get
            {
                for (LayerEmitter? layer = Previous; layer is not null; layer = layer.Previous)
                {
                    if (layer.ParameterCount > 0) return true;
                }

                return false;
            }
        }

        /// <summary>Multiply-adds per sample of the forward pass.</summary>
        public abstract long ForwardMultiplyAdds { get; }

        /// <summary>Multiply-adds per sample of the parameter gradients.</summary>
        public virtual long ParameterGradientMultiplyAdds => 0;

        /// <summary>Multiply-adds per sample of the input gradient (when <see cref="HasInputGradient"/>).</summary>
        public virtual long InputGradientMultiplyAdds => 0;

        /// <summary>
        /// Floats of work area one sample's forward pass needs (a convolution's padded input), which Predict and PredictBatch
        /// reuse sample after sample (0 for none).
        /// </summary>
        public virtual int ForwardScratch => 0;

        /// <summary>
        /// Floats per sample the layer keeps in TrainBatch's shared scratch from its forward pass for its parameter gradients
        /// (a convolution's padded input), in place of <see cref="ForwardScratch"/> (0 for none).
        /// </summary>
        public virtual int KeptPerRow => 0;

        /// <summary>
        /// Floats per sample of the layer's deltas that TrainBatch's first phase copies into panels of
        /// <c>GenNN.Kernels.Panels.Width</c> columns, in the shared scratch, for the weight gradient to read (0 for none).
        /// </summary>
        public virtual int PackedDeltaPerRow => 0;

        /// <summary>
        /// Floats of the layer's weights that a large PredictBatch copies into panels of <c>GenNN.Kernels.Panels.Width</c>
        /// columns before its first chunk, for <see cref="EmitPackedForward"/> (0 for none). A layer may do the same in
        /// TrainRows' forward pass (<see cref="EmitForward"/> with <c>keep</c>), into its <see cref="BatchScratch"/>.
        /// </summary>
        public virtual int PackedWeights => 0;

        /// <summary>Forward's statement copying the layer's weights (from <c>p</c>) into the span <paramref name="packed"/> of <see cref="PackedWeights"/> floats.</summary>
        public virtual void EmitPackWeights(SourceWriter w, string packed)
        {
        }

        /// <summary>The forward call over <paramref name="rows"/> samples reading the weights from <paramref name="packed"/> (a <c>ref float</c> expression, without the <c>ref</c>).</summary>
        public virtual void EmitPackedForward(SourceWriter w, string input, string output, string rows, string packed)
        {
        }

        /// <summary>Floats each part of TrainBatch's first phase needs to itself for the input gradient (0 for none).</summary>
        public virtual int PartScratch => 0;

        /// <summary>Floats of one cut row of parameter gradients that TrainBatch's second phase computes whole (0 for none).</summary>
        public virtual int CutRowScratch => 0;

        /// <summary>Whether the forward kernels apply <see cref="Activation"/> themselves; otherwise the network runs it on the output.</summary>
        public virtual bool FusesActivation => Activation == ActivationKind.Linear;

        /// <summary>Whether the one-sample forward kernel applies a softmax itself (Predict, small outputs).</summary>
        public virtual bool FusesSoftmaxOne => false;

        /// <summary>Whether the input-gradient kernel multiplies by the previous layer's activation derivative itself.</summary>
        public virtual bool FusesPreviousDerivative => false;

        /// <summary>The layer's public constants in the network class (after <c>LayerCount</c>).</summary>
        public virtual void EmitConstants(SourceWriter w)
        {
        }

        /// <summary>Statements of <c>Initialize(parameters, seed)</c> that set the layer's tensors from <c>random</c>.</summary>
        public virtual void EmitInitialize(SourceWriter w)
        {
        }

        /// <summary>The layer's kernels in the kernel class, with a heading.</summary>
        public abstract void EmitKernels(SourceWriter w, IsaPath[] paths);

        /// <summary>
        /// The forward call from <paramref name="input"/> to <paramref name="output"/> (<c>ref float</c> expressions, without the
        /// <c>ref</c>) over <paramref name="rows"/> samples, or one sample when it is null (Predict). <c>p</c> is the parameter buffer.
        /// <paramref name="work"/> is a <c>ref float</c> expression of the layer's work area: <see cref="ForwardScratch"/> floats
        /// reused by every sample, or with <paramref name="keep"/> (TrainBatch) <see cref="KeptPerRow"/> floats per sample.
        /// With <paramref name="keep"/> the call stands in TrainRows and may read its <c>parameters</c>, <c>rows</c>,
        /// <c>totalRows</c> and the layer's <see cref="BatchScratch"/> span.
        /// </summary>
        public abstract void EmitForward(SourceWriter w, string input, string output, string? rows, string work, bool keep);

        /// <summary>TrainRows' declarations of the layer's part scratch, which starts at <paramref name="offset"/> in <c>transposed</c>.</summary>
        public virtual void EmitPartScratch(SourceWriter w, int offset)
        {
        }

        /// <summary>
        /// TrainRows' backward step through the layer's input over <c>rows</c> samples (<c>n</c> as a nuint): from its delta
        /// <paramref name="delta"/> to the previous layer's <paramref name="previousDelta"/>. All are span names:
        /// <paramref name="previousOutput"/> is the previous layer's output (for a fused derivative, see
        /// <see cref="FusesPreviousDerivative"/>), <paramref name="input"/> this layer's input (the previous output after
        /// its dropout) and <paramref name="output"/> this layer's output.
        /// </summary>
        public virtual void EmitInputGradient(SourceWriter w, string delta, string previousDelta, string previousOutput, string input, string output)
        {
        }

        /// <summary>
        /// TrainParameters' gradients of the layer's parameters that fall in the slice <c>[first, end)</c> (and their L1/L2
        /// penalty, into <c>penalty</c>), summed over the <c>n</c> samples in order. <paramref name="input"/> and
        /// <paramref name="delta"/> are <c>ref float</c> expressions of the layer's inputs and deltas, <c>[n x size]</c>, and
        /// <paramref name="kept"/> of what its forward pass kept (<see cref="KeptPerRow"/>; the input when it keeps nothing),
        /// <paramref name="packedDelta"/> of the deltas in panels (<see cref="PackedDeltaPerRow"/>; the deltas when it packs none).
        /// </summary>
        public virtual void EmitParameterGradients(SourceWriter w, string input, string delta, string kept, string packedDelta)
        {
        }

        /// <summary>Statements of <c>InitializeState(state, counters)</c> that set the layer's state tensors (<see cref="StateTensors"/>).</summary>
        public virtual void EmitInitializeState(SourceWriter w)
        {
        }

        /// <summary>
        /// TrainRows' stage that computes the layer's batch statistics (<see cref="NeedsBatchStatistics"/>) for the channels
        /// of this part, from <paramref name="input"/>, the span of the whole batch's inputs, into its batch scratch
        /// <c>b{Index}</c>, updating its running statistics in <c>state</c>. <c>part</c> and <c>parts</c> are in scope.
        /// </summary>
        public virtual void EmitBatchStatistics(SourceWriter w, string input)
        {
        }

        /// <summary>
        /// TrainRows' stage before the layer's input gradient (for a layer with <see cref="NeedsBatchStatistics"/>): sums over
        /// the whole batch of its delta <paramref name="delta"/> and of what it kept <paramref name="kept"/> (spans of all the
        /// rows) for the channels of this part, into <c>b{Index}</c>.
        /// </summary>
        public virtual void EmitBatchGradientSums(SourceWriter w, string delta, string kept)
        {
        }

        /// <summary>The emitter of each layer of <paramref name="spec"/>, in order, with their parameter offsets.</summary>
        public static LayerEmitter[] Create(NetworkSpec spec)
        {
            var layers = new LayerEmitter[spec.Layers.Count];
            LayerEmitter? previous = null;
            int offset = 0, state = 0, counters = 0;
            for (int i = 0; i < layers.Length; i++)
            {
                LayerEmitter layer = spec.Layers[i] switch
                {
                    DenseSpec dense => new DenseEmitter(dense, i, previous, offset),
                    FlattenSpec flatten => new FlattenEmitter(flatten, i, previous, offset),
                    PoolSpec pool => new PoolEmitter(pool, i, previous, offset),
                    ConvSpec conv => new ConvEmitter(conv, i, previous, offset),
                    BatchNormSpec norm => new BatchNormEmitter(norm, i, previous, offset),
                    LayerSpec other => throw new InvalidOperationException("No emitter for " + other.GetType().Name + "."),
                };
                offset += layer.ParameterCount;
                layer.StateOffset = state;
                layer.CounterOffset = counters;
                state += layer.StateSize;
                counters += layer.CounterCount;
                layers[i] = previous = layer;
            }

            return layers;
        }
    }
}
