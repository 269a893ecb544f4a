using System.Globalization;
using GenNN.Kernels;

namespace GenNN.Tests.Numerics;

/// <summary>
/// <c>[Dropout(rate)]</c>: inverted dropout in TrainBatch from a seeded counter-based mask, identity in Predict and
/// PredictBatch, no parameters in model files, named in the topology.
/// </summary>
public class DropoutTests
{
    private const int Batch = 6;

    private static (float[] Inputs, float[] Targets) Data(INetwork network, int seed)
    {
        var random = new Random(seed);
        float[] inputs = Enumerable.Range(0, Batch * network.InputSize).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        float[] targets = network.Loss == Loss.SoftmaxCrossEntropy
            ? Enumerable.Range(0, Batch).Select(_ => (float)random.Next(network.OutputSize)).ToArray()
            : Enumerable.Range(0, Batch * network.OutputSize).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        return (inputs, targets);
    }

    [Fact]
    public void Topology_names_the_dropouts_and_the_file_holds_only_the_dense_tensors()
    {
        var network = new DropNet(1);
        Assert.Equal("Input(9) -> Dense(17, Tanh) -> Dropout(0.3) -> Dense(12, GELU) -> Dropout(0.25) -> Dropout(0.1) -> Dense(4, Softmax)", DropNet.Topology);
        Assert.Equal(DropNetPlain.ParameterCount, DropNet.ParameterCount);

        using var stream = new MemoryStream();
        network.Save(stream);
        stream.Position = 0;
        DropNet loaded = DropNet.Load(stream);
        Assert.True(loaded.Parameters.SequenceEqual(network.Parameters));
    }

    [Fact]
    public void A_model_trained_with_dropout_loads_into_the_class_without_it_and_back()
    {
        // Keras' load_weights ignores Dropout, which holds no parameters: an inference build may leave it out.
        var trained = new DropNet(5);
        (float[] inputs, float[] targets) = Data(trained, 6);
        trained.TrainOnBatch(inputs, targets, Batch, new Adam(1e-2f));
        using var file = new MemoryStream();
        trained.Save(file);

        file.Position = 0;
        DropNetPlain plain = DropNetPlain.Load(file);
        Assert.True(plain.Parameters.SequenceEqual(trained.Parameters));
        var a = new float[Batch * 4];
        var b = new float[Batch * 4];
        trained.PredictBatch(inputs, a, Batch);
        plain.PredictBatch(inputs, b, Batch);
        Assert.Equal(a, b);

        using var back = new MemoryStream();
        plain.Save(back);
        back.Position = 0;
        Assert.True(DropNet.Load(back).Parameters.SequenceEqual(trained.Parameters)); // to fine-tune with dropout again

        // Any other difference is still a different network.
        file.Position = 0;
        var e = Assert.Throws<InvalidDataException>(() => ZeroDropNetPlain.Load(file));
        Assert.Contains("Topology mismatch", e.Message);
        Assert.Contains("(only Dropout layers may differ)", e.Message);
    }

    [Fact]
    public void Predict_and_PredictBatch_pass_the_outputs_through()
    {
        var network = new DropNet(2);
        var plain = new DropNetPlain(2);
        network.Parameters.CopyTo(plain.Parameters);
        (float[] inputs, _) = Data(network, 3);
        var a = new float[Batch * 4];
        var b = new float[Batch * 4];
        network.PredictBatch(inputs, a, Batch);
        plain.PredictBatch(inputs, b, Batch);
        Assert.Equal(b, a);

        network.Predict(inputs.AsSpan(0, 9), a.AsSpan(0, 4));
        plain.Predict(inputs.AsSpan(0, 9), b.AsSpan(0, 4));
        Assert.Equal(b.AsSpan(0, 4).ToArray(), a.AsSpan(0, 4).ToArray());
    }

