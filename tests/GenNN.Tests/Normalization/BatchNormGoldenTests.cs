using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace GenNN.Tests.Normalization;

[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(9, 7, 3)]
[Conv2D(10, 3, Padding = Padding.Same)]
[BatchNorm(Activation.ReLU)]
[MaxPool2D(2)]
[Flatten]
[Dense(11)]
[BatchNorm(Activation.Tanh)]
[Dense(4, Activation.Softmax)]
public partial class GoldenBnA { }

[Network]
[Input(12, 5)]
[BatchNorm]
[Conv1D(7, 3, Stride = 2, Padding = Padding.Same)]
[BatchNorm(Activation.LeakyReLU)]
[GlobalAvgPool1D]
[Dense(3)]
public partial class GoldenBn1D { }

/// <summary>
/// BatchNorm against PyTorch (Data/make_bn_golden.py, Debian's torch 1.13): a torch state_dict with running statistics and
/// num_batches_tracked loads; Predict and PredictBatch give torch's eval() outputs; TrainBatch gives its train() outputs, mean
/// loss and gradients for batches of 13 and 2, and moves the running statistics as torch does; one SGD and one Adam step give
/// torch's parameters. The networks cover BatchNorm after a convolution (per channel over samples and pixels), after a Dense
/// layer (per feature over samples), on the input itself, after a strided 1-D convolution, and 10, 11, 5 and 7 channels:
/// no multiple of any vector width.
/// </summary>
public class BatchNormGoldenTests
{
    private static readonly Lazy<JsonDocument> Golden = new(() =>
        JsonDocument.Parse(File.ReadAllText(DataPath("bn_golden.json"))));

    public static TheoryData<string> Cases => new() { nameof(GoldenBnA), nameof(GoldenBn1D) };

    private static string DataPath(string file) => Path.Combine(AppContext.BaseDirectory, "Data", file);

    internal static INetwork Load(string name, string suffix = "")
    {
        string path = DataPath("bn_" + name + suffix + ".safetensors");
        return name == nameof(GoldenBnA) ? GoldenBnA.Load(path) : GoldenBn1D.Load(path);
    }

    private static JsonElement Case(string name)
        => Golden.Value.RootElement.GetProperty("cases").EnumerateArray().Single(e => e.GetProperty("name").GetString() == name);

    private static float[] Floats(string name, string key) => Case(name).GetProperty(key).EnumerateArray().Select(e => e.GetSingle()).ToArray();

