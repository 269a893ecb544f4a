// Binary classification: 8 features -> 10 ReLU -> 8 ReLU -> 1 sigmoid, trained on binary cross-entropy.
// The data is generated: a point is positive when w . x + x0 x1 > 0 (a curved boundary).
using System;
using GenNN;

const int Samples = 2000;
var random = new Random(3);
float[] w = { 1.0f, -0.6f, 0.4f, 0.9f, -1.1f, 0.3f, -0.2f, 0.7f };
var x = new float[Samples, BinaryNet.InputSize];
var labels = new float[Samples];
for (int s = 0; s < Samples; s++)
{
    float score = 0f;
    for (int i = 0; i < BinaryNet.InputSize; i++)
    {
        x[s, i] = (float)(random.NextDouble() * 2 - 1);
        score += w[i] * x[s, i];
    }

    labels[s] = score + 2f * x[s, 0] * x[s, 1] > 0f ? 1f : 0f;
}

var (train, test) = Dataset.FromArrays(x, labels).Split(testFraction: 0.2, seed: 1);
var model = new BinaryNet(seed: 1);
Trainer.Fit(model, train, new Adam(learningRate: 0.01f), epochs: 30, batchSize: 32, validation: test, seed: 1,
    onEpoch: e => { if (e.Epoch % 5 == 0) Console.WriteLine(e); });

EvaluationResult result = Trainer.Evaluate(model, test);
Console.WriteLine($"Test: {result}");

Span<float> probability = stackalloc float[1];
model.Predict(test.GetFeatures(0), probability);
Console.WriteLine($"First test sample: p(positive) = {probability[0]:F3}, label {test.GetTargets(0)[0]}");

/// <summary>8 inputs, two ReLU layers, one sigmoid probability; binary cross-entropy.</summary>
[Network(Loss = Loss.BinaryCrossEntropy)]
[Input(8)]
[Dense(10, Activation.ReLU)]
[Dense(8, Activation.ReLU)]
[Dense(1, Activation.Sigmoid)]
public partial class BinaryNet
{
}
