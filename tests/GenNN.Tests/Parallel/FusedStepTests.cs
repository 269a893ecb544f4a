using GenNN.Kernels;
using GenNN.Tests.Numerics;

namespace GenNN.Tests.Parallel;

// Layer boundaries that are not multiples of 16 (layer 1 starts at 1102, layer 2 at 1492): the fused step's ranges
// must still start at multiples of 16 to give the bits of a separate Step.
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(37)]
[Dense(29, Activation.ReLU, L2 = 0.001f)]
[Dense(13, Activation.Tanh)]
[Dense(3, Activation.Softmax)]
public partial class OddFused { }

[Network(Loss = Loss.MeanSquaredError)]
[Input(5)]
[Dense(7, Activation.Linear)]
[Dense(2, Activation.Linear)]
public partial class TinyMse { }

/// <summary>
/// INetwork.TrainOnBatch (Keras' train_on_batch) fuses the optimizer step into the gradient pass, each part stepping its
/// slice of the parameters: the result has the bits of TrainBatch followed by Optimizer.Step.
/// </summary>
public class FusedStepTests
{
    public static TheoryData<string, string, int> Cases()
    {
        var cases = new TheoryData<string, string, int>();
        foreach (string optimizer in new[] { "adam", "adamw", "nadam", "momentum", "sgd-decay", "rmsprop-centered-momentum", "adagrad" })
        {
            cases.Add(nameof(OddFused), optimizer, 1);
            cases.Add(nameof(WideSce), optimizer, 1);
            cases.Add(nameof(WideSce), optimizer, 3);
        }

        cases.Add(nameof(WideDropMse), "adam", 1);
        cases.Add(nameof(WideDropMse), "adam", 4);
        return cases;
    }

    private static INetwork Create(string name, int seed, int degree)
    {
        switch (name)
        {
            case nameof(OddFused): return new OddFused(seed) { MaxDegreeOfParallelism = degree };
            case nameof(WideSce): return new WideSce(seed) { MaxDegreeOfParallelism = degree };
            case nameof(WideDropMse):
                var n = new WideDropMse(seed) { MaxDegreeOfParallelism = degree };
                n.SeedDropout(9);
                return n;
            default: throw new ArgumentException(name);
        }
    }

    private static (float[] Inputs, float[] Targets, float[] Weights) Data(INetwork network, int rows, int seed)
        => ParallelTrainingTests.Data(network, rows, seed);

