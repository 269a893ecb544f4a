using System;
using System.Linq;

namespace GenNN.Generator.Model
{
    /// <summary>Mirror of <c>GenNN.Activation</c> (the generator does not load the attributes assembly); values must match.</summary>
    internal enum ActivationKind
    {
        Linear = 0,
        ReLU = 1,
        LeakyReLU = 2,
        Sigmoid = 3,
        Tanh = 4,
        Softmax = 5,
        ELU = 6,
        GELU = 7,
        SiLU = 8,
        Softplus = 9,
        HardSigmoid = 10,
    }

    /// <summary>Mirror of <c>GenNN.Initializer</c>; values must match.</summary>
    internal enum InitializerKind
    {
        Default = 0,
        GlorotUniform = 1,
        GlorotNormal = 2,
        HeUniform = 3,
        HeNormal = 4,
        LeCunUniform = 5,
        LeCunNormal = 6,
        Zeros = 7,
        Constant = 8,
    }

    /// <summary>Mirror of <c>GenNN.Loss</c>; values must match.</summary>
    internal enum LossKind
    {
        MeanSquaredError = 0,
        BinaryCrossEntropy = 1,
        SoftmaxCrossEntropy = 2,
        MeanAbsoluteError = 3,
        Huber = 4,
        CategoricalCrossEntropy = 5,
    }

    /// <summary>
    /// The shape of one sample between layers, channels last: <c>(4)</c>, <c>(length, channels)</c> or
    /// <c>(height, width, channels)</c>. Every buffer holds a sample's floats in this order, row-major.
    /// </summary>
    /// <param name="Dimensions">The sizes, outermost first.</param>
    internal sealed record Shape(EquatableArray<int> Dimensions)
    {
        public Shape(params int[] dimensions)
            : this(new EquatableArray<int>(dimensions))
        {
        }

        public int Rank => Dimensions.Count;

        /// <summary>Floats per sample (checked against the generator's limits before any spec is built).</summary>
        public long Size
        {
            get
            {
                // Saturates instead of wrapping: Input(2097152, 2097152, 4194304) is 2^64 floats, which wrapped to 0.
                long size = 1;
                foreach (int d in Dimensions)
                {
                    size = d > 0 && size > long.MaxValue / d ? long.MaxValue : size * d;
                }

                return size;
            }
        }

