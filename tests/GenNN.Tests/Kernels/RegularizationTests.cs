using GenNN.Kernels;
using GenNN.Tests.Numerics;

namespace GenNN.Tests.Kernels;

/// <summary>L1/L2 penalties: the kernel's formula (Keras' L1L2), and a regularised network's loss against its unregularised twin.</summary>
public class RegularizationTests
{
    [Theory]
    [InlineData(4)]
    [InlineData(9)]
    [InlineData(33)]
    public void Apply_adds_l1_sign_plus_2_l2_w_and_returns_l1_abs_plus_l2_square(int length)
    {
        var random = new Random(length);
        float[] w = Enumerable.Range(0, length).Select(i => i % 5 == 0 ? 0f : (float)(random.NextDouble() * 4 - 2)).ToArray();
        float[] g = Enumerable.Range(0, length).Select(_ => (float)random.NextDouble()).ToArray();
        float[] before = (float[])g.Clone();

        float penalty = Regularization.Apply(w, g, 0.1f, 0.01f);

        Assert.Equal(w.Sum(x => 0.1 * Math.Abs(x) + 0.01 * x * x), penalty, 1e-5);
        for (int i = 0; i < length; i++)
        {
            double expected = before[i] + 0.1f * Math.Sign(w[i]) + 2 * 0.01f * w[i];
            Assert.True(Math.Abs(g[i] - expected) <= 1e-6, $"element {i} (w = {w[i]}): {g[i]} vs {expected}");
        }
    }

    [Fact]
    public void TrainBatch_returns_the_loss_plus_the_penalty_and_leaves_the_bias_gradients_alone()
    {
        // The same weights in a twin without penalties: loss differs by exactly the penalty, bias gradients not at all.
        var regularized = new Mse_I7_Relu16L2_Lin5L1L2(3);
        var plain = new Mse_I7_Relu16_Lin5Plain(3);
        regularized.Parameters.CopyTo(plain.Parameters);
        NetworkCase c = NetworkCases.Get(nameof(Mse_I7_Relu16L2_Lin5L1L2));
        var random = new Random(4);
        double[] p = TestData.ToDouble(regularized.Parameters);
        float[] inputs = TestData.Inputs(c.Reference, p, 6, random);
        float[] targets = TestData.Targets(c.Reference, 6, random);

        float withPenalty = regularized.TrainBatch(inputs, targets, 6);
        float without = plain.TrainBatch(inputs, targets, 6);

        ReadOnlySpan<float> w0 = regularized.Parameters[..(7 * 16)];
        ReadOnlySpan<float> w1 = regularized.Parameters.Slice(7 * 16 + 16, 16 * 5);
        double penalty = 0;
        foreach (float x in w0) penalty += 0.01f * (double)x * x;
        foreach (float x in w1) penalty += 0.003f * Math.Abs((double)x) + 0.002f * (double)x * x;
        Assert.Equal(without + penalty, withPenalty, 1e-5);
        Assert.True(regularized.Gradients.Slice(7 * 16, 16).SequenceEqual(plain.Gradients.Slice(7 * 16, 16)), "Layer 0's bias gradients changed.");
        Assert.True(regularized.Gradients[^5..].SequenceEqual(plain.Gradients[^5..]), "Layer 1's bias gradients changed.");
        Assert.False(regularized.Gradients[..(7 * 16)].SequenceEqual(plain.Gradients[..(7 * 16)]), "Layer 0's weight gradients did not change.");
    }
}

[Network(Loss = Loss.MeanSquaredError)]
[Input(7)]
[Dense(16, Activation.ReLU)]
[Dense(5, Activation.Linear)]
public partial class Mse_I7_Relu16_Lin5Plain { }