    [Theory]
    [MemberData(nameof(Cases))]
    public void Predict_uses_the_running_statistics_as_PyTorch_eval_does(string name)
    {
        INetwork network = Load(name);
        float[] inputs = Floats(name, "inputs"), expected = Floats(name, "eval_outputs");
        int batch = 13, o = network.OutputSize;
        var actual = new float[batch * o];
        network.PredictBatch(inputs, actual, batch);
        AssertClose(expected, actual, 2e-5, name + " PredictBatch");
        for (int s = 0; s < batch; s++)
        {
            network.Predict(inputs.AsSpan(s * network.InputSize, network.InputSize), actual.AsSpan(s * o, o));
        }

        AssertClose(expected, actual, 2e-5, name + " Predict");
        AssertClose(Load(name).State, network.State, 0, name + " Predict leaves the running statistics alone");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void TrainBatch_gives_PyTorch_train_outputs_loss_gradients_and_running_statistics(string name)
    {
        INetwork network = Load(name);
        float[] inputs = Floats(name, "inputs"), targets = Floats(name, "targets");
        int batch = 13, o = network.OutputSize;
        var outputs = new float[batch * o];
        float loss = network.TrainBatch(inputs, targets, batch, outputs);
        float expected = Case(name).GetProperty("mean_loss").GetSingle();
        Assert.True(Math.Abs(loss - expected) <= 1e-5 * (1 + Math.Abs(expected)), $"{name}: loss {loss}, PyTorch {expected}");
        AssertClose(Floats(name, "train_outputs"), outputs, 2e-5, name + " TrainBatch outputs");
        INetwork torch = Load(name, "_gradients");
        AssertClose(torch.Parameters, network.Gradients, 1e-4, name + " gradients, batch 13");
        AssertClose(torch.State, network.State, 1e-5, name + " running statistics after one batch");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void TrainBatch_counts_the_batch_in_num_batches_tracked(string name)
    {
        // (Apart from the test above: reading the counters saves the network, whose SHA-256 needs OpenSSL, which the
        // KernelRunner's linux-arm64 run under qemu does not have.)
        INetwork network = Load(name);
        Assert.All(Counters(network), c => Assert.Equal(7, c));
        network.TrainBatch(Floats(name, "inputs"), Floats(name, "targets"), 13);
        Assert.Equal(Counters(Load(name, "_gradients")), Counters(network));
        Assert.All(Counters(network), c => Assert.Equal(8, c));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void TrainBatch_of_2_matches_PyTorch(string name)
    {
        INetwork network = Load(name);
        float[] inputs = Floats(name, "inputs"), targets = Floats(name, "targets");
        float loss = network.TrainBatch(inputs.AsSpan(0, 2 * network.InputSize), targets.AsSpan(0, 2 * network.TargetSize), 2);
        float expected = Case(name).GetProperty("mean_loss2").GetSingle();
        Assert.True(Math.Abs(loss - expected) <= 1e-5 * (1 + Math.Abs(expected)), $"{name}: loss {loss}, PyTorch {expected}");
        INetwork torch = Load(name, "_gradients2");
        // Two samples make the Dense layer's BatchNorm ill-conditioned: each feature's two normalised values are +-1, and
        // its input gradient is the small difference of two nearly equal terms, scaled by 1 / std. Float32 rounding of that
        // difference, in PyTorch's arithmetic and in ours, reaches 1.4e-4 of the gradients before it.
        AssertClose(torch.Parameters, network.Gradients, name == nameof(GoldenBnA) ? 1e-3 : 1e-4, name + " gradients, batch 2");
        AssertClose(torch.State, network.State, 1e-5, name + " running statistics after a batch of 2");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void One_SGD_and_one_Adam_step_match_PyTorch_and_leave_the_state_to_the_forward_pass(string name)
    {
        float[] inputs = Floats(name, "inputs"), targets = Floats(name, "targets");
        float[] start = Load(name).Parameters.ToArray();
        float[] gradients = Load(name, "_gradients").Parameters.ToArray();
        foreach ((string suffix, Optimizer optimizer) in new (string, Optimizer)[] { ("_sgd", new Sgd(0.1f)), ("_adam", new Adam(0.01f)) })
        {
            INetwork network = Load(name);
            network.TrainOnBatch(inputs, targets, 13, optimizer);
            INetwork torch = Load(name, suffix);
            for (int i = 0; i < start.Length; i++)
            {
                if (suffix == "_adam" && Math.Abs(gradients[i]) < 1e-6f)
                {
                    // A bias before a BatchNorm layer has a zero gradient (the normalisation removes any shift): what is
                    // left is rounding noise, whose sign Adam's first step turns into a whole step of lr either way.
                    Assert.True(Math.Abs(network.Parameters[i] - start[i]) <= 0.0101f, $"{name}{suffix} [{i}] moved more than one step");
                    continue;
                }

                float expected = torch.Parameters[i];
                Assert.True(Math.Abs(network.Parameters[i] - expected) <= 1e-5 * (1 + Math.Abs(expected)), $"{name}{suffix} [{i}]: {network.Parameters[i]} vs {expected}");
            }

            AssertClose(torch.State, network.State, 1e-5, name + suffix + " state");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Save_and_Load_keep_parameters_running_statistics_and_the_batch_count(string name)
    {
        INetwork network = Load(name);
        float[] inputs = Floats(name, "inputs"), targets = Floats(name, "targets");
        network.TrainOnBatch(inputs, targets, 13, new Adam(0.01f));
        var stream = new MemoryStream();
        Save(network, stream);
        stream.Position = 0;
        INetwork loaded = name == nameof(GoldenBnA) ? GoldenBnA.Load(stream) : GoldenBn1D.Load(stream);
        Assert.True(network.Parameters.SequenceEqual(loaded.Parameters));
        Assert.True(network.State.SequenceEqual(loaded.State));
        Assert.Equal(Counters(network), Counters(loaded));
    }

    [Fact]
    public void A_new_network_starts_with_weights_1_biases_0_means_0_and_variances_1()
    {
        var network = new GoldenBnA(3);
        Assert.Equal(2 * (10 + 11), network.State.Length);
        Assert.Equal(GoldenBnA.StateSize, network.State.Length);
        Assert.True(network.State.Slice(0, 10).ToArray().All(v => v == 0f) && network.State.Slice(10, 10).ToArray().All(v => v == 1f));
        Assert.True(network.State.Slice(20, 11).ToArray().All(v => v == 0f) && network.State.Slice(31, 11).ToArray().All(v => v == 1f));
        int bn = (3 * 3 * 3 + 1) * 10; // layers.1 after the convolution's 280 parameters
        Assert.True(network.Parameters.Slice(bn, 10).ToArray().All(v => v == 1f) && network.Parameters.Slice(bn + 10, 10).ToArray().All(v => v == 0f));
        Assert.Equal(new long[] { 0, 0 }, Counters(network));
        Assert.Contains("Non-trainable params: 42 (168.00 B)", GoldenBnA.Summary());
        Assert.Contains("BatchNorm(ReLU)", GoldenBnA.Topology);
    }

    [Fact]
    public void A_batch_of_1_after_a_Dense_layer_is_rejected_as_in_PyTorch_and_changes_nothing()
    {
        INetwork network = Load(nameof(GoldenBnA));
        float[] inputs = Floats(nameof(GoldenBnA), "inputs"), targets = Floats(nameof(GoldenBnA), "targets");
        float[] state = network.State.ToArray();
        var e = Assert.Throws<ArgumentException>(() => network.TrainBatch(inputs.AsSpan(0, network.InputSize), targets.AsSpan(0, 1), 1));
        Assert.Contains("BatchNorm layer 5", e.Message);
        Assert.Contains("batches of 2 or more", e.Message);
        Assert.True(state.AsSpan().SequenceEqual(network.State));

        // The 1-D network's BatchNorm layers see 12 and 6 values per channel in one sample: a batch of 1 trains.
        INetwork oneD = Load(nameof(GoldenBn1D));
        float[] x = Floats(nameof(GoldenBn1D), "inputs"), t = Floats(nameof(GoldenBn1D), "targets");
        Assert.True(float.IsFinite(oneD.TrainBatch(x.AsSpan(0, oneD.InputSize), t.AsSpan(0, oneD.TargetSize), 1)));
    }

    private static void Save(INetwork network, Stream stream)
    {
        if (network is GoldenBnA a) a.Save(stream);
        else ((GoldenBn1D)network).Save(stream);
    }

    /// <summary>Each num_batches_tracked, read from the safetensors bytes the network saves.</summary>
    internal static long[] Counters(INetwork network)
    {
        var stream = new MemoryStream();
        Save(network, stream);
        byte[] bytes = stream.ToArray();
        long headerLength = BinaryPrimitives.ReadInt64LittleEndian(bytes);
        using JsonDocument header = JsonDocument.Parse(Encoding.UTF8.GetString(bytes, 8, (int)headerLength));
        return header.RootElement.EnumerateObject()
            .Where(p => p.Name.EndsWith(".num_batches_tracked", StringComparison.Ordinal))
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .Select(p =>
            {
                Assert.Equal("I64", p.Value.GetProperty("dtype").GetString());
                Assert.Equal(0, p.Value.GetProperty("shape").GetArrayLength());
                long begin = p.Value.GetProperty("data_offsets")[0].GetInt64();
                return BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan((int)(8 + headerLength + begin), 8));
            })
            .ToArray();
    }

    /// <summary>|actual - expected| within <paramref name="tolerance"/> x (1 + |expected|), element by element.</summary>
    internal static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(actual[i] - expected[i]) <= tolerance * (1 + Math.Abs(expected[i])), $"{what} [{i}]: {actual[i]} vs {expected[i]}");
        }
    }
}
