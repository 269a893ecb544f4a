using System.Globalization;
using GenNN.Kernels;
using GenNN.Tests.Numerics;

namespace GenNN.Tests.Normalization;

/// <summary>Smooth everywhere (Tanh, Sigmoid, average pooling), with BatchNorm after a convolution, after a Dense layer and on the input.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(6, 5, 3)]
[BatchNorm]
[Conv2D(4, 3, Activation.Tanh, Padding = Padding.Same)]
[BatchNorm(Activation.Sigmoid, Momentum = 0.3f, Epsilon = 1e-3f)]
[AvgPool2D(2)]
[Dropout(0.3)]
[Flatten]
[Dense(6)]
[BatchNorm(Activation.Tanh)]
[Dense(3, Activation.Softmax)]
public partial class SmoothBn { }

/// <summary>
/// BatchNorm beyond the golden values: central differences of TrainBatch's loss (the batch statistics depend on every
/// parameter before them), TrainBatch split across threads against one thread (the stages by channels), no allocation, and
/// NaN in Predict.
/// </summary>
public class BatchNormNetworkTests
{
    private static (float[] Inputs, float[] Targets) Data(INetwork network, int rows, int seed)
    {
        var random = new Random(seed);
        float[] inputs = Enumerable.Range(0, rows * network.InputSize).Select(_ => (float)(random.NextDouble() * 4 - 1)).ToArray();
        float[] targets = network.Loss == Loss.SoftmaxCrossEntropy
            ? Enumerable.Range(0, rows).Select(_ => (float)random.Next(network.OutputSize)).ToArray()
            : Enumerable.Range(0, rows * network.TargetSize).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        return (inputs, targets);
    }

