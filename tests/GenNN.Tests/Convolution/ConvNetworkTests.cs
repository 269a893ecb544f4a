using System.Globalization;
using GenNN.Kernels;
using GenNN.Tests.Numerics;

namespace GenNN.Tests.Convolution;

/// <summary>Smooth everywhere (Tanh, Sigmoid, average pooling), for finite differences without kinks.</summary>
[Network]
[Input(7, 6, 2)]
[Conv2D(4, 3, Activation.Tanh, Stride = 2, Padding = Padding.Same)]
[AvgPool2D(2, Stride = 1)]
[Conv2D(3, 2, Activation.Sigmoid, Padding = Padding.Same)]
[Flatten]
[Dense(2)]
public partial class SmoothConv { }

/// <summary>SmoothConv with a dropout between the pool and the second convolution (masks fixed by SeedDropout).</summary>
[Network]
[Input(7, 6, 2)]
[Conv2D(4, 3, Activation.Tanh, Stride = 2, Padding = Padding.Same)]
[AvgPool2D(2, Stride = 1)]
[Dropout(0.5)]
[Conv2D(3, 2, Activation.Sigmoid, Padding = Padding.Same)]
[Flatten]
[Dense(2)]
public partial class SmoothConvDrop { }

/// <summary>
/// Both convolutions hold more than 64K floats of padded input and deltas per sample, so their weight gradients walk the
/// batch one sample per block and carry the partial sums in the gradient buffer between blocks (ConvEmitter's WeightRows);
/// 16 filters are whole vectors on every path, which that needs.
/// </summary>
[Network]
[Input(40, 40, 8)]
[Conv2D(16, 3, Activation.Tanh, Padding = Padding.Same)]
[Conv2D(16, 3, Stride = 2, Padding = Padding.Same)]
[GlobalAvgPool2D]
[Dense(3)]
public partial class BlockedConv { }

/// <summary>
/// Convolutional networks beyond the golden values: central differences of TrainBatch's loss, TrainBatch split across
/// threads (the second phase cuts rows of the convolution weights) against one thread, and no allocation per call.
/// </summary>
public class ConvNetworkTests
{
    public static TheoryData<string> Names => new() { nameof(GoldenConvA), nameof(GoldenConvB), nameof(GoldenConv1D), nameof(SmoothConv) };

    private static INetwork Create(string name, int seed) => name switch
    {
        nameof(GoldenConvA) => new GoldenConvA(seed),
        nameof(GoldenConvB) => new GoldenConvB(seed),
        nameof(GoldenConv1D) => new GoldenConv1D(seed),
        nameof(BlockedConv) => new BlockedConv(seed),
        _ => new SmoothConv(seed),
    };

    private static void SetDegree(INetwork network, int? degree)
    {
        switch (network)
        {
            case GoldenConvA n: n.MaxDegreeOfParallelism = degree; break;
            case GoldenConvB n: n.MaxDegreeOfParallelism = degree; break;
            case GoldenConv1D n: n.MaxDegreeOfParallelism = degree; break;
            case SmoothConv n: n.MaxDegreeOfParallelism = degree; break;
            case BlockedConv n: n.MaxDegreeOfParallelism = degree; break;
        }
    }

    /// <summary>Inputs in [-1, 1) and targets (class indices, or values in [-1, 1)) for <paramref name="rows"/> samples.</summary>
    private static (float[] Inputs, float[] Targets) Data(INetwork network, int rows, int seed)
    {
        var random = new Random(seed);
        float[] inputs = Enumerable.Range(0, rows * network.InputSize).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        float[] targets = network.Loss == Loss.SoftmaxCrossEntropy
            ? Enumerable.Range(0, rows).Select(_ => (float)random.Next(network.OutputSize)).ToArray()
            : Enumerable.Range(0, rows * network.TargetSize).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        return (inputs, targets);
    }