        /// <summary>The dimensions as the topology writes them: <c>28, 28, 1</c>.</summary>
        public override string ToString() => string.Join(", ", Dimensions.Select(d => d.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    /// <summary>
    /// One layer of a network. Each kind (Dense, ...) is a sealed record deriving from this one, with its own fields;
    /// record equality compares the kind too, so a spec holding layers stays an equatable value. Each kind has its own
    /// emitter behind one seam (<c>GenNN.Generator.Emit.Layers.LayerEmitter</c>).
    /// </summary>
    internal abstract record LayerSpec;

    /// <summary>One dense layer: its input width, its units and its activation.</summary>
    /// <param name="Inputs">The layer's input width.</param>
    /// <param name="Units">The layer's output width.</param>
    /// <param name="Activation">The activation after the affine map.</param>
    /// <param name="NegativeSlope">LeakyReLU's slope below zero (0.01 unless set; unused by other activations).</param>
    /// <param name="L1">The L1 penalty factor of the weights (0: none).</param>
    /// <param name="L2">The L2 penalty factor of the weights (0: none).</param>
    /// <param name="KernelInitializer">How the weights start (Default: He or Glorot uniform by activation).</param>
    /// <param name="BiasValue">The biases' starting value (0 unless <c>BiasInitializer = Constant</c>).</param>
    internal sealed record DenseSpec(
        int Inputs, int Units, ActivationKind Activation, float NegativeSlope = DenseSpec.DefaultNegativeSlope, float L1 = 0f, float L2 = 0f,
        InitializerKind KernelInitializer = InitializerKind.Default, float BiasValue = 0f) : LayerSpec
    {
        /// <summary>Whether TrainBatch adds a weight penalty for this layer.</summary>
        public bool Regularized => L1 != 0f || L2 != 0f;

        /// <summary>PyTorch's default <c>negative_slope</c>, and <c>DenseAttribute.NegativeSlope</c>'s.</summary>
        public const float DefaultNegativeSlope = 0.01f;
    }

    /// <summary>Mirror of <c>GenNN.Padding</c>; values must match.</summary>
    internal enum PaddingKind
    {
        Valid = 0,
        Same = 1,
    }

    /// <summary>What a pooling window computes.</summary>
    internal enum PoolKind
    {
        Max,
        Average,
    }

    /// <summary>
    /// A pooling layer over the spatial dimensions of a channels-last input: <c>(height, width, channels)</c> for 2-D,
    /// <c>(length, channels)</c> for 1-D. A global pool's window is the whole input and its output is flat.
    /// </summary>
    /// <param name="Kind">Max or average.</param>
    /// <param name="Dimensions">2 or 1: the spatial dimensions.</param>
    /// <param name="Global">Whether the window is the whole input (GlobalAvgPool).</param>
    /// <param name="PoolSize">The window along each spatial dimension (unused when global).</param>
    /// <param name="Stride">The step between windows (unused when global).</param>
    /// <param name="Padding">Valid or Same (unused when global).</param>
    /// <param name="Input">The input shape, filled in by shape inference.</param>
    internal sealed record PoolSpec(PoolKind Kind, int Dimensions, bool Global, int PoolSize, int Stride, PaddingKind Padding, Shape Input) : LayerSpec
    {
        /// <summary>The attribute's name: <c>MaxPool2D</c>, <c>GlobalAvgPool1D</c>.</summary>
        public string Name => (Global ? "Global" : "") + (Kind == PoolKind.Max ? "MaxPool" : "AvgPool") + Dimensions.ToString(System.Globalization.CultureInfo.InvariantCulture) + "D";

        /// <summary>The output length along a spatial dimension of <paramref name="n"/> cells (Keras' formulas).</summary>
        public int OutputLength(int n) => Global ? 1 : Padding == PaddingKind.Same ? (int)(((long)n + Stride - 1) / Stride) : (n - PoolSize) / Stride + 1;

        /// <summary>The padding before the first cell of a dimension of <paramref name="n"/> cells: half the total, rounded down (Keras).</summary>
        public int PadBefore(int n) => Global || Padding == PaddingKind.Valid ? 0 : (int)(System.Math.Max((OutputLength(n) - 1L) * Stride + PoolSize - n, 0) / 2);
    }

    /// <summary>
    /// A convolution over the spatial dimensions of a channels-last input: <c>(height, width, channels)</c> for 2-D,
    /// <c>(length, channels)</c> for 1-D. Square kernels; the output has <see cref="Filters"/> channels.
    /// </summary>
    /// <param name="Dimensions">2 or 1: the spatial dimensions.</param>
    /// <param name="Filters">The output channels.</param>
    /// <param name="KernelSize">The kernel along each spatial dimension.</param>
    /// <param name="Stride">The step between windows.</param>
    /// <param name="Padding">Valid (no padding) or Same (zeros, Keras' split: the odd cell after).</param>
    /// <param name="Activation">The activation after the convolution.</param>
    /// <param name="NegativeSlope">LeakyReLU's slope below zero.</param>
    /// <param name="Input">The input shape, filled in by shape inference.</param>
    internal sealed record ConvSpec(int Dimensions, int Filters, int KernelSize, int Stride, PaddingKind Padding, ActivationKind Activation, float NegativeSlope, Shape Input) : LayerSpec
    {
        /// <summary>The attribute's name: <c>Conv2D</c>, <c>Conv1D</c>.</summary>
        public string Name => "Conv" + Dimensions.ToString(System.Globalization.CultureInfo.InvariantCulture) + "D";

        /// <summary>The input channels (the input's last dimension).</summary>
        public int Channels => Input.Dimensions[Input.Rank - 1];

        /// <summary>The output length along a spatial dimension of <paramref name="n"/> cells (Keras' and PyTorch's formulas).</summary>
        public int OutputLength(int n) => Padding == PaddingKind.Same ? (int)(((long)n + Stride - 1) / Stride) : (n - KernelSize) / Stride + 1;

        /// <summary>The zeros before the first cell of a dimension of <paramref name="n"/> cells: half the total, rounded down (Keras).</summary>
        public int PadBefore(int n) => Padding == PaddingKind.Valid ? 0 : (int)(System.Math.Max((OutputLength(n) - 1L) * Stride + KernelSize - n, 0) / 2);

        /// <summary>Weights and biases: <c>kernel^dimensions x channels x filters + filters</c>.</summary>
        public long ParameterCount => ((Dimensions == 2 ? (long)KernelSize * KernelSize : KernelSize) * Channels + 1) * Filters;
    }

    /// <summary>
    /// Batch normalisation over the channels (the last dimension) of its input, then an activation. Training normalises with
    /// the batch's statistics and updates the running ones; inference uses the running ones (PyTorch's semantics).
    /// </summary>
    /// <param name="Activation">The activation after the normalisation.</param>
    /// <param name="NegativeSlope">LeakyReLU's slope below zero.</param>
    /// <param name="Momentum">The weight of a batch's statistics in the running ones (PyTorch's <c>momentum</c>).</param>
    /// <param name="Epsilon">Added to the variance before its square root.</param>
    /// <param name="Input">The input shape, filled in by shape inference.</param>
    internal sealed record BatchNormSpec(ActivationKind Activation, float NegativeSlope, float Momentum, float Epsilon, Shape Input) : LayerSpec
    {
        /// <summary>PyTorch's defaults, and <c>BatchNormAttribute</c>'s.</summary>
        public const float DefaultMomentum = 0.1f, DefaultEpsilon = 1e-5f;

        /// <summary>The channels (the input's last dimension).</summary>
        public int Channels => Input.Dimensions[Input.Rank - 1];
    }

    /// <summary>A flatten layer: a sample of <paramref name="Input"/> shape as one dimension, in the same order.</summary>
    /// <param name="Input">The shape it flattens.</param>
    internal sealed record FlattenSpec(Shape Input) : LayerSpec;

    /// <summary>A dropout layer: the Dense layer whose outputs it drops (by index) and its rate.</summary>
    internal readonly record struct DropoutSpec(int After, float Rate);

    /// <summary>Everything the emitter needs to write one network: plain values only, no Roslyn objects.</summary>
    /// <param name="Namespace">The containing namespace, or null for the global namespace.</param>
    /// <param name="ClassName">The class name.</param>
    /// <param name="Input">The shape of one input sample, channels last.</param>
    /// <param name="Loss">The training loss.</param>
    /// <param name="Layers">The layers in source order (Dropout apart).</param>
    /// <param name="HuberDelta">The threshold of <see cref="LossKind.Huber"/> (1 unless set).</param>
    /// <param name="Dropouts">The dropout layers in source order (after a layer; identity outside TrainBatch).</param>
    internal sealed record NetworkSpec(
        string? Namespace, string ClassName, Shape Input, LossKind Loss, EquatableArray<LayerSpec> Layers, float HuberDelta = 1f,
        EquatableArray<DropoutSpec> Dropouts = default)
    {
        /// <summary>Floats per input sample.</summary>
        public int InputSize => (int)Input.Size;

        /// <summary>Whether TrainBatch draws dropout masks.</summary>
        public bool HasDropout => Dropouts.Count > 0;

        public string FullName => Namespace is null ? ClassName : Namespace + "." + ClassName;

        /// <summary>Whether the loss is computed from the last layer's logits (the cross-entropies) rather than its outputs.</summary>
        public bool FromLogits => Loss is LossKind.BinaryCrossEntropy or LossKind.SoftmaxCrossEntropy or LossKind.CategoricalCrossEntropy;

        /// <summary>Whether each sample's target is one float (a class label, or BCE's probability) rather than one per output.</summary>
        public bool ScalarTargets => Loss is LossKind.BinaryCrossEntropy or LossKind.SoftmaxCrossEntropy;
    }

    /// <summary>
    /// A class whose attributes have errors but whose declaration can take generated members (partial, plain, at
    /// namespace level, not generic): it gets the network's public members with no code behind them, so that the
    /// GNN errors are the only errors rather than one compile error at each use of the class.
    /// </summary>
    /// <param name="Namespace">The containing namespace, or null for the global namespace.</param>
    /// <param name="ClassName">The class name.</param>
    internal sealed record ShellSpec(string? Namespace, string ClassName)
    {
        public string FullName => Namespace is null ? ClassName : Namespace + "." + ClassName;
    }

    /// <summary>What parsing one class produced: a spec when it is valid, else its diagnostics and maybe a shell.</summary>
    internal sealed record ParseResult(NetworkSpec? Spec, EquatableArray<DiagnosticInfo> Diagnostics, ShellSpec? Shell = null);
}
