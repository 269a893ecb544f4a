namespace GenNN.Tests.Numerics;

/// <summary>
/// TrainBatch with sample weights (Keras' <c>sample_weight</c>): loss <c>sum(w_i loss_i) / batchSize</c> and its gradient.
/// All weights 1 is the unweighted call to the bit; a weight of 2 is the sample twice; 0 leaves it out.
/// </summary>
public class SampleWeightTests
{
    public static TheoryData<string> Names => NetworkCases.Names;

    /// <summary>One network per loss (and one with L1/L2, whose penalty is not weighted).</summary>
    public static TheoryData<string> OnePerLoss => new(
        nameof(Mse_I7_Relu16_Lin7), nameof(Bce_I8_Relu8_Sig1), nameof(Sce_I13_Tanh7_Soft3), nameof(Mae_I8_Gelu12_Lin3),
        nameof(Huber_I5_Silu10_Lin4), nameof(Cce_I6_Elu14_Soft5), nameof(Mse_I7_Relu16L2_Lin5L1L2), nameof(Mse_I7_Lin13_Soft7));

    [Theory]
    [MemberData(nameof(Names))]
    public void Weights_of_one_give_the_unweighted_result_bit_for_bit(string name)
    {
        NetworkCase c = NetworkCases.Get(name);
        INetwork network = c.CreatePerturbed(51);
        var random = new Random(52);
        double[] p = TestData.ToDouble(network.Parameters);
        const int batch = 7;
        float[] inputs = TestData.Inputs(c.Reference, p, batch, random);
        float[] targets = TestData.Targets(c.Reference, batch, random);
        float[] ones = Enumerable.Repeat(1f, batch).ToArray();

        var outputs = new float[batch * network.OutputSize];
        float plain = network.TrainBatch(inputs, targets, batch, outputs);
        float[] gradients = network.Gradients.ToArray();
        var weightedOutputs = new float[outputs.Length];
        float weighted = network.TrainBatch(inputs, targets, ones, batch, weightedOutputs);

        Assert.Equal(BitConverter.SingleToInt32Bits(plain), BitConverter.SingleToInt32Bits(weighted));
        Assert.True(network.Gradients.SequenceEqual(gradients), "Gradients differ with all weights 1.");
        Assert.Equal(outputs, weightedOutputs);
    }

    [Theory]
    [MemberData(nameof(OnePerLoss))]
    public void A_weight_of_two_counts_a_sample_twice_and_zero_leaves_it_out(string name)
    {
        NetworkCase c = NetworkCases.Get(name);
        INetwork network = c.CreatePerturbed(61);
        var random = new Random(62);
        double[] p = TestData.ToDouble(network.Parameters);
        int f = network.InputSize, t = network.TargetSize;
        float[] inputs = TestData.Inputs(c.Reference, p, 4, random);
        float[] targets = TestData.Targets(c.Reference, 4, random);
        float penalty = Penalty(c, network);

        // Samples A, B, C, D with weights 2, 1, 0, 1 against A, A, B, D unweighted: sum(w loss) is the same.
        float weighted = network.TrainBatch(inputs, targets, [2f, 1f, 0f, 1f], 4) - penalty;
        float[] weightedGradients = network.Gradients.ToArray();
        int[] rows = [0, 0, 1, 3];
        float[] dupInputs = rows.SelectMany(r => inputs.Skip(r * f).Take(f)).ToArray();
        float[] dupTargets = rows.SelectMany(r => targets.Skip(r * t).Take(t)).ToArray();
        float duplicated = network.TrainBatch(dupInputs, dupTargets, 4) - penalty;

        // Both batches have 4 samples: the losses agree, and so do the gradients (the penalty's gradient is in both).
        Assert.Equal(duplicated, weighted, 1e-5f * Math.Max(1f, Math.Abs(duplicated)));
        NumericAssert.AllClose(weightedGradients, TestData.ToDouble(network.Gradients), $"{name}: weights 2, 1, 0, 1 vs A, A, B, D", tolerance: 1e-5);
    }

    /// <summary>The L1/L2 penalty of the network's current weights (0 without regularised layers): TrainBatch adds it unweighted.</summary>
    private static float Penalty(NetworkCase c, INetwork network)
    {
        double penalty = 0;
        ReferenceNetwork r = c.Reference;
        for (int l = 0; l < r.LayerCount; l++)
        {
            foreach (float w in network.Parameters.Slice(r.WeightOffset(l), r.WeightCount(l)))
            {
                penalty += r.Layers[l].L1 * Math.Abs(w) + r.Layers[l].L2 * (double)w * w;
            }
        }

        return (float)penalty;
    }

    public static TheoryData<float> BadWeights => new(-1f, float.NaN, float.PositiveInfinity);

    [Theory]
    [MemberData(nameof(BadWeights))]
    public void Bad_weights_and_wrong_counts_throw_and_change_nothing(float bad)
    {
        NetworkCase c = NetworkCases.Get(nameof(Sce_I13_Tanh7_Soft3));
        INetwork network = c.Create(1);
        var random = new Random(3);
        float[] inputs = TestData.Inputs(c.Reference, TestData.ToDouble(network.Parameters), 3, random);
        float[] targets = TestData.Targets(c.Reference, 3, random);
        network.TrainBatch(inputs, targets, 3);
        float[] before = network.Gradients.ToArray();

        var e = Assert.Throws<ArgumentException>(() => network.TrainBatch(inputs, targets, [1f, 1f, bad], 3));
        Assert.Contains("sampleWeights[2]", e.Message);
        e = Assert.Throws<ArgumentException>(() => network.TrainBatch(inputs, targets, [1f, 1f], 3));
        Assert.Contains("Expected 3 sample weights", e.Message);
        Assert.True(network.Gradients.SequenceEqual(before));
    }
}