    [Theory]
    [InlineData(nameof(SmoothConv))]
    [InlineData(nameof(SmoothConvDrop))]
    public void TrainBatch_gradient_matches_central_differences_of_its_loss(string name)
    {
        const int batch = 5;
        const float eps = 1e-2f;
        INetwork network = name == nameof(SmoothConv) ? new SmoothConv(3) : new SmoothConvDrop(3);
        (float[] inputs, float[] targets) = Data(network, batch, 4);
        float Train()
        {
            network.SeedDropout(7); // the same masks for every call: the loss is then smooth in the parameters
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
            if (Math.Abs(numeric - gradient[k]) > 1e-2 * Math.Abs(numeric) + 3e-4)
            {
                failures.Add(string.Format(CultureInfo.InvariantCulture, "parameter {0}: analytic {1}, numeric {2}", k, gradient[k], numeric));
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.Contains(gradient, g => Math.Abs(g) > 1e-3f); // not vacuous
    }

    // Multiply-adds per training sample, counted from the topologies as the generator counts them: a convolution's
    // OH x OW x window x filters for the forward pass and again for its weights, and a third time for its input when a
    // layer with parameters comes before it; a pool's output cells times its window; a Dense layer's weights three times.
    internal const long ConvATraining = 2 * (5 * 4 * 27 * 5) + 3 * (5 * 4 * 45 * 6) + 24 * 4 + 3 * (24 * 4);
    internal const long ConvBTraining = 2 * (6 * 6 * 18 * 17) + 153 * 4 + 3 * (3 * 3 * 68 * 9) + 3 * (81 * 3);
    internal const long Conv1DTraining = 2 * (9 * 6 * 5) + 3 * (5 * 20 * 3) + 3 * 5 + 3 * (3 * 2);
    internal const long BlockedConvTraining = 2 * (40 * 40 * 72 * 16) + 3 * (20 * 20 * 144 * 16) + 16 * 400 + 3 * (16 * 3);

    [Fact]
    public void A_weight_gradient_walked_in_blocks_of_samples_adds_up_every_block()
    {
        // The mean of five one-sample gradients (each one block, nothing carried) against the five-sample gradient (five
        // blocks, each added to the sums the last one stored): a block skipped, counted twice or started from zero
        // would be off by a fifth of the gradient or more.
        const int batch = 5;
        INetwork network = new BlockedConv(2);
        (float[] inputs, float[] targets) = Data(network, batch, 3);
        network.TrainBatch(inputs, targets, batch);
        float[] whole = network.Gradients.ToArray();
        var mean = new double[whole.Length];
        for (int s = 0; s < batch; s++)
        {
            network.TrainBatch(inputs.AsSpan(s * network.InputSize, network.InputSize), targets.AsSpan(s * network.TargetSize, network.TargetSize), 1);
            ReadOnlySpan<float> gradient = network.Gradients;
            for (int k = 0; k < mean.Length; k++)
            {
                mean[k] += gradient[k] / (double)batch;
            }
        }

        double scale = mean.Max(Math.Abs);
        Assert.True(scale > 1e-3, "the gradient is not vacuous");
        for (int k = 0; k < mean.Length; k++)
        {
            Assert.True(Math.Abs(whole[k] - mean[k]) <= 1e-5 * scale + 1e-4 * Math.Abs(mean[k]),
                string.Format(CultureInfo.InvariantCulture, "parameter {0}: batch gradient {1}, mean of the samples' {2}", k, whole[k], mean[k]));
        }
    }

    [Theory]
    [InlineData(nameof(GoldenConvA), 3)]
    [InlineData(nameof(GoldenConvB), 2)]
    [InlineData(nameof(GoldenConv1D), 2)]
    public void A_NaN_pixel_makes_its_sample_NaN_and_leaves_the_others_alone(string name, int channels)
    {
        // As in PyTorch: the NaN reaches every window over it, survives ReLU and max pooling, and the Dense layers spread
        // it to every output of its sample; padding and the other samples of the batch never see it.
        const int batch = 5, poisoned = 2;
        INetwork network = Create(name, 9);
        (float[] inputs, _) = Data(network, batch, 10);
        int n = network.InputSize, o = network.OutputSize;
        float[] clean = new float[batch * o], actual = new float[batch * o];
        network.PredictBatch(inputs, clean, batch);
        int middle = n / channels / 2 * channels; // every channel of the middle pixel
        for (int c = 0; c < channels; c++)
        {
            inputs[poisoned * n + middle + c] = float.NaN;
        }

        network.PredictBatch(inputs, actual, batch);
        for (int s = 0; s < batch; s++)
        {
            for (int k = 0; k < o; k++)
            {
                float value = actual[s * o + k];
                Assert.True(s == poisoned ? float.IsNaN(value) : BitConverter.SingleToInt32Bits(value) == BitConverter.SingleToInt32Bits(clean[s * o + k]),
                    $"{name} sample {s} output {k}: {value} (clean {clean[s * o + k]})");
            }
        }

        float[] one = new float[o];
        network.Predict(inputs.AsSpan(poisoned * n, n), one);
        Assert.All(one, v => Assert.True(float.IsNaN(v)));
    }

    [Fact]
    public void A_dropout_between_a_pool_and_a_convolution_passes_Predict_through()
    {
        var twin = new SmoothConv(3);
        var dropped = new SmoothConvDrop(3);
        Assert.True(twin.Parameters.SequenceEqual(dropped.Parameters), "A dropout draws no weights.");
        (float[] inputs, _) = Data(twin, 9, 5);
        float[] expected = new float[9 * SmoothConv.OutputSize], actual = new float[expected.Length];
        twin.PredictBatch(inputs, expected, 9);
        dropped.PredictBatch(inputs, actual, 9);
        Assert.Equal(expected, actual);
        twin.Predict(inputs.AsSpan(0, SmoothConv.InputSize), expected.AsSpan(0, SmoothConv.OutputSize));
        dropped.Predict(inputs.AsSpan(0, SmoothConv.InputSize), actual.AsSpan(0, SmoothConv.OutputSize));
        Assert.Equal(expected, actual);
    }

    [Theory]
    [InlineData(nameof(GoldenConvB), 2, 203, ConvBTraining)]
    [InlineData(nameof(GoldenConvB), 3, 203, ConvBTraining)]
    [InlineData(nameof(GoldenConvA), 4, 400, ConvATraining)]
    [InlineData(nameof(GoldenConv1D), 3, 4500, Conv1DTraining)]
    [InlineData(nameof(BlockedConv), 2, 40, BlockedConvTraining)]
    [InlineData(nameof(BlockedConv), 3, 48, BlockedConvTraining)]
    public void TrainBatch_on_parts_gives_one_thread_s_gradients_bit_for_bit(string name, int degree, int rows, long work)
    {
        Assert.Equal(degree, WorkerPool.TrainingParts(rows, work, degree)); // the call really is split
        INetwork network = Create(name, 11);
        (float[] inputs, float[] targets) = Data(network, rows, 12);

        (float Loss, float[] Gradients, float[] Outputs) Train(int threads)
        {
            SetDegree(network, threads);
            var outputs = new float[rows * network.OutputSize];
            float loss = network.TrainBatch(inputs, targets, rows, outputs);
            return (loss, network.Gradients.ToArray(), outputs);
        }

        var one = Train(1);
        var parts = Train(degree);
        Assert.True(parts.Gradients.AsSpan().SequenceEqual(one.Gradients), $"{name} gradients on {degree} threads differ from one thread's.");
        Assert.True(parts.Outputs.AsSpan().SequenceEqual(one.Outputs), $"{name} outputs on {degree} threads differ from one thread's.");
        NumericAssert.Close(parts.Loss, one.Loss, $"{name} loss on {degree} threads", tolerance: 1e-6);
    }

    [Fact]
    public void The_parameter_slices_of_parallel_training_cut_convolution_rows()
    {
        // GoldenConvB: layer 0's 306 weights and 17 biases, then layer 2's 612 weights in rows of 9 filters. Slices of whole
        // 16-float blocks start inside those rows, on 2 threads and on 3.
        int parameters = new GoldenConvB(1).Parameters.Length;
        Assert.Equal(323 + 621 + 246, parameters);
        foreach (int parts in new[] { 2, 3 })
        {
            (int first, _) = WorkerPool.PartRows(parameters, 1, parts, Optimizer.RangeAlignment);
            Assert.InRange(first, 323, 323 + 612 - 1);
            Assert.NotEqual(0, (first - 323) % 9);
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Predict_PredictBatch_TrainBatch_and_TrainOnBatch_allocate_nothing(string name)
    {
        const int batch = 13;
        INetwork network = Create(name, 5);
        float[] inputs = new float[batch * network.InputSize], outputs = new float[batch * network.OutputSize];
        float[] targets = new float[batch * network.TargetSize];
        var adam = new Adam(1e-3f);

        void Run(int iterations)
        {
            for (int i = 0; i < iterations; i++)
            {
                network.Predict(inputs.AsSpan(0, network.InputSize), outputs.AsSpan(0, network.OutputSize));
                network.PredictBatch(inputs, outputs, batch);
                network.TrainBatch(inputs, targets, batch, outputs);
                network.TrainOnBatch(inputs, targets, batch, adam);
            }
        }

        long allocated = Allocation.InLastWindow(Run);

        Assert.True(allocated == 0, $"{name}: 200 rounds allocated {allocated} bytes, in each of three windows.");
    }
}
