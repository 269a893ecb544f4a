// The engine matrix: every [Network] class the numerics suite runs against ReferenceNetwork.
// Each class has a row in NetworkCases.All with the same topology, written independently; the
// Metadata test checks the two agree (so a typo here cannot silently test the wrong thing).
// Sizes mix multiples of 8/16/64 (full vector tiles) with odd widths (1, 3, 7, 13, 17, 33, 65, 100) for remainders.

namespace GenNN.Tests.Numerics;

[Network(Loss = Loss.MeanSquaredError)]
[Input(3)]
[Dense(7, Activation.Linear)]
[Dense(3, Activation.Linear)]
public partial class Mse_I3_Lin7_Lin3 { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(7)]
[Dense(16, Activation.ReLU)]
[Dense(7, Activation.Linear)]
public partial class Mse_I7_Relu16_Lin7 { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(13)]
[Dense(17, Activation.LeakyReLU)]
[Dense(16, Activation.Linear)]
public partial class Mse_I13_Leaky17_Lin16 { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(16)]
[Dense(13, Activation.Sigmoid)]
[Dense(17, Activation.Linear)]
public partial class Mse_I16_Sig13_Lin17 { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(17)]
[Dense(3, Activation.Tanh)]
[Dense(13, Activation.Linear)]
public partial class Mse_I17_Tanh3_Lin13 { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(1)]
[Dense(33, Activation.Linear)]
[Dense(3, Activation.ReLU)]
public partial class Mse_I1_Lin33_Relu3 { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(33)]
[Dense(24, Activation.ReLU)]
[Dense(33, Activation.ReLU)]
public partial class Mse_I33_Relu24_Relu33 { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(8)]
[Dense(1, Activation.LeakyReLU)]
[Dense(8, Activation.ReLU)]
public partial class Mse_I8_Leaky1_Relu8 { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(3)]
[Dense(32, Activation.Sigmoid)]
[Dense(3, Activation.ReLU)]
public partial class Mse_I3_Sig32_Relu3 { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(7)]
[Dense(8, Activation.Tanh)]
[Dense(7, Activation.ReLU)]
public partial class Mse_I7_Tanh8_Relu7 { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(13)]
[Dense(65, Activation.Linear)]
[Dense(16, Activation.LeakyReLU)]
public partial class Mse_I13_Lin65_Leaky16 { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(16)]
[Dense(7, Activation.ReLU)]
[Dense(17, Activation.LeakyReLU)]
public partial class Mse_I16_Relu7_Leaky17 { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(17)]
[Dense(16, Activation.LeakyReLU)]
[Dense(13, Activation.LeakyReLU)]
public partial class Mse_I17_Leaky16_Leaky13 { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(1)]
[Dense(17, Activation.Sigmoid)]
[Dense(1, Activation.LeakyReLU)]
public partial class Mse_I1_Sig17_Leaky1 { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(33)]
[Dense(13, Activation.Tanh)]
[Dense(33, Activation.LeakyReLU)]
public partial class Mse_I33_Tanh13_Leaky33 { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(8)]
[Dense(3, Activation.Linear)]
[Dense(8, Activation.Sigmoid)]
public partial class Mse_I8_Lin3_Sig8 { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(3)]
[Dense(33, Activation.ReLU)]
[Dense(3, Activation.Sigmoid)]
public partial class Mse_I3_Relu33_Sig3 { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(7)]
[Dense(24, Activation.LeakyReLU)]
[Dense(7, Activation.Sigmoid)]
public partial class Mse_I7_Leaky24_Sig7 { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(13)]
[Dense(1, Activation.Sigmoid)]
[Dense(16, Activation.Sigmoid)]
public partial class Mse_I13_Sig1_Sig16 { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(16)]
[Dense(32, Activation.Tanh)]
[Dense(17, Activation.Sigmoid)]
public partial class Mse_I16_Tanh32_Sig17 { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(17)]
[Dense(8, Activation.Linear)]
[Dense(13, Activation.Tanh)]
public partial class Mse_I17_Lin8_Tanh13 { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(1)]
[Dense(65, Activation.ReLU)]
[Dense(1, Activation.Tanh)]
public partial class Mse_I1_Relu65_Tanh1 { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(33)]
[Dense(7, Activation.LeakyReLU)]
[Dense(33, Activation.Tanh)]
public partial class Mse_I33_Leaky7_Tanh33 { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(8)]
[Dense(16, Activation.Sigmoid)]
[Dense(8, Activation.Tanh)]
public partial class Mse_I8_Sig16_Tanh8 { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(3)]
[Dense(17, Activation.Tanh)]
[Dense(3, Activation.Tanh)]
public partial class Mse_I3_Tanh17_Tanh3 { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(7)]
[Dense(13, Activation.Linear)]
[Dense(7, Activation.Softmax)]
public partial class Mse_I7_Lin13_Soft7 { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(13)]
[Dense(3, Activation.ReLU)]
[Dense(16, Activation.Softmax)]
public partial class Mse_I13_Relu3_Soft16 { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(16)]
[Dense(33, Activation.LeakyReLU)]
[Dense(17, Activation.Softmax)]
public partial class Mse_I16_Leaky33_Soft17 { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(17)]
[Dense(24, Activation.Sigmoid)]
[Dense(13, Activation.Softmax)]
public partial class Mse_I17_Sig24_Soft13 { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(1)]
[Dense(1, Activation.Tanh)]
[Dense(5, Activation.Softmax)]
public partial class Mse_I1_Tanh1_Soft5 { }

