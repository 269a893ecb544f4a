// Networks wide enough that WorkerPool splits their batches: about 52 000 multiply-adds per training sample and
// 21 000 per forward pass, so a batch of 203 makes 4 training parts and a batch of 1000 up to 10 PredictBatch parts.

namespace GenNN.Tests.Parallel;

[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(100)]
[Dense(128, Activation.ReLU)]
[Dense(64, Activation.Tanh)]
[Dense(10, Activation.Softmax)]
public partial class WideSce { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(100)]
[Dense(128, Activation.ReLU, L2 = 0.001f)]
[Dropout(0.25)]
[Dense(64, Activation.GELU)]
[Dropout(0.1)]
[Dense(5, Activation.Linear, L1 = 0.0005f)]
public partial class WideDropMse { }

// 520 inputs: a batch of 32+ rows on one thread reads the first layer's weights from a copy in panels; parts read them
// in place. Both give the same bits.
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(520)]
[Dense(64, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
public partial class WidePackSce { }

// 11 -> 395 -> 5: 6720 parameters, a bias of 395 floats after 4345 weights. Split into 3 slices of whole 16-float
// blocks, the second slice starts at 2240 (inside a row of layer 0's weights) and ends at 4480, inside the bias: the
// second phase's cut rows and cut biases.
[Network(Loss = Loss.MeanSquaredError)]
[Input(11)]
[Dense(395, Activation.ReLU, L2 = 0.001f)]
[Dense(5, Activation.Linear)]
public partial class CutSlices { }
