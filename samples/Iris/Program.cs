// Trains a 4-16-3 network on Fisher's iris data, saves it, loads it back and predicts.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using GenNN;
using Samples.Iris;

Console.WriteLine($"IrisNet: {IrisNet.Topology}, {IrisNet.ParameterCount} parameters");
var (model, scaler, test, history) = IrisExample.Train(onEpoch: Console.WriteLine);

EvaluationResult result = Trainer.Evaluate(model, test);
Console.WriteLine($"Test: {result}");
Console.WriteLine($"Test accuracy: {result.Accuracy:F4}");

string path = Path.GetFullPath("iris.safetensors");
model.Save(path);
Console.WriteLine($"Saved {path} ({new FileInfo(path).Length} bytes)");

IrisNet loaded = IrisNet.Load(path);
Span<float> before = stackalloc float[IrisNet.OutputSize];
Span<float> after = stackalloc float[IrisNet.OutputSize];
int identical = 0;
for (int row = 0; row < test.Count; row++)
{
    model.Predict(test.GetFeatures(row), before);
    loaded.Predict(test.GetFeatures(row), after);
    if (before.SequenceEqual(after)) identical++;
}

Console.WriteLine($"Reloaded model: {identical}/{test.Count} test predictions identical to the trained model's");

// A new flower, in centimetres: the model standardises it with the statistics saved in its file.
float[] flower = { 6.1f, 2.8f, 4.7f, 1.2f };
string name = loaded.PredictClassName(flower, after);
IReadOnlyList<string> classes = loaded.Preprocessing!.ClassNames!;
var scores = new string[classes.Count];
float p = 0;
for (int i = 0; i < scores.Length; i++)
{
    scores[i] = $"{classes[i]} {after[i]:F3}";
    if (classes[i] == name) p = after[i];
}

Console.WriteLine($"Flower [6.1, 2.8, 4.7, 1.2] -> {name} (p = {p:F3}; {string.Join(", ", scores)})");
Console.WriteLine($"Native AOT: dotnet publish samples/AotInference -c Release -o out/aot && out/aot/AotInference {path} 6.1 2.8 4.7 1.2");
return identical == test.Count ? 0 : 1;
