using System.Runtime.Intrinsics;
using GenNN.Kernels;

namespace GenNN.Tests.Kernels;

/// <summary>
/// The runtime's activation and loss kernels propagate NaN as PyTorch does, at every length their short-span paths
/// (1-3, 4-7, 8-16 floats) and the long path handle, with the NaN in every position (so in the first vector, the
/// overlapping last vector and the masked spare lanes alike).
/// </summary>
public class NanActivationTests
{
    public static IEnumerable<object[]> Lengths() => ActivationKernelTests.Lengths();

    private static float[] Values(int length, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() * 6 - 3)).ToArray();
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Element_wise_activations_map_NaN_to_NaN_and_leave_the_other_elements_alone(int length)
    {
        foreach ((string name, Action<float[]> apply) in new (string, Action<float[]>)[]
        {
            ("ReLU", z => Activations.ReLU(z)),
            ("LeakyReLU", z => Activations.LeakyReLU(z)),
            ("Sigmoid", z => Activations.Sigmoid(z)),
            ("Tanh", z => Activations.Tanh(z)),
        })
        {
            for (int at = 0; at < length; at++)
            {
                float[] z = Values(length, length);
                z[at] = float.NaN;
                apply(z);
                for (int i = 0; i < length; i++)
                {
                    Assert.True(i == at ? float.IsNaN(z[i]) : float.IsFinite(z[i]), $"{name}, length {length}, NaN at {at}: element {i} is {z[i]}");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void A_NaN_anywhere_in_a_softmax_row_makes_the_whole_row_NaN(int length)
    {
        for (int at = 0; at < length; at++)
        {
            float[] z = Values(length, 10 + length);
            z[at] = float.NaN;
            Activations.Softmax(z);
            Assert.True(z.All(float.IsNaN), $"Softmax, length {length}, NaN at {at}: [{string.Join(", ", z)}]");
        }
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void SoftmaxCrossEntropy_of_a_NaN_logit_gives_NaN_loss_probabilities_and_gradient(int length)
    {
        for (int at = 0; at < length; at++)
        {
            float[] logits = Values(length, 20 + length);
            logits[at] = float.NaN;
            var probabilities = new float[length];
            var delta = new float[length];
            float loss = LossGradients.SoftmaxCrossEntropy(logits, (at + 1) % length, probabilities, delta, 0.5f);
            Assert.True(float.IsNaN(loss), $"length {length}, NaN at {at}: loss {loss}");
            Assert.True(probabilities.All(float.IsNaN) && delta.All(float.IsNaN), $"length {length}, NaN at {at}");
        }
    }

    [Fact]
    public void BinaryCrossEntropy_of_a_NaN_logit_is_NaN()
    {
        float loss = LossGradients.BinaryCrossEntropy(float.NaN, 1f, out float probability, out float delta, 1f);
        Assert.True(float.IsNaN(loss) && float.IsNaN(probability) && float.IsNaN(delta));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Softmax_of_a_vector_is_NaN_when_a_counted_lane_is_and_ignores_spare_lanes(int count)
    {
        if (!Vector128.IsHardwareAccelerated)
        {
            return; // the generated code calls it only on its vector paths
        }

        for (int at = 0; at < 4; at++)
        {
            float[] z = { 3.5f, -20f, 0.25f, 80f };
            z[at] = float.NaN;
            Vector128<float> result = Activations.Softmax(Vector128.Create(z), count);
            for (int i = 0; i < count; i++)
            {
                float p = result.GetElement(i);
                Assert.True(at < count ? float.IsNaN(p) : float.IsFinite(p), $"count {count}, NaN in lane {at}: lane {i} is {p}");
            }
        }
    }

    [Fact]
    public void Backward_passes_follow_PyTorch_for_NaN_activations()
    {
        // ReLU: PyTorch's threshold_backward zeroes the gradient only where the output is <= 0; NaN passes it on.
        float[] g = { 2f, float.NaN, 3f, 4f };
        Activations.ReLUBackward(new[] { float.NaN, float.NaN, 0f, -1f }, g);
        Assert.Equal(2f, g[0]);
        Assert.True(float.IsNaN(g[1]));
        Assert.Equal(0f, g[2]);
        Assert.Equal(0f, g[3]);

        // LeakyReLU: output > 0 ? g : 0.01 g, so a NaN output scales the gradient by the slope; a NaN gradient stays NaN.
        g = new[] { 2f, float.NaN };
        Activations.LeakyReLUBackward(new[] { float.NaN, float.NaN }, g);
        Assert.Equal(2f * Activations.LeakyReLUSlope, g[0]);
        Assert.True(float.IsNaN(g[1]));

        g = new[] { 1f, 1f };
        Activations.SigmoidBackward(new[] { float.NaN, 0.5f }, g);
        Assert.True(float.IsNaN(g[0]));
        Assert.Equal(0.25f, g[1]);

        g = new[] { 1f, 1f };
        Activations.TanhBackward(new[] { float.NaN, 0.5f }, g);
        Assert.True(float.IsNaN(g[0]));
        Assert.Equal(0.75f, g[1]);

        g = new[] { 1f, 2f, 3f };
        Activations.SoftmaxBackward(new[] { 0.2f, float.NaN, 0.3f }, g);
        Assert.True(g.All(float.IsNaN), string.Join(", ", g));
    }
}
