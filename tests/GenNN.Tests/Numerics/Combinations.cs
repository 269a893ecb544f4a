namespace GenNN.Tests.Numerics;

/// <summary>The activation and loss combinations the suite must cover.</summary>
public static class Combinations
{
    /// <summary>Every activation allowed on a hidden layer.</summary>
    public static readonly Activation[] Hidden =
        [Activation.Linear, Activation.ReLU, Activation.LeakyReLU, Activation.Sigmoid, Activation.Tanh];

    /// <summary>Every valid (output activation, loss) pair.</summary>
    public static readonly (Activation Output, Loss Loss)[] OutputPairs =
    [
        (Activation.Linear, Loss.MeanSquaredError),
        (Activation.ReLU, Loss.MeanSquaredError),
        (Activation.LeakyReLU, Loss.MeanSquaredError),
        (Activation.Sigmoid, Loss.MeanSquaredError),
        (Activation.Tanh, Loss.MeanSquaredError),
        (Activation.Softmax, Loss.MeanSquaredError),
        (Activation.Sigmoid, Loss.BinaryCrossEntropy),
        (Activation.Softmax, Loss.SoftmaxCrossEntropy),
    ];

    public static string Short(Loss loss) => loss switch
    {
        Loss.MeanSquaredError => "Mse",
        Loss.BinaryCrossEntropy => "Bce",
        Loss.SoftmaxCrossEntropy => "Sce",
        _ => loss.ToString(),
    };
}