    [Fact]
    public void Rate_zero_trains_bit_for_bit_like_no_dropout()
    {
        var network = new ZeroDropNet(4);
        var plain = new ZeroDropNetPlain(4);
        network.Parameters.CopyTo(plain.Parameters);
        (float[] inputs, float[] targets) = Data(network, 5);
        Assert.Equal(plain.TrainBatch(inputs, targets, Batch), network.TrainBatch(inputs, targets, Batch));
        Assert.True(network.Gradients.SequenceEqual(plain.Gradients));
    }

    [Fact]
    public void Masks_are_reproducible_from_the_seed_and_new_on_every_call()
    {
        var network = new DropNet(6);
        var twin = new DropNet(6);
        (float[] inputs, float[] targets) = Data(network, 7);

        float first = network.TrainBatch(inputs, targets, Batch);
        float[] g1 = network.Gradients.ToArray();
        float second = network.TrainBatch(inputs, targets, Batch);
        Assert.NotEqual(first, second); // a new mask, same data and weights
        Assert.False(network.Gradients.SequenceEqual(g1));

        // The same constructor seed gives the same sequence of masks.
        Assert.Equal(first, twin.TrainBatch(inputs, targets, Batch));
        Assert.True(twin.Gradients.SequenceEqual(g1));

        // SeedDropout restarts a sequence, through the interface.
        INetwork seeded = network;
        seeded.SeedDropout(99);
        float a = network.TrainBatch(inputs, targets, Batch);
        float[] ga = network.Gradients.ToArray();
        network.TrainBatch(inputs, targets, Batch);
        seeded.SeedDropout(99);
        Assert.Equal(a, network.TrainBatch(inputs, targets, Batch));
        Assert.True(network.Gradients.SequenceEqual(ga));
    }

