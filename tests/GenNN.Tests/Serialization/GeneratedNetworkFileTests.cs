using System.Text.Json;
using GenNN.Serialization;

namespace GenNN.Tests.Serialization;

/// <summary>The same network as Data/make_torch_safetensors.py's <c>Mlp</c>.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(4)]
[Dense(5, Activation.ReLU)]
[Dense(3, Activation.Softmax)]
public partial class TorchMlp
{
}

/// <summary>Same layer sizes as <see cref="TorchMlp"/>, another activation: another topology.</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(4)]
[Dense(5, Activation.Tanh)]
[Dense(3, Activation.Softmax)]
public partial class TanhMlp
{
}

/// <summary>Model files through generated networks: typed Load, Save, and agreement with PyTorch.</summary>
public sealed class GeneratedNetworkFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("gen-nn-st-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static string DataPath(string name) => Path.Combine(AppContext.BaseDirectory, "Data", name);

    [Fact]
    public void PyTorchFilePredictsWhatPyTorchPredicted()
    {
        using JsonDocument golden = JsonDocument.Parse(File.ReadAllText(DataPath("torch_mlp.json")));
        Assert.Equal(TorchMlp.Topology, golden.RootElement.GetProperty("topology").GetString());

        TorchMlp network = TorchMlp.Load(DataPath("torch_mlp.safetensors"));

        float[][] inputs = Rows(golden.RootElement.GetProperty("inputs"));
        float[][] expected = Rows(golden.RootElement.GetProperty("outputs"));
        Assert.Equal(3, inputs.Length);
        var output = new float[TorchMlp.OutputSize];
        for (int s = 0; s < inputs.Length; s++)
        {
            network.Predict(inputs[s], output);
            for (int o = 0; o < output.Length; o++)
            {
                Assert.True(Math.Abs(expected[s][o] - output[o]) <= 1e-6 + 1e-5 * Math.Abs(expected[s][o]),
                    $"Sample {s}, output {o}: PyTorch {expected[s][o]:R}, gen-nn {output[o]:R}.");
            }
        }
    }

    [Fact]
    public void SaveThenLoadGivesTheSameNetwork()
    {
        var network = new TorchMlp(seed: 5);
        string path = Path.Combine(_directory, "mlp.safetensors");

        network.Save(path);
        TorchMlp loaded = TorchMlp.Load(path);

        Assert.Equal(network.Parameters.ToArray(), loaded.Parameters.ToArray());
        using var stream = new MemoryStream();
        network.Save(stream);
        Assert.Equal(File.ReadAllBytes(path), stream.ToArray());
        stream.Position = 0;
        Assert.Equal(network.Parameters.ToArray(), TorchMlp.Load(stream).Parameters.ToArray());
    }

    [Fact]
    public void LoadRejectsAFileOfAnotherTopology()
    {
        string path = Path.Combine(_directory, "tanh.safetensors");
        new TanhMlp(seed: 1).Save(path);

        var e = Assert.Throws<InvalidDataException>(() => TorchMlp.Load(path));

        Assert.Contains(TorchMlp.Topology, e.Message);
        Assert.Contains(TanhMlp.Topology, e.Message);
    }

    private static float[][] Rows(JsonElement rows) =>
        rows.EnumerateArray().Select(row => row.EnumerateArray().Select(v => (float)v.GetDouble()).ToArray()).ToArray();
}
