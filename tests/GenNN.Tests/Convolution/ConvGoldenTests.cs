using System.Text.Json;

namespace GenNN.Tests.Convolution;

[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(9, 7, 3)]
[Conv2D(5, 3, Activation.ReLU, Stride = 2, Padding = Padding.Same)]
[Conv2D(6, 3, Activation.Tanh, Padding = Padding.Same)]
[MaxPool2D(2)]
[Flatten]
[Dense(4, Activation.Softmax)]
public partial class GoldenConvA { }

[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(8, 8, 2)]
[Conv2D(17, 3, Activation.ReLU)]
[MaxPool2D(2)]
[Conv2D(9, 2, Activation.Sigmoid, Padding = Padding.Same)]
[Flatten]
[Dense(3, Activation.Softmax)]
public partial class GoldenConvB { }

[Network]
[Input(11, 2)]
[Conv1D(5, 3, Activation.ReLU)]
[Conv1D(3, 4, Activation.LeakyReLU, Stride = 2, Padding = Padding.Same)]
[GlobalAvgPool1D]
[Dense(2)]
public partial class GoldenConv1D { }

/// <summary>
/// Convolutional networks against PyTorch (Data/make_conv_golden.py, Debian's torch 1.13): the torch state_dict of the
/// same network loads, and Predict, PredictBatch and TrainBatch give torch's outputs, mean loss and gradients (batch 13 and
/// batch 1), and one SGD and one Adam step give torch's parameters. The networks cover odd kernels, stride 2, Valid and
/// Same padding (with the odd cell after, both ways), channel counts that are not multiples of any vector width, a
/// convolution after a pool, and 1-D layers.
/// </summary>
public class ConvGoldenTests
{
    private static readonly Lazy<JsonDocument> Golden = new(() =>
        JsonDocument.Parse(File.ReadAllText(DataPath("conv_golden.json"))));

    public static TheoryData<string> Cases => new() { nameof(GoldenConvA), nameof(GoldenConvB), nameof(GoldenConv1D) };

    private static string DataPath(string file) => Path.Combine(AppContext.BaseDirectory, "Data", file);

    private static INetwork Load(string name, string suffix = "")
    {
        string path = DataPath("conv_" + name + suffix + ".safetensors");
        return name switch
        {
            nameof(GoldenConvA) => GoldenConvA.Load(path),
            nameof(GoldenConvB) => GoldenConvB.Load(path),
            _ => GoldenConv1D.Load(path),
        };
    }

    private static (float[] Inputs, float[] Targets, float[] Outputs, float Loss) Case(string name)
    {
        JsonElement c = Golden.Value.RootElement.GetProperty("cases").EnumerateArray().Single(e => e.GetProperty("name").GetString() == name);
        float[] Floats(string key) => c.GetProperty(key).EnumerateArray().Select(e => e.GetSingle()).ToArray();
        return (Floats("inputs"), Floats("targets"), Floats("outputs"), c.GetProperty("mean_loss").GetSingle());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_matches_PyTorch(string name)
    {
        INetwork network = Load(name);
        (float[] inputs, _, float[] outputs, _) = Case(name);
        int batch = inputs.Length / network.InputSize;
        Assert.Equal(13, batch);
        int o = network.OutputSize;
        var actual = new float[batch * o];
        network.PredictBatch(inputs, actual, batch);
        AssertClose(outputs, actual, 2e-5, name + " PredictBatch");
        for (int s = 0; s < batch; s++)
        {
            network.Predict(inputs.AsSpan(s * network.InputSize, network.InputSize), actual.AsSpan(s * o, o));
        }

        AssertClose(outputs, actual, 2e-5, name + " Predict");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Loss_and_gradients_match_PyTorch_for_13_samples_and_for_1(string name)
    {
        INetwork network = Load(name);
        (float[] inputs, float[] targets, float[] outputs, float loss) = Case(name);
        int batch = 13, o = network.OutputSize;
        var actual = new float[batch * o];
        float trained = network.TrainBatch(inputs, targets, batch, actual);
        Assert.True(Math.Abs(trained - loss) <= 1e-5 * (1 + Math.Abs(loss)), $"{name}: loss {trained}, PyTorch {loss}");
        AssertClose(outputs, actual, 2e-5, name + " TrainBatch outputs");
        AssertClose(Load(name, "_gradients").Parameters, network.Gradients, 1e-4, name + " gradients, batch 13");

        network.TrainBatch(inputs.AsSpan(0, network.InputSize), targets.AsSpan(0, network.TargetSize), 1);
        AssertClose(Load(name, "_gradients1").Parameters, network.Gradients, 1e-4, name + " gradients, batch 1");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void One_SGD_and_one_Adam_step_match_PyTorch(string name)
    {
        (float[] inputs, float[] targets, _, _) = Case(name);
        foreach ((string suffix, Optimizer optimizer) in new (string, Optimizer)[] { ("_sgd", new Sgd(0.1f)), ("_adam", new Adam(0.01f)) })
        {
            INetwork network = Load(name);
            network.TrainOnBatch(inputs, targets, 13, optimizer);
            AssertClose(Load(name, suffix).Parameters, network.Parameters, 1e-5, name + suffix);
        }
    }

    /// <summary>|actual - expected| within <paramref name="tolerance"/> x (1 + |expected|), element by element.</summary>
    private static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(actual[i] - expected[i]) <= tolerance * (1 + Math.Abs(expected[i])), $"{what} [{i}]: {actual[i]} vs {expected[i]}");
        }
    }
}
