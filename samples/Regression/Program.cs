// Regression: 10 features -> 10 ReLU units -> 1 linear output, trained on mean squared error.
// The data is generated: y = sum_i c_i x_i + 0.5 sin(3 x_0) + noise.
using System;
using GenNN;

const int Samples = 2000;
var random = new Random(7);
float[] coefficients = { 0.8f, -1.2f, 0.5f, 2.0f, -0.3f, 0f, 1.1f, -0.7f, 0.25f, 0.9f };
var x = new float[Samples, RegressionNet.InputSize];
var y = new float[Samples, RegressionNet.OutputSize];
for (int s = 0; s < Samples; s++)
{
    float target = 0f;
    for (int i = 0; i < RegressionNet.InputSize; i++)
    {
        x[s, i] = (float)(random.NextDouble() * 2 - 1);
        target += coefficients[i] * x[s, i];
    }

    y[s, 0] = target + 0.5f * MathF.Sin(3 * x[s, 0]) + (float)(random.NextDouble() - 0.5) * 0.1f;
}

var (train, test) = Dataset.FromArrays(x, y).Split(testFraction: 0.2, seed: 1);
var model = new RegressionNet(seed: 1);
Trainer.Fit(model, train, new Adam(learningRate: 0.005f), epochs: 40, batchSize: 32, validation: test, seed: 1,
    onEpoch: e => { if (e.Epoch % 5 == 0) Console.WriteLine(e); });

EvaluationResult result = Trainer.Evaluate(model, test);
Console.WriteLine($"Test: {result}");

// Baseline: always predict the training mean.
double mean = 0;
for (int s = 0; s < train.Count; s++) mean += train.GetTargets(s)[0];
mean /= train.Count;
double baseline = 0;
for (int s = 0; s < test.Count; s++) baseline += Math.Pow(test.GetTargets(s)[0] - mean, 2);
baseline /= test.Count;
Console.WriteLine($"Test MSE {result.MeanSquaredError:F4} vs {baseline:F4} for predicting the mean (R^2 = {1 - result.MeanSquaredError / baseline:F3})");

Span<float> prediction = stackalloc float[1];
model.Predict(test.GetFeatures(0), prediction);
Console.WriteLine($"First test sample: predicted {prediction[0]:F3}, actual {test.GetTargets(0)[0]:F3}");

/// <summary>10 inputs, 10 ReLU units, 1 linear output; mean squared error.</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(10)]
[Dense(10, Activation.ReLU)]
[Dense(1, Activation.Linear)]
public partial class RegressionNet
{
}
