using GenNN.Kernels;
using GenNN.Tests.Kernels;

namespace GenNN.Tests.Numerics;

[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(6, 5, 3)]
[MaxPool2D(2, Padding = Padding.Same)]
[AvgPool2D(2, Stride = 1)]
[Flatten]
[Dense(4, Activation.Tanh)]
[Dense(3, Activation.Softmax)]
public partial class PoolImageNet { }

[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(12)]
[Dense(4, Activation.Tanh)]
[Dense(3, Activation.Softmax)]
public partial class PoolImageTwin { }

[Network]
[Input(4, 4, 5)]
[GlobalAvgPool2D]
[Dense(3)]
public partial class GlobalPoolNet { }

[Network]
[Input(5)]
[Dense(3)]
public partial class GlobalPoolTwin { }

[Network]
[Input(10, 2)]
[MaxPool1D(3, Stride = 2)]
[Flatten]
[Dense(3, Activation.ReLU)]
[Dense(2)]
public partial class SignalPoolNet { }

[Network]
[Input(8)]
[Dense(3, Activation.ReLU)]
[Dense(2)]
public partial class SignalPoolTwin { }

/// <summary>
/// Networks that pool their input: each computes what the same dense layers compute on the input pooled by the plain
/// reference of <see cref="PoolingTests"/>, in Predict, PredictBatch and TrainBatch (loss, outputs and gradients).
/// </summary>
public class PoolingNetworkTests
{
    private const int Batch = 13;

    public static TheoryData<string> Cases => new() { nameof(PoolImageNet), nameof(GlobalPoolNet), nameof(SignalPoolNet) };

    private static (INetwork Network, INetwork Twin, PoolGeometry[] Pools, bool[] Max) Create(string name) => name switch
    {
        nameof(PoolImageNet) => (new PoolImageNet(3), new PoolImageTwin(3),
            new[] { PoolingTests.Geometry(6, 5, 3, 2, 2, same: true), PoolingTests.Geometry(3, 3, 3, 2, 1, same: false) }, new[] { true, false }),
        nameof(GlobalPoolNet) => (new GlobalPoolNet(3), new GlobalPoolTwin(3),
            new[] { new PoolGeometry(4, 4, 5, 4, 4, 1, 1, 0, 0, 1, 1) }, new[] { false }),
        _ => (new SignalPoolNet(3), new SignalPoolTwin(3),
            new[] { PoolingTests.Geometry(1, 10, 2, 3, 2, same: false) }, new[] { true }),
    };

    /// <summary>The inputs pooled sample by sample by the reference, as floats.</summary>
    private static float[] Pooled(float[] inputs, int inputSize, PoolGeometry[] pools, bool[] max)
    {
        int rows = inputs.Length / inputSize;
        var result = new List<float>();
        for (int s = 0; s < rows; s++)
        {
            float[] x = inputs.AsSpan(s * inputSize, inputSize).ToArray();
            for (int p = 0; p < pools.Length; p++)
            {
                x = PoolingTests.Reference(pools[p], x, max[p]).Select(v => (float)v).ToArray();
            }

            result.AddRange(x);
        }

        return result.ToArray();
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_pooling_network_computes_its_dense_layers_on_the_pooled_input(string name)
    {
        (INetwork network, INetwork twin, PoolGeometry[] pools, bool[] max) = Create(name);
        Assert.True(network.Parameters.SequenceEqual(twin.Parameters), "Pooling layers draw no weights.");
        var random = new Random(4);
        float[] inputs = Enumerable.Range(0, Batch * network.InputSize).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        float[] targets = network.Loss == Loss.SoftmaxCrossEntropy
            ? Enumerable.Range(0, Batch).Select(_ => (float)random.Next(network.OutputSize)).ToArray()
            : Enumerable.Range(0, Batch * network.OutputSize).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        float[] pooled = Pooled(inputs, network.InputSize, pools, max);
        Assert.Equal(Batch * twin.InputSize, pooled.Length);

        int o = network.OutputSize;
        float[] actual = new float[Batch * o], expected = new float[Batch * o];
        network.Predict(inputs.AsSpan(0, network.InputSize), actual.AsSpan(0, o));
        twin.Predict(pooled.AsSpan(0, twin.InputSize), expected.AsSpan(0, o));
        AssertClose(expected.AsSpan(0, o), actual.AsSpan(0, o), name + " Predict");

        network.PredictBatch(inputs, actual, Batch);
        twin.PredictBatch(pooled, expected, Batch);
        AssertClose(expected, actual, name + " PredictBatch");

        float loss = network.TrainBatch(inputs, targets, Batch, actual);
        float twinLoss = twin.TrainBatch(pooled, targets, Batch, expected);
        Assert.True(Math.Abs(loss - twinLoss) <= 1e-5 * (1 + Math.Abs(twinLoss)), $"{name} loss {loss} vs {twinLoss}");
        AssertClose(expected, actual, name + " TrainBatch outputs");
        AssertClose(twin.Gradients, network.Gradients, name + " gradients");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Predict_PredictBatch_and_TrainBatch_allocate_nothing(string name)
    {
        INetwork network = Create(name).Network;
        float[] inputs = new float[Batch * network.InputSize], outputs = new float[Batch * network.OutputSize];
        float[] targets = new float[Batch * network.TargetSize];
        var adam = new Adam(1e-3f);

        void Run(int iterations)
        {
            for (int i = 0; i < iterations; i++)
            {
                network.Predict(inputs.AsSpan(0, network.InputSize), outputs.AsSpan(0, network.OutputSize));
                network.PredictBatch(inputs, outputs, Batch);
                network.TrainBatch(inputs, targets, Batch, outputs);
                network.TrainOnBatch(inputs, targets, Batch, adam);
            }
        }

        long allocated = Allocation.InLastWindow(Run);

        Assert.True(allocated == 0, $"{name}: 200 rounds allocated {allocated} bytes, in each of three windows.");
    }

    private static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-5 * (1 + Math.Abs(expected[i])), $"{what} [{i}]: {actual[i]} vs {expected[i]}");
        }
    }
}
