// Native AOT inference: load a model saved by samples/Iris and classify one flower from its raw measurements.
//   dotnet publish samples/AotInference -c Release -o out/aot
//   out/aot/AotInference iris.safetensors 6.1 2.8 4.7 1.2
// The model file carries the standardizer fitted in training and the class names, so the measurements go in as
// measured (centimetres) and the answer comes out as a name.
using System;
using System.Globalization;
using System.IO;
using GenNN;

if (args.Length != 1 + IrisClassifier.InputSize)
{
    Console.Error.WriteLine($"usage: AotInference <model.safetensors> <{IrisClassifier.InputSize} measurements in cm: sepal length, sepal width, petal length, petal width>");
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

if (model.Preprocessing?.Standardizer is null || model.Preprocessing.ClassNames is null)
{
    Console.Error.WriteLine($"{args[0]} holds no standardizer and class names; save it with samples/Iris, which stores both.");
    return 1;
}

Span<float> features = stackalloc float[IrisClassifier.InputSize];
for (int i = 0; i < features.Length; i++)
{
    if (!float.TryParse(args[1 + i], NumberStyles.Float, CultureInfo.InvariantCulture, out features[i]) || !float.IsFinite(features[i]))
    {
        string feature = model.Preprocessing.FeatureNames?[i] ?? $"feature {i + 1}";
        Console.Error.WriteLine($"{feature}: '{args[1 + i]}' is not a finite number");
        return 2;
    }
}

Span<float> probabilities = stackalloc float[IrisClassifier.OutputSize];
string name = model.PredictClassName(features, probabilities);
float p = 0;
foreach (float v in probabilities) p = Math.Max(p, v);
Console.WriteLine($"{name} (p = {p.ToString("F3", CultureInfo.InvariantCulture)})");
return 0;

/// <summary>The Iris sample's topology: any file it saved loads here, whatever the class is called.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(4)]
[Dense(16, Activation.ReLU)]
[Dense(3, Activation.Softmax)]
public partial class IrisClassifier
{
}
