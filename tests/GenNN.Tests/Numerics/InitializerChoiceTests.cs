using System.Globalization;

namespace GenNN.Tests.Numerics;

/// <summary>
/// <c>KernelInitializer</c> and <c>BiasInitializer</c>: each initialiser's weights have the variance its formula names
/// (within 5% on 18,000 or more draws, where the estimate's standard error is about 1%), mean about 0, and stay inside
/// their bound (the uniform limit, or two of the truncated normal's raised deviations); constant biases are that value.
/// </summary>
public class InitializerChoiceTests
{
    private static void AssertLayer(Span<float> parameters, int offset, int fanIn, int fanOut, string initializer, double variance, double bound)
    {
        float[] w = parameters.Slice(offset, fanIn * fanOut).ToArray();
        double mean = w.Average(v => (double)v);
        double actual = w.Sum(v => ((double)v - mean) * (v - mean)) / (w.Length - 1);
        string what = string.Create(CultureInfo.InvariantCulture, $"{initializer} {fanIn} -> {fanOut}: variance {actual:G4}, expected {variance:G4}");
        Assert.InRange(actual / variance, 0.95, 1.05);
        Assert.InRange(mean, -5 * Math.Sqrt(variance / w.Length), 5 * Math.Sqrt(variance / w.Length));
        Assert.True(w.Max(v => Math.Abs((double)v)) <= bound * (1 + 1e-6), what + ": a weight exceeds the bound " + bound.ToString(CultureInfo.InvariantCulture));
        Assert.True(w.Max(v => Math.Abs((double)v)) >= bound * 0.9, what + ": no weight comes near the bound (wrong distribution?)");
    }

    private const double Truncated = 2 / 0.87962566103423978; // bound in units of the target standard deviation

    [Fact]
    public void Glorot_and_He_initialisers_have_their_variance()
    {
        var net = new InitNetA(5);
        Span<float> p = net.Parameters;
        AssertLayer(p, 0, 300, 200, "GlorotUniform", 2.0 / 500, Math.Sqrt(6.0 / 500));
        AssertLayer(p, 300 * 200 + 200, 200, 150, "GlorotNormal", 2.0 / 350, Truncated * Math.Sqrt(2.0 / 350));
        AssertLayer(p, 300 * 200 + 200 + 200 * 150 + 150, 150, 120, "HeUniform", 2.0 / 150, Math.Sqrt(6.0 / 150));
        Assert.All(p.Slice(300 * 200, 200).ToArray(), b => Assert.Equal(0f, b));
        Assert.All(p.Slice(300 * 200 + 200 + 200 * 150, 150).ToArray(), b => Assert.Equal(0.1f, b));
    }

    [Fact]
    public void He_normal_and_LeCun_initialisers_have_their_variance()
    {
        var net = new InitNetB(6);
        Span<float> p = net.Parameters;
        AssertLayer(p, 0, 300, 200, "HeNormal", 2.0 / 300, Truncated * Math.Sqrt(2.0 / 300));
        AssertLayer(p, 300 * 200 + 200, 200, 150, "LeCunUniform", 1.0 / 200, Math.Sqrt(3.0 / 200));
        AssertLayer(p, 300 * 200 + 200 + 200 * 150 + 150, 150, 120, "LeCunNormal", 1.0 / 150, Truncated * Math.Sqrt(1.0 / 150));
        Assert.All(p.Slice(300 * 200 + 200 + 200 * 150 + 150 + 150 * 120, 120).ToArray(), b => Assert.Equal(-0.25f, b));
    }

    [Fact]
    public void Initialisers_are_reproducible_from_the_seed()
    {
        Assert.True(new InitNetB(7).Parameters.SequenceEqual(new InitNetB(7).Parameters));
        Assert.False(new InitNetB(7).Parameters.SequenceEqual(new InitNetB(8).Parameters));
    }
}

[Network]
[Input(300)]
[Dense(200, Activation.Tanh, KernelInitializer = Initializer.GlorotUniform)]
[Dense(150, Activation.ReLU, KernelInitializer = Initializer.GlorotNormal, BiasInitializer = Initializer.Constant, BiasValue = 0.1f)]
[Dense(120, Activation.Tanh, KernelInitializer = Initializer.HeUniform)]
public partial class InitNetA { }

[Network]
[Input(300)]
[Dense(200, Activation.ReLU, KernelInitializer = Initializer.HeNormal)]
[Dense(150, Activation.Tanh, KernelInitializer = Initializer.LeCunUniform, BiasInitializer = Initializer.Zeros)]
[Dense(120, Activation.ELU, KernelInitializer = Initializer.LeCunNormal, BiasInitializer = Initializer.Constant, BiasValue = -0.25f)]
public partial class InitNetB { }
