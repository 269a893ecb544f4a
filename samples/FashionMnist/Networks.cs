using GenNN;

namespace Samples.FashionMnist;

/// <summary>
/// The sample's network: 784-256-128-10 with dropout after each hidden layer (Keras:
/// <c>Dense(256, relu), Dropout(0.3), Dense(128, relu), Dropout(0.3), Dense(10, softmax)</c>).
/// </summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(784)]
[Dense(256, Activation.ReLU)]
[Dropout(0.3)]
[Dense(128, Activation.ReLU)]
[Dropout(0.3)]
[Dense(10, Activation.Softmax)]
public partial class FashionMnistNet
{
}

/// <summary>The smaller 784-64-64-10 network the benchmarks use (<c>--small</c>).</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(784)]
[Dense(64, Activation.ReLU)]
[Dense(64, Activation.ReLU)]
[Dense(10, Activation.Softmax)]
public partial class FashionMnistSmallNet
{
}
