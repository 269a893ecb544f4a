namespace GenNN.Bench
{
    /// <summary>
    /// A small convolutional network with BatchNorm after the convolution and after a Dense layer, for .ci/isa-checks.sh:
    /// the implicit-GEMM convolution kernels, pooling, and BatchNorm's staged training under Native AOT, against the JIT.
    /// The first convolution's 16 filters are whole vectors on every path, so its weight gradient walks a batch in blocks
    /// of samples that carry their sums from block to block (13 samples a block here); the second's 9 filters take the
    /// one-walk kernel with an overlapping last vector, and its 16 channels in make Predict run it as Winograd F(2x2, 3x3)
    /// (runtime transforms on Vector256, chosen at run time, around generated GEMMs).
    /// </summary>
    [Network(Loss = Loss.SoftmaxCrossEntropy)]
    [Input(12, 10, 3)]
    [Conv2D(16, 3, Padding = Padding.Same)]
    [BatchNorm(Activation.ReLU)]
    [MaxPool2D(2)]
    [Conv2D(9, 3, Activation.ReLU)]
    [Flatten]
    [Dense(16)]
    [BatchNorm(Activation.ReLU)]
    [Dense(4, Activation.Softmax)]
    public partial class ConvBn { }
}
