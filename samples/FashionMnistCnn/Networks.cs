using GenNN;

namespace Samples.FashionMnistCnn;

/// <summary>
/// The sample's convolutional network (Keras: <c>Conv2D(32, 3, relu, padding="same"), MaxPooling2D(2),
/// Conv2D(64, 3, relu, padding="same"), MaxPooling2D(2), Dropout(0.25), Flatten(), Dense(128, relu), Dropout(0.4),
/// Dense(10, softmax)</c> on 28 x 28 x 1 images).
/// </summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(28, 28, 1)]
[Conv2D(32, 3, Activation.ReLU, Padding = Padding.Same)]
[MaxPool2D(2)]
[Conv2D(64, 3, Activation.ReLU, Padding = Padding.Same)]
[MaxPool2D(2)]
[Dropout(0.25)]
[Flatten]
[Dense(128, Activation.ReLU)]
[Dropout(0.4)]
[Dense(10, Activation.Softmax)]
public partial class FashionMnistCnn
{
}