[Network(Loss = Loss.BinaryCrossEntropy)]
[Input(33)]
[Dense(32, Activation.Linear)]
[Dense(1, Activation.Sigmoid)]
public partial class Bce_I33_Lin32_Sig1 { }

[Network(Loss = Loss.BinaryCrossEntropy)]
[Input(8)]
[Dense(8, Activation.ReLU)]
[Dense(1, Activation.Sigmoid)]
public partial class Bce_I8_Relu8_Sig1 { }

[Network(Loss = Loss.BinaryCrossEntropy)]
[Input(3)]
[Dense(65, Activation.LeakyReLU)]
[Dense(1, Activation.Sigmoid)]
public partial class Bce_I3_Leaky65_Sig1 { }

[Network(Loss = Loss.BinaryCrossEntropy)]
[Input(7)]
[Dense(7, Activation.Sigmoid)]
[Dense(1, Activation.Sigmoid)]
public partial class Bce_I7_Sig7_Sig1 { }

[Network(Loss = Loss.BinaryCrossEntropy)]
[Input(13)]
[Dense(16, Activation.Tanh)]
[Dense(1, Activation.Sigmoid)]
public partial class Bce_I13_Tanh16_Sig1 { }

[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(16)]
[Dense(17, Activation.Linear)]
[Dense(17, Activation.Softmax)]
public partial class Sce_I16_Lin17_Soft17 { }

[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(17)]
[Dense(13, Activation.ReLU)]
[Dense(13, Activation.Softmax)]
public partial class Sce_I17_Relu13_Soft13 { }

[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(1)]
[Dense(3, Activation.LeakyReLU)]
[Dense(5, Activation.Softmax)]
public partial class Sce_I1_Leaky3_Soft5 { }

[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(33)]
[Dense(33, Activation.Sigmoid)]
[Dense(33, Activation.Softmax)]
public partial class Sce_I33_Sig33_Soft33 { }

[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(8)]
[Dense(24, Activation.Tanh)]
[Dense(8, Activation.Softmax)]
public partial class Sce_I8_Tanh24_Soft8 { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(13)]
[Dense(17, Activation.Linear)]
public partial class Mse_I13_Lin17 { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(7)]
[Dense(16, Activation.ReLU)]
public partial class Mse_I7_Relu16 { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(100)]
[Dense(3, Activation.LeakyReLU)]
public partial class Mse_I100_Leaky3 { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(1)]
[Dense(33, Activation.Sigmoid)]
public partial class Mse_I1_Sig33 { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(16)]
[Dense(64, Activation.Tanh)]
public partial class Mse_I16_Tanh64 { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(17)]
[Dense(13, Activation.Softmax)]
public partial class Mse_I17_Soft13 { }