    [Fact]
    public void Gradient_matches_central_differences_with_a_fixed_mask()
    {
        var network = new DropNet(8);
        var random = new Random(9);
        for (int i = 0; i < DropNet.ParameterCount; i++)
        {
            network.Parameters[i] += (float)(random.NextDouble() * 0.2 - 0.1); // non-zero biases
        }

        (float[] inputs, float[] targets) = Data(network, 10);
        float Loss()
        {
            network.SeedDropout(42);
            return network.TrainBatch(inputs, targets, Batch);
        }

        float loss0 = Loss();
        float[] gradient = network.Gradients.ToArray();
        const float eps = 1e-2f;
        var failures = new List<string>();
        int significant = 0;
        int[] indices = Enumerable.Range(0, 60).Select(_ => random.Next(DropNet.ParameterCount)).Distinct().ToArray();
        foreach (int k in indices)
        {
            float theta = network.Parameters[k];
            network.Parameters[k] = theta + eps;
            float plus = Loss();
            network.Parameters[k] = theta - eps;
            float minus = Loss();
            network.Parameters[k] = theta;
            double fd = ((double)plus - minus) / (2 * eps);
            double allowed = 1e-2 * Math.Max(Math.Abs(fd), Math.Abs(gradient[k])) + 3e-5 * Math.Max(1, Math.Abs(loss0));
            if (Math.Abs(gradient[k]) > 1e-3) significant++;
            if (Math.Abs(fd - gradient[k]) > allowed)
            {
                failures.Add(string.Create(CultureInfo.InvariantCulture, $"#{k}: TrainBatch {gradient[k]:R}, central difference {fd:R}"));
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(significant >= indices.Length / 3, $"Only {significant} of {indices.Length} gradients are clearly non-zero.");

        // The mask is in the gradient: it differs from the same weights' gradient without dropout.
        var plain = new DropNetPlain(1);
        network.Parameters.CopyTo(plain.Parameters);
        plain.TrainBatch(inputs, targets, Batch);
        Assert.False(plain.Gradients.SequenceEqual(gradient));
    }

    [Fact]
    public void TrainBatch_with_dropout_allocates_nothing_after_warm_up()
    {
        var network = new DropNet(13);
        (float[] inputs, float[] targets) = Data(network, 14);
        Assert.Equal(0, Allocation.InLastWindow(iterations =>
        {
            for (int i = 0; i < iterations; i++) network.TrainBatch(inputs, targets, Batch);
        }));
    }

    [Theory]
    [InlineData(0.1f)]
    [InlineData(0.3f)]
    [InlineData(0.5f)]
    [InlineData(0.9f)]
    public void The_kept_fraction_is_one_minus_the_rate_and_kept_values_are_scaled(float rate)
    {
        const int n = 200_003;
        float[] ones = Enumerable.Repeat(1f, n).ToArray();
        var output = new float[n];
        Dropout.Forward(ones, output, rate, Dropout.Stream(1, 0), 0);
        int kept = output.Count(v => v != 0f);
        double expected = 1 - rate, sd = Math.Sqrt(rate * (1 - rate) / n);
        Assert.InRange((double)kept / n, expected - 5 * sd, expected + 5 * sd);
        Assert.All(output.Where(v => v != 0f), v => Assert.Equal(1f / (1f - rate), v));

        // Another layer, and the next call, draw independent masks: they agree on about p^2 + q^2 of the elements.
        var other = new float[n];
        Dropout.Forward(ones, other, rate, Dropout.Stream(1, 0), 1);
        var next = new float[n];
        Dropout.Forward(ones, next, rate, Dropout.Stream(1, 1), 0);
        double agree = rate * rate + (1 - rate) * (1 - rate), sdAgree = Math.Sqrt(agree * (1 - agree) / n);
        Assert.InRange(Enumerable.Range(0, n).Count(i => (output[i] != 0) == (other[i] != 0)) / (double)n, agree - 5 * sdAgree, agree + 5 * sdAgree);
        Assert.InRange(Enumerable.Range(0, n).Count(i => (output[i] != 0) == (next[i] != 0)) / (double)n, agree - 5 * sdAgree, agree + 5 * sdAgree);
    }

    [Fact]
    public void The_vector_loop_scalar_tail_and_backward_pass_use_one_mask()
    {
        // 37 elements: nine Vector128 steps and a scalar tail (and all-scalar under DOTNET_EnableHWIntrinsic=0).
        var random = new Random(11);
        float[] x = Enumerable.Range(0, 37).Select(_ => (float)random.NextDouble() + 0.5f).ToArray();
        var y = new float[37];
        ulong stream = Dropout.Stream(12345, 7);
        Dropout.Forward(x, y, 0.4f, stream, 2);
        float[] g = Enumerable.Repeat(1f, 37).ToArray();
        Dropout.Backward(g, 0.4f, stream, 2);
        for (int i = 0; i < 37; i++)
        {
            bool kept = Dropout.IsKept(0.4f, stream, 2, i);
            Assert.Equal(kept ? x[i] * (1f / 0.6f) : 0f, y[i]);
            Assert.Equal(kept ? 1f / 0.6f : 0f, g[i]);
        }
    }

    [Fact]
    public void A_NaN_stays_NaN_where_it_is_dropped()
    {
        float[] x = Enumerable.Repeat(float.NaN, 16).ToArray();
        var y = new float[16];
        Dropout.Forward(x, y, 0.5f, 3, 0);
        Assert.All(y, v => Assert.True(float.IsNaN(v)));
    }
}

[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(9)]
[Dense(17, Activation.Tanh)]
[Dropout(0.3)]
[Dense(12, Activation.GELU)]
[Dropout(0.25)]
[Dropout(0.1f)]
[Dense(4, Activation.Softmax)]
public partial class DropNet { }

[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(9)]
[Dense(17, Activation.Tanh)]
[Dense(12, Activation.GELU)]
[Dense(4, Activation.Softmax)]
public partial class DropNetPlain { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(9)]
[Dense(16, Activation.Sigmoid)]
[Dropout(0)]
[Dense(3)]
public partial class ZeroDropNet { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(9)]
[Dense(16, Activation.Sigmoid)]
[Dense(3)]
public partial class ZeroDropNetPlain { }
