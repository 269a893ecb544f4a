using GenNN;

namespace Samples.Iris;

/// <summary>4 measurements in, 16 ReLU units, 3 class probabilities out. The generator writes the rest.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(4)]
[Dense(16, Activation.ReLU)]
[Dense(3, Activation.Softmax)]
public partial class IrisNet
{
}
