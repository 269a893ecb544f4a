// Native AOT inference: load a model saved by samples/Iris and classify one flower.
//   dotnet publish samples/AotInference -c Release -o out/aot
//   out/aot/AotInference iris.safetensors 6.1 2.8 4.7 1.2
// The features must be standardised as in training (samples/Iris prints the standardised values it uses).
using System;
using System.Globalization;
using System.IO;
using GenNN;

if (args.Length != 1 + IrisClassifier.InputSize)
{
    Console.Error.WriteLine($"usage: AotInference <model.safetensors> <{IrisClassifier.InputSize} standardised features>");
    return 2;
}

IrisClassifier model;
try
{
    model = IrisClassifier.Load(args[0]);
}
catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
{
    Console.Error.WriteLine($"cannot load {args[0]}: {e.Message}");
    return 1;
}

Span<float> features = stackalloc float[IrisClassifier.InputSize];
for (int i = 0; i < features.Length; i++)
{
    if (!float.TryParse(args[1 + i], NumberStyles.Float, CultureInfo.InvariantCulture, out features[i]))
    {
        Console.Error.WriteLine($"feature {i + 1}: '{args[1 + i]}' is not a number");
        return 2;
    }
}

Span<float> probabilities = stackalloc float[IrisClassifier.OutputSize];
model.Predict(features, probabilities);
string[] names = ["setosa", "versicolor", "virginica"];
int best = 0;
for (int i = 1; i < probabilities.Length; i++) if (probabilities[i] > probabilities[best]) best = i;
Console.WriteLine($"{names[best]} (p = {probabilities[best].ToString("F3", CultureInfo.InvariantCulture)})");
return 0;

/// <summary>The Iris sample's topology: any file it saved loads here, whatever the class is called.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(4)]
[Dense(16, Activation.ReLU)]
[Dense(3, Activation.Softmax)]
public partial class IrisClassifier
{
}