    [Fact]
    public void TrainBatch_gradient_matches_central_differences_of_its_loss()
    {
        const int batch = 6;
        const float eps = 1e-2f;
        var network = new SmoothBn(3);
        var random = new Random(5);
        for (int k = 0; k < network.Parameters.Length; k++)
        {
            network.Parameters[k] += (float)(random.NextDouble() * 0.4 - 0.2); // BatchNorm weights and biases off 1 and 0
        }

        (float[] inputs, float[] targets) = Data(network, batch, 4);
        float Train()
        {
            network.SeedDropout(7);
            return network.TrainBatch(inputs, targets, batch);
        }

        Train();
        float[] gradient = network.Gradients.ToArray();
        float[] theta = network.Parameters.ToArray();
        var failures = new List<string>();
        for (int k = 0; k < theta.Length; k++)
        {
            network.Parameters[k] = theta[k] + eps;
            double plus = Train();
            network.Parameters[k] = theta[k] - eps;
            double minus = Train();
            network.Parameters[k] = theta[k];
            double numeric = (plus - minus) / (2 * eps);
            if (Math.Abs(numeric - gradient[k]) > 2e-2 * Math.Abs(numeric) + 5e-4)
            {
                failures.Add(string.Format(CultureInfo.InvariantCulture, "parameter {0}: analytic {1}, numeric {2}", k, gradient[k], numeric));
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.Contains(gradient, g => Math.Abs(g) > 1e-3f);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void TrainBatch_on_parts_gives_one_thread_s_gradients_state_and_outputs_bit_for_bit(int degree)
    {
        const int rows = 700;
        var network = new SmoothBn(11);
        Assert.Equal(degree, WorkerPool.TrainingParts(rows, TrainingMultiplyAdds(), degree)); // the call really is split
        (float[] inputs, float[] targets) = Data(network, rows, 12);
        float[] start = network.State.ToArray();

        (float Loss, float[] Gradients, float[] State, float[] Outputs) Train(int threads)
        {
            network.MaxDegreeOfParallelism = threads;
            network.SeedDropout(3);
            start.CopyTo(network.State);
            var outputs = new float[rows * SmoothBn.OutputSize];
            float loss = network.TrainBatch(inputs, targets, rows, outputs);
            return (loss, network.Gradients.ToArray(), network.State.ToArray(), outputs);
        }

        var one = Train(1);
        var parts = Train(degree);
        Assert.True(parts.Gradients.AsSpan().SequenceEqual(one.Gradients), $"gradients on {degree} threads differ from one thread's.");
        Assert.True(parts.State.AsSpan().SequenceEqual(one.State), $"running statistics on {degree} threads differ from one thread's.");
        Assert.True(parts.Outputs.AsSpan().SequenceEqual(one.Outputs), $"outputs on {degree} threads differ from one thread's.");
        Assert.False(one.State.AsSpan().SequenceEqual(start), "the batch moved the running statistics");
        NumericAssert.Close(parts.Loss, one.Loss, $"loss on {degree} threads", tolerance: 1e-6);
    }

    /// <summary>The generated TrainingMultiplyAdds of SmoothBn, which TrainBatch weighs a sample by when it splits a batch.</summary>
    private static long TrainingMultiplyAdds()
        => (long)typeof(SmoothBn).Assembly.GetTypes().Single(t => t.Name.EndsWith("SmoothBnKernels", StringComparison.Ordinal))
            .GetField("TrainingMultiplyAdds", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!.GetValue(null)!;

    [Fact]
    public void Predict_PredictBatch_TrainBatch_and_TrainOnBatch_allocate_nothing()
    {
        const int batch = 13;
        var network = new SmoothBn(5);
        (float[] inputs, float[] targets) = Data(network, batch, 6);
        float[] outputs = new float[batch * SmoothBn.OutputSize];
        var adam = new Adam(1e-3f);

        void Run(int iterations)
        {
            for (int i = 0; i < iterations; i++)
            {
                network.Predict(inputs.AsSpan(0, SmoothBn.InputSize), outputs.AsSpan(0, SmoothBn.OutputSize));
                network.PredictBatch(inputs, outputs, batch);
                network.TrainBatch(inputs, targets, batch, outputs);
                network.TrainOnBatch(inputs, targets, batch, adam);
            }
        }

        long allocated = Allocation.InLastWindow(Run);

        Assert.True(allocated == 0, $"200 rounds allocated {allocated} bytes, in each of three windows.");
    }

    [Fact]
    public void A_NaN_input_makes_its_sample_NaN_in_Predict_and_leaves_the_others_alone()
    {
        // Inference normalises with the running statistics: samples do not see one another.
        const int batch = 5, poisoned = 2;
        INetwork network = BatchNormGoldenTests.Load(nameof(GoldenBnA));
        (float[] inputs, _) = Data(network, batch, 10);
        int n = network.InputSize, o = network.OutputSize;
        float[] clean = new float[batch * o], actual = new float[batch * o];
        network.PredictBatch(inputs, clean, batch);
        inputs[poisoned * n + n / 2] = float.NaN;
        network.PredictBatch(inputs, actual, batch);
        for (int s = 0; s < batch; s++)
        {
            for (int k = 0; k < o; k++)
            {
                float value = actual[s * o + k];
                Assert.True(s == poisoned ? float.IsNaN(value) : BitConverter.SingleToInt32Bits(value) == BitConverter.SingleToInt32Bits(clean[s * o + k]),
                    $"sample {s} output {k}: {value} (clean {clean[s * o + k]})");
            }
        }
    }

    [Fact]
    public void A_NaN_running_variance_reaches_Predict_s_outputs()
    {
        // A corrupt state is not hidden: NaN propagates through the normalisation, as in PyTorch.
        INetwork network = BatchNormGoldenTests.Load(nameof(GoldenBn1D));
        network.State[5 + 2] = float.NaN; // layers.0.running_var of channel 2
        float[] output = new float[SmoothBn.OutputSize];
        network.Predict(new float[network.InputSize], output);
        Assert.All(output, v => Assert.True(float.IsNaN(v)));
    }
}