[Network(Loss = Loss.BinaryCrossEntropy)]
[Input(33)]
[Dense(1, Activation.Sigmoid)]
public partial class Bce_I33_Sig1 { }

[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(3)]
[Dense(100, Activation.Softmax)]
public partial class Sce_I3_Soft100 { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(100)]
[Dense(100, Activation.ReLU)]
[Dense(33, Activation.Tanh)]
[Dense(17, Activation.Linear)]
public partial class Mse_I100_Relu100_Tanh33_Lin17 { }

[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(33)]
[Dense(100, Activation.LeakyReLU)]
[Dense(16, Activation.Sigmoid)]
[Dense(13, Activation.Tanh)]
[Dense(7, Activation.Softmax)]
public partial class Sce_I33_Leaky100_Sig16_Tanh13_Soft7 { }

[Network(Loss = Loss.BinaryCrossEntropy)]
[Input(17)]
[Dense(16, Activation.Tanh)]
[Dense(33, Activation.ReLU)]
[Dense(1, Activation.Sigmoid)]
public partial class Bce_I17_Tanh16_Relu33_Sig1 { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(1)]
[Dense(13, Activation.Sigmoid)]
[Dense(7, Activation.LeakyReLU)]
[Dense(100, Activation.Softmax)]
public partial class Mse_I1_Sig13_Leaky7_Soft100 { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(7)]
[Dense(33, Activation.ReLU)]
[Dense(17, Activation.Sigmoid)]
[Dense(3, Activation.LeakyReLU)]
[Dense(16, Activation.Tanh)]
public partial class Mse_I7_Relu33_Sig17_Leaky3_Tanh16 { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(100)]
[Dense(1, Activation.Tanh)]
[Dense(100, Activation.Sigmoid)]
public partial class Mse_I100_Tanh1_Sig100 { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(16)]
[Dense(16, Activation.ReLU)]
[Dense(16, Activation.ReLU)]
[Dense(16, Activation.Linear)]
public partial class Mse_I16_Relu16_Relu16_Lin16 { }

[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(64)]
[Dense(64, Activation.ReLU)]
[Dense(32, Activation.Tanh)]
[Dense(8, Activation.Softmax)]
public partial class Sce_I64_Relu64_Tanh32_Soft8 { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(3)]
[Dense(65, Activation.LeakyReLU)]
[Dense(24, Activation.Linear)]
[Dense(9, Activation.Sigmoid)]
[Dense(1, Activation.Linear)]
public partial class Mse_I3_Leaky65_Lin24_Sig9_Lin1 { }

[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(13)]
[Dense(7, Activation.Tanh)]
[Dense(3, Activation.Softmax)]
public partial class Sce_I13_Tanh7_Soft3 { }

[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(200)]
[Dense(150, Activation.ReLU)]
[Dense(129, Activation.LeakyReLU)]
[Dense(10, Activation.Softmax)]
public partial class Sce_I200_Relu150_Leaky129_Soft10 { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(130)]
[Dense(2, Activation.ReLU)]
[Dense(144, Activation.Tanh)]
public partial class Mse_I130_Relu2_Tanh144 { }

// ELU, GELU, SiLU, Softplus, HardSigmoid (hidden: derivative after the kernel; GELU/SiLU/Softplus keep z), LeakyReLU
// with a chosen slope, and the losses MAE, Huber and categorical cross-entropy.

