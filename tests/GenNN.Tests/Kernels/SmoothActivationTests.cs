using GenNN.Kernels;
using GenNN.Tests.Numerics;

namespace GenNN.Tests.Kernels;

/// <summary>
/// ELU, GELU (exact), SiLU, Softplus, HardSigmoid and LeakyReLU with a slope, forward and backward, against the
/// double-precision formulas: at every length the Vector128 loop and its scalar tail handle, over [-12, 12] and into
/// the tails where a careless formula cancels (ELU near 0, GELU and Softplus far below 0), in place and out of place;
/// and NaN in any position stays NaN, alone.
/// </summary>
public class SmoothActivationTests
{
    public static IEnumerable<object[]> Lengths() => ActivationKernelTests.Lengths();

    private delegate void Forward(ReadOnlySpan<float> z, Span<float> a);

    private delegate void Backward(ReadOnlySpan<float> x, Span<float> g);

    private static double Sigmoid(double z) => 1 / (1 + Math.Exp(-z));

    /// <summary>Each activation: its forward, its backward (and whether that reads z or a), and the double formulas.</summary>
    private static readonly (string Name, Forward Forward, Backward Backward, bool FromZ, Func<double, double> F, Func<double, double> Df)[] Cases =
    [
        ("ELU", Activations.ELU, Activations.ELUBackward, false, z => z > 0 ? z : Math.Exp(z) - 1, z => z > 0 ? 1 : Math.Exp(z)),
        ("GELU", Activations.GELU, Activations.GELUBackward, true, z => z * ReferenceNetwork.Phi(z),
            z => ReferenceNetwork.Phi(z) + z * Math.Exp(-z * z / 2) / Math.Sqrt(2 * Math.PI)),
        ("SiLU", Activations.SiLU, Activations.SiLUBackward, true, z => z * Sigmoid(z), z => Sigmoid(z) * (1 + z * (1 - Sigmoid(z)))),
        ("Softplus", Activations.Softplus, Activations.SoftplusBackward, true, z => Math.Max(z, 0) + Math.Log(1 + Math.Exp(-Math.Abs(z))), Sigmoid),
        ("HardSigmoid", Activations.HardSigmoid, Activations.HardSigmoidBackward, false, z => Math.Clamp(z + 3, 0, 6) / 6, z => z > -3 && z < 3 ? 1.0 / 6 : 0),
        ("LeakyReLU(0.2)", (z, a) => Activations.LeakyReLU(z, a, 0.2f), (a, g) => Activations.LeakyReLUBackward(a, g, 0.2f), false,
            z => z > 0 ? z : 0.2f * z, z => z > 0 ? 1 : 0.2f),
    ];

    private static float[] Values(int length, int seed)
    {
        var random = new Random(seed);
        float[] special = [0f, -0f, 1e-4f, -1e-4f, -0.3f, 0.49f, -0.51f, 3f, -3f, 2.9999f, -12f, -30f, 12f, 30f, -8f];
        return Enumerable.Range(0, length).Select(i => i % 3 == 0 ? special[(i / 3) % special.Length] : (float)(random.NextDouble() * 24 - 12)).ToArray();
    }

