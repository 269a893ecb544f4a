using System.Buffers.Binary;
using System.Text;

namespace GenNN.Tests.Numerics;

[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(4, 3, 2)]
[Flatten]
[Dense(13, Activation.Tanh)]
[Dense(5, Activation.Softmax)]
public partial class FlatImageNet { }

[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(24)]
[Dense(13, Activation.Tanh)]
[Dense(5, Activation.Softmax)]
public partial class FlatImageTwin { }

[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(4, 3, 2)]
[Flatten]
[Dropout(0.0)]
[Dense(13, Activation.Tanh)]
[Dense(5, Activation.Softmax)]
public partial class FlatDropZeroNet { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(7)]
[Dense(9, Activation.ReLU)]
[Flatten]
[Dense(11, Activation.GELU)]
[Flatten]
[Dense(3)]
public partial class MidFlattenNet { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(7)]
[Dense(9, Activation.ReLU)]
[Dense(11, Activation.GELU)]
[Dense(3)]
public partial class MidFlattenTwin { }

/// <summary>
/// Shaped inputs and <c>[Flatten]</c>: samples are stored channels-last, so a flatten layer moves no float, and a network
/// with one computes, bit for bit, what the same network on flat inputs computes: its outputs, loss, gradients and
/// Adam step. It has no parameters, so the parameter buffers line up, but it counts as a layer in the tensor names,
/// as in a PyTorch <c>nn.Sequential</c>.
/// </summary>
public class FlattenTests
{
    private const int Batch = 13;

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
    public void The_shape_shows_in_the_topology_the_summary_and_the_constants()
    {
        Assert.Equal("Input(4, 3, 2) -> Flatten -> Dense(13, Tanh) -> Dense(5, Softmax)", FlatImageNet.Topology);
        Assert.Equal(24, FlatImageNet.InputSize);
        Assert.Equal(new[] { 4, 3, 2 }, FlatImageNet.InputShape.ToArray());
        Assert.Equal(new[] { 24 }, FlatImageTwin.InputShape.ToArray());
        Assert.Equal(3, FlatImageNet.LayerCount);
        Assert.Equal(FlatImageTwin.ParameterCount, FlatImageNet.ParameterCount);
        Assert.Equal(13, FlatImageNet.Layer1Units);

        string[] lines = FlatImageNet.Summary().Split('\n');
        Assert.Contains(lines, l => l.StartsWith("input (Input)", StringComparison.Ordinal) && l.Contains("(None, 4, 3, 2)", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("layers.0 (Flatten)", StringComparison.Ordinal) && l.Contains("(None, 24)", StringComparison.Ordinal) && l.TrimEnd().EndsWith(" 0", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("layers.1 (Dense)", StringComparison.Ordinal) && l.Contains("(None, 13)", StringComparison.Ordinal) && l.TrimEnd().EndsWith(" 325", StringComparison.Ordinal));
    }

    [Fact]
    public void A_flattened_image_network_computes_the_flat_networks_bits()
    {
        var network = new FlatImageNet(5);
        var twin = new FlatImageTwin(5);
        Assert.True(network.Parameters.SequenceEqual(twin.Parameters), "The same seed gives the same weights: Flatten draws nothing.");
        AssertSameBits(network, twin, 6);
    }

    [Fact]
    public void A_dropout_after_the_flatten_feeds_the_next_layer_and_its_gradients()
    {
        // Rate 0 keeps every input: the dropped copy the Dense layer reads, forward and for its weight gradient, is the input.
        var network = new FlatDropZeroNet(5);
        var twin = new FlatImageTwin(5);
        Assert.Equal("Input(4, 3, 2) -> Flatten -> Dropout(0) -> Dense(13, Tanh) -> Dense(5, Softmax)", FlatDropZeroNet.Topology);
        AssertSameBits(network, twin, 6);
    }

    [Fact]
    public void Flatten_between_dense_layers_passes_the_outputs_and_the_deltas_through()
    {
        var network = new MidFlattenNet(7);
        var twin = new MidFlattenTwin(7);
        Assert.True(network.Parameters.SequenceEqual(twin.Parameters));
        AssertSameBits(network, twin, 8);
    }

    /// <summary>Predict, PredictBatch, TrainBatch (loss, outputs, gradients) and three TrainOnBatch + Adam steps agree bit for bit.</summary>
    private static void AssertSameBits(INetwork network, INetwork twin, int seed)
    {
        (float[] inputs, float[] targets) = Data(network, seed);
        int o = network.OutputSize;
        float[] a = new float[Batch * o], b = new float[Batch * o];

        network.Predict(inputs.AsSpan(0, network.InputSize), a.AsSpan(0, o));
        twin.Predict(inputs.AsSpan(0, network.InputSize), b.AsSpan(0, o));
        Assert.Equal(b.AsSpan(0, o).ToArray(), a.AsSpan(0, o).ToArray());

        network.PredictBatch(inputs, a, Batch);
        twin.PredictBatch(inputs, b, Batch);
        Assert.Equal(b, a);

        float loss = network.TrainBatch(inputs, targets, Batch, a);
        float twinLoss = twin.TrainBatch(inputs, targets, Batch, b);
        Assert.Equal(twinLoss, loss);
        Assert.Equal(b, a);
        Assert.True(network.Gradients.SequenceEqual(twin.Gradients), "The gradients differ.");

        var adam = new Adam(1e-2f);
        var twinAdam = new Adam(1e-2f);
        for (int step = 0; step < 3; step++)
        {
            network.TrainOnBatch(inputs, targets, Batch, adam);
            twin.TrainOnBatch(inputs, targets, Batch, twinAdam);
        }

        Assert.True(network.Parameters.SequenceEqual(twin.Parameters), "The parameters differ after three Adam steps.");
    }

    [Fact]
    public void The_file_names_the_dense_layers_by_their_place_and_round_trips()
    {
        var network = new FlatImageNet(9);
        using var stream = new MemoryStream();
        network.Save(stream);
        string header = Header(stream.ToArray());
        Assert.Contains("\"layers.1.weight\"", header, StringComparison.Ordinal);
        Assert.Contains("\"layers.2.bias\"", header, StringComparison.Ordinal);
        Assert.DoesNotContain("\"layers.0.", header, StringComparison.Ordinal);

        stream.Position = 0;
        FlatImageNet loaded = FlatImageNet.Load(stream);
        Assert.True(loaded.Parameters.SequenceEqual(network.Parameters));

        // The flat twin's file has the same floats under other names and another topology: it is refused, by name.
        using var twinFile = new MemoryStream();
        new FlatImageTwin(9).Save(twinFile);
        twinFile.Position = 0;
        var error = Assert.ThrowsAny<Exception>(() => FlatImageNet.Load(twinFile));
        Assert.Contains("Input(4, 3, 2) -> Flatten", error.Message, StringComparison.Ordinal);
    }

    private static string Header(byte[] file)
    {
        int length = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(file));
        return Encoding.UTF8.GetString(file, 8, length);
    }
}
