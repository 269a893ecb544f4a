using System.Runtime.Intrinsics;
using GenNN.Kernels;

namespace GenNN.Tests.Kernels;

/// <summary>
/// The runtime's activation and loss kernels against double-precision formulas, at every length their
/// short-span paths (1-3, 4-7, 8-16 floats) and the long path handle.
/// </summary>
public class ActivationKernelTests
{
    public static IEnumerable<object[]> Lengths() => Enumerable.Range(1, 20).Concat(new[] { 31, 33, 100 }).Select(n => new object[] { n });

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Softmax_matches_the_double_formula(int length)
    {
        var random = new Random(length);
        foreach (float spread in new[] { 1f, 30f, 200f })
        {
            float[] z = Enumerable.Range(0, length).Select(_ => (float)((random.NextDouble() * 2 - 1) * spread)).ToArray();
            double max = z.Max();
            double sum = z.Sum(v => Math.Exp(v - max));
            float[] actual = (float[])z.Clone();

            Activations.Softmax(actual);

            for (int i = 0; i < length; i++)
            {
                double expected = Math.Exp(z[i] - max) / sum;
                // float rounds z - max to about 6e-8 |z - max|, which e^x turns into that relative error.
                double tolerance = 2e-7 * (4 + Math.Abs(z[i] - max));
                // Below float's smallest normal (1.2e-38) only an absolute bound makes sense.
                Assert.True(Math.Abs(actual[i] - expected) <= tolerance * expected + 2e-38,
                    $"length {length}, spread {spread}, element {i}: {actual[i]} vs {expected}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void SoftmaxCrossEntropy_matches_the_double_formula(int length)
    {
        var random = new Random(100 + length);
        float[] logits = Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() * 20 - 10)).ToArray();
        int label = random.Next(length);
        var probabilities = new float[length];
        var delta = new float[length];

        float loss = LossGradients.SoftmaxCrossEntropy(logits, label, probabilities, delta, 0.25f);

        double max = logits.Max();
        double logSum = Math.Log(logits.Sum(v => Math.Exp(v - max))) + max;
        Assert.Equal(logSum - logits[label], loss, 1e-5 * Math.Max(1, Math.Abs(loss)));
        for (int i = 0; i < length; i++)
        {
            double p = Math.Exp(logits[i] - logSum);
            Assert.Equal(p, probabilities[i], 1e-6);
            Assert.Equal(0.25 * (p - (i == label ? 1 : 0)), delta[i], 1e-6);
        }
    }

    [Fact]
    public void Softmax_leaves_the_floats_around_a_slice_untouched()
    {
        float[] buffer = Enumerable.Repeat(-7f, 24).ToArray();
        for (int length = 1; length <= 16; length++)
        {
            Array.Fill(buffer, -7f);
            Activations.Softmax(buffer.AsSpan(4, length));
            Assert.All(buffer.Take(4), v => Assert.Equal(-7f, v));
            Assert.All(buffer.Skip(4 + length), v => Assert.Equal(-7f, v));
            Assert.Equal(1.0, buffer.Skip(4).Take(length).Sum(v => (double)v), 1e-6);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Softmax_of_a_vector_covers_its_first_lanes_and_zeroes_the_rest(int count)
    {
        if (!System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated)
        {
            return; // the generated code calls it only on its vector paths
        }

        float[] z = { 3.5f, -20f, 0.25f, 80f };
        var result = Activations.Softmax(System.Runtime.Intrinsics.Vector128.Create(z), count);

        double max = z.Take(count).Max();
        double sum = z.Take(count).Sum(v => Math.Exp(v - max));
        for (int i = 0; i < 4; i++)
        {
            double expected = i < count ? Math.Exp(z[i] - max) / sum : 0;
            Assert.True(Math.Abs(result.GetElement(i) - expected) <= 1e-6 * expected + 1e-30, $"lane {i}: {result.GetElement(i)} vs {expected}");
        }
    }
}