[Network(Loss = Loss.MeanSquaredError)]
[Input(7)]
[Dense(13, Activation.ELU)]
[Dense(5, Activation.GELU)]
public partial class Mse_I7_Elu13_Gelu5 { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(9)]
[Dense(17, Activation.GELU)]
[Dense(3, Activation.SiLU)]
public partial class Mse_I9_Gelu17_Silu3 { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(5)]
[Dense(16, Activation.SiLU)]
[Dense(7, Activation.Softplus)]
public partial class Mse_I5_Silu16_Softplus7 { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(13)]
[Dense(9, Activation.Softplus)]
[Dense(6, Activation.HardSigmoid)]
public partial class Mse_I13_Softplus9_HardSig6 { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(6)]
[Dense(11, Activation.HardSigmoid)]
[Dense(4, Activation.ELU)]
public partial class Mse_I6_HardSig11_Elu4 { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(7)]
[Dense(13, Activation.LeakyReLU, NegativeSlope = 0.2f)]
[Dense(5, Activation.LeakyReLU, NegativeSlope = 0.3f)]
public partial class Mse_I7_Leaky13s_Leaky5s { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(12)]
[Dense(9, Activation.GELU)]
public partial class Mse_I12_Gelu9 { }

[Network(Loss = Loss.MeanAbsoluteError)]
[Input(8)]
[Dense(12, Activation.GELU)]
[Dense(3, Activation.Linear)]
public partial class Mae_I8_Gelu12_Lin3 { }

[Network(Loss = Loss.MeanAbsoluteError)]
[Input(5)]
[Dense(7, Activation.Sigmoid)]
public partial class Mae_I5_Sig7 { }

[Network(Loss = Loss.Huber, HuberDelta = 0.5f)]
[Input(5)]
[Dense(10, Activation.SiLU)]
[Dense(4, Activation.Linear)]
public partial class Huber_I5_Silu10_Lin4 { }

[Network(Loss = Loss.Huber)]
[Input(3)]
[Dense(17, Activation.ReLU)]
[Dense(6, Activation.Tanh)]
public partial class Huber_I3_Relu17_Tanh6 { }

[Network(Loss = Loss.CategoricalCrossEntropy)]
[Input(6)]
[Dense(14, Activation.ELU)]
[Dense(5, Activation.Softmax)]
public partial class Cce_I6_Elu14_Soft5 { }

[Network(Loss = Loss.CategoricalCrossEntropy)]
[Input(4)]
[Dense(6, Activation.Softplus)]
[Dense(3, Activation.Softmax)]
public partial class Cce_I4_Softplus6_Soft3 { }

[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(20)]
[Dense(33, Activation.GELU)]
[Dense(17, Activation.SiLU)]
[Dense(4, Activation.Softmax)]
public partial class Sce_I20_Gelu33_Silu17_Soft4 { }

// L1/L2 weight penalties (Keras' kernel_regularizer).

[Network(Loss = Loss.MeanSquaredError)]
[Input(7)]
[Dense(16, Activation.ReLU, L2 = 0.01f)]
[Dense(5, Activation.Linear, L1 = 0.003f, L2 = 0.002f)]
public partial class Mse_I7_Relu16L2_Lin5L1L2 { }

[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(9)]
[Dense(12, Activation.Tanh, L1 = 0.004f)]
[Dense(4, Activation.Softmax, L2 = 0.01f)]
public partial class Sce_I9_Tanh12L1_Soft4L2 { }

// Wide layers: B above the AVX2 path's K-block budget (64 K floats), so those kernels walk K in blocks and carry
// partial sums in C; batches of 1, 3, 5, 8, 13, 64 and 65 cover the 6-row tile's 4-, 2- and 1-row remainders.

[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(300)]
[Dense(248, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
public partial class Sce_I300_Relu248_Soft10 { }

// An MNIST-sized first layer: 784 x 96 weights (294 KB) walked in K blocks, and read from a copy in panels by TrainBatch
// parts of 32+ rows and PredictBatch from 128 rows.
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(784)]
[Dense(96, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
public partial class Sce_I784_Relu96_Soft10 { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(13)]
[Dense(600, Activation.ReLU)]
[Dense(112, Activation.LeakyReLU)]
public partial class Mse_I13_Relu600_Leaky112 { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(7)]
[Dense(520, Activation.Tanh)]
[Dense(130, Activation.Linear)]
public partial class Mse_I7_Tanh520_Lin130 { }
