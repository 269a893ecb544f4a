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