    private static void AssertBitwiseEqual(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]),
                $"{what}[{i}]: {actual[i]:R}, expected {expected[i]:R}.");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void TrainOnBatch_has_the_bits_of_TrainBatch_then_Step(string name, string optimizerName, int degree)
    {
        INetwork separate = Create(name, 4, degree), fused = Create(name, 4, degree);
        Optimizer separateOptimizer = Runtime.OptimizerTests.Create(optimizerName), fusedOptimizer = Runtime.OptimizerTests.Create(optimizerName);
        const int Rows = 203;
        float[] outputsA = new float[Rows * separate.OutputSize], outputsB = new float[Rows * fused.OutputSize];
        for (int batch = 0; batch < 3; batch++)
        {
            (float[] inputs, float[] targets, float[] weights) = Data(separate, Rows, 20 + batch);
            bool weighted = batch == 1;
            float lossA = weighted
                ? separate.TrainBatch(inputs, targets, weights, Rows, outputsA)
                : separate.TrainBatch(inputs, targets, Rows, outputsA);
            separateOptimizer.Step(separate.Parameters, separate.Gradients);
            float lossB = fused.TrainOnBatch(inputs, targets, weighted ? weights : default, Rows, fusedOptimizer, outputsB);

            Assert.Equal(BitConverter.SingleToInt32Bits(lossA), BitConverter.SingleToInt32Bits(lossB));
            AssertBitwiseEqual(outputsA, outputsB, "outputs");
            AssertBitwiseEqual(separate.Gradients, fused.Gradients, "gradients");
            AssertBitwiseEqual(separate.Parameters, fused.Parameters, "parameters after batch " + batch);
        }

        Assert.Equal(3, fusedOptimizer.Iterations);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void TrainOnBatch_on_parts_that_cut_rows_and_biases_gives_one_thread_s_parameters_bit_for_bit(int degree)
    {
        const int Rows = 600;
        const int Parameters = 11 * 395 + 395 + 395 * 5 + 5;
        Assert.Equal(Parameters, CutSlices.ParameterCount);
        Assert.Equal(degree, WorkerPool.TrainingParts(Rows, 2 * (11 * 395 + 395 * 5) + 395 * 5, degree)); // really split
        if (degree == 3)
        {
            // The second slice ends inside layer 0's bias, [4345, 4740): the case this network is for.
            (int first, int count) = WorkerPool.PartRows(Parameters, 1, 3, Optimizer.RangeAlignment);
            Assert.InRange(first + count, 4346, 4739);
        }

        var one = new CutSlices(8) { MaxDegreeOfParallelism = 1 };
        var parts = new CutSlices(8) { MaxDegreeOfParallelism = degree };
        Optimizer adamOne = new Adam(1e-2f), adamParts = new Adam(1e-2f);
        float[] outputsOne = new float[Rows * 5], outputsParts = new float[Rows * 5];
        for (int batch = 0; batch < 3; batch++)
        {
            (float[] inputs, float[] targets, float[] weights) = Data(one, Rows, 40 + batch);
            ReadOnlySpan<float> w = batch == 1 ? weights : default;
            float lossOne = one.TrainOnBatch(inputs, targets, w, Rows, adamOne, outputsOne);
            float lossParts = parts.TrainOnBatch(inputs, targets, w, Rows, adamParts, outputsParts);

            AssertBitwiseEqual(outputsOne, outputsParts, "outputs");
            AssertBitwiseEqual(one.Gradients, parts.Gradients, "gradients of batch " + batch);
            AssertBitwiseEqual(one.Parameters, parts.Parameters, "parameters after batch " + batch);
            // The parts' shares and penalties add in another order: the loss may differ in its last bits.
            Assert.True(Math.Abs(lossOne - lossParts) <= 1e-6 * Math.Max(1.0, Math.Abs(lossOne)), $"loss {lossParts:R} on {degree} parts, {lossOne:R} on one thread");
        }
    }

    [Fact]
    public void Clipping_falls_back_to_the_separate_step()
    {
        INetwork separate = new OddFused(2), fused = new OddFused(2);
        var a = new Adam(0.01f) { GlobalClipNorm = 0.1f };
        var b = new Adam(0.01f) { GlobalClipNorm = 0.1f };
        (float[] inputs, float[] targets, _) = Data(separate, 50, 3);
        separate.TrainBatch(inputs, targets, 50);
        a.Step(separate.Parameters, separate.Gradients);
        fused.TrainOnBatch(inputs, targets, 50, b);
        AssertBitwiseEqual(separate.Parameters, fused.Parameters, "parameters");
    }

    [Fact]
    public void A_non_finite_loss_applies_no_step()
    {
        var network = new TinyMse(1);
        network.Parameters.Fill(1e30f); // the outputs overflow to infinity
        float[] before = network.Parameters.ToArray();
        var adam = new Adam();
        float loss = network.TrainOnBatch(new float[] { 1, 2, 3, 4, 5 }, new float[] { 0, 0 }, 1, adam);
        Assert.False(float.IsFinite(loss));
        AssertBitwiseEqual(before, network.Parameters, "parameters");
        Assert.Equal(0, adam.Iterations);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void An_optimizer_of_another_network_is_rejected_before_anything_changes(int degree)
    {
        var adam = new Adam();
        var other = new OddFused(1);
        (float[] x, float[] y, _) = Data(other, 8, 1);
        other.TrainOnBatch(x, y, 8, adam); // adam now holds OddFused's 1534 parameters

        INetwork network = Create(nameof(WideSce), 5, degree);
        (float[] inputs, float[] targets, _) = Data(network, 203, 6);
        network.TrainBatch(inputs, targets, 203);
        float[] parameters = network.Parameters.ToArray(), gradients = network.Gradients.ToArray();
        var error = Assert.Throws<ArgumentException>(() => network.TrainOnBatch(inputs, targets, 203, adam));
        Assert.Contains("holds state for 1534 parameters", error.Message);
        AssertBitwiseEqual(parameters, network.Parameters, "parameters");
        AssertBitwiseEqual(gradients, network.Gradients, "gradients");
    }

    [Fact]
    public void Fused_steps_allocate_nothing_after_the_first()
    {
        var network = new OddFused(3) { MaxDegreeOfParallelism = 1 };
        var adam = new Adam();
        (float[] inputs, float[] targets, _) = Data(network, 64, 5);
        Assert.Equal(0, Allocation.InLastWindow(times =>
        {
            for (int k = 0; k < times; k++)
            {
                network.TrainOnBatch(inputs, targets, 64, adam);
            }
        }));
    }
}