    private static void AssertClose(double actual, double expected, string what)
        => Assert.True(Math.Abs(actual - expected) <= 2e-6 * Math.Abs(expected) + 2e-7, $"{what}: got {actual:R}, expected {expected:R}");

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Forward_and_backward_match_the_double_formulas(int length)
    {
        foreach (var c in Cases)
        {
            float[] z = Values(length, length);
            var a = new float[length];
            c.Forward(z, a);
            float[] inPlace = (float[])z.Clone();
            c.Forward(inPlace, inPlace);
            Assert.Equal(a, inPlace);

            float[] g = Enumerable.Repeat(1f, length).ToArray();
            c.Backward(c.FromZ ? z : a, g);
            for (int i = 0; i < length; i++)
            {
                AssertClose(a[i], c.F(z[i]), $"{c.Name}({z[i]:R}), length {length}, element {i}");
                // Away from HardSigmoid's kinks: at z = ±3 the output says 0 or 1 and the derivative is taken as 0.
                if (c.Name == "HardSigmoid" && Math.Abs(Math.Abs(z[i]) - 3) < 1e-3) continue;
                AssertClose(g[i], c.Df(z[i]), $"{c.Name}'({z[i]:R}), length {length}, element {i}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void A_NaN_stays_NaN_and_alone(int length)
    {
        foreach (var c in Cases)
        {
            for (int at = 0; at < length; at++)
            {
                float[] z = Values(length, 100 + length);
                z[at] = float.NaN;
                c.Forward(z, z);
                for (int i = 0; i < length; i++)
                {
                    Assert.True(i == at ? float.IsNaN(z[i]) : float.IsFinite(z[i]), $"{c.Name}, length {length}, NaN at {at}: element {i} is {z[i]}");
                }
            }
        }
    }

    [Fact]
    public void Tails_keep_their_relative_precision()
    {
        // Where e^z - 1, 1 + erf and log(1 + e^z) would cancel to 0 or to noise in float.
        var z = new float[] { -1e-6f, 1e-7f - 0f, -5f, -9f, -20f, -40f, -5f, -1e-3f };
        var expected = new Func<float, (string, double, float)>[]
        {
            v => ("ELU", Math.Exp(v) - 1, Apply(Activations.ELU, v)),
            v => ("GELU", v * ReferenceNetwork.Phi(v), Apply(Activations.GELU, v)),
            v => ("Softplus", Math.Log(1 + Math.Exp(v)), Apply(Activations.Softplus, v)),
        };
        foreach (float v in z)
        {
            foreach (var f in expected)
            {
                (string name, double e, float actual) = f(v);
                if (name == "ELU" && v > 0) continue;
                if (Math.Abs(e) < 1e-30) continue; // below float's normal range
                Assert.True(Math.Abs(actual - e) <= 1e-5 * Math.Abs(e), $"{name}({v:R}) = {actual:R}, expected {e:R} (relative error {Math.Abs(actual - e) / Math.Abs(e):E2})");
            }
        }
    }

    private static float Apply(Forward forward, float v)
    {
        // Nine copies: the Vector128 loop and the scalar tail both run, and agree to float rounding (the vector path may
        // use FMA where the scalar one does not).
        float[] z = Enumerable.Repeat(v, 9).ToArray();
        var a = new float[9];
        forward(z, a);
        Assert.True(Math.Abs(a[0] - a[8]) <= 1e-6 * Math.Abs(a[0]), $"vector {a[0]:R} vs scalar {a[8]:R} for {v:R}");
        return a[0];
    }

    [Fact]
    public void Huber_and_MAE_gradients_switch_where_PyTorch_does()
    {
        float[] y = [0f, 0.25f, 2f, -3f];
        float[] t = [0f, 0f, 0f, 0f];
        var d = new float[4];
        float huber = LossGradients.Huber(y, t, d, scale: 1f, huberDelta: 1f);
        Assert.Equal((0 + 0.5 * 0.0625 + (2 - 0.5) + (3 - 0.5)) / 4, huber, 1e-6);
        Assert.Equal([0f, 0.25f / 4, 1f / 4, -1f / 4], d);

        float mae = LossGradients.MeanAbsoluteError(y, t, d, scale: 0.5f);
        Assert.Equal((0 + 0.25 + 2 + 3) / 4.0, mae, 1e-6);
        Assert.Equal([0f, 0.5f / 4, 0.5f / 4, -0.5f / 4], d); // sign(0) = 0, as PyTorch's L1Loss gradient
    }

    [Fact]
    public void Categorical_cross_entropy_with_a_one_hot_target_is_the_softmax_cross_entropy_of_its_label()
    {
        float[] z = [0.5f, -1f, 2f, 0.1f, 3f];
        var p1 = new float[5];
        var d1 = new float[5];
        var p2 = new float[5];
        var d2 = new float[5];
        float sparse = LossGradients.SoftmaxCrossEntropy(z, 2, p1, d1, 0.25f);
        float dense = LossGradients.CategoricalCrossEntropy(z, [0f, 0f, 1f, 0f, 0f], p2, d2, 0.25f);
        Assert.Equal(sparse, dense, 1e-6f);
        Assert.Equal(p1, p2);
        for (int i = 0; i < 5; i++) Assert.Equal(d1[i], d2[i], 1e-7f);
    }
}
