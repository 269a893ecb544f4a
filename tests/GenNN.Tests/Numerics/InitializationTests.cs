using System.Globalization;

namespace GenNN.Tests.Numerics;

/// <summary>Seeded initialisation: reproducible, seed-dependent, He/Glorot uniform bounds per layer, zero biases.</summary>
public class InitializationTests
{
    public static TheoryData<string> Names => NetworkCases.Names;

    [Theory]
    [MemberData(nameof(Names))]
    public void Same_seed_gives_bit_identical_parameters_and_other_seeds_differ(string name)
    {
        NetworkCase c = NetworkCases.Get(name);
        float[] a = c.Create(42).Parameters.ToArray();
        float[] b = c.Create(42).Parameters.ToArray();
        Assert.Equal(a.Select(BitConverter.SingleToInt32Bits), b.Select(BitConverter.SingleToInt32Bits));

        float[] other = c.Create(43).Parameters.ToArray();
        float[] unseeded = c.CreateUnseeded().Parameters.ToArray();
        int weights = Enumerable.Range(0, c.Reference.LayerCount).Sum(c.Reference.WeightCount);
        int differ = Enumerable.Range(0, a.Length).Count(i => a[i] != other[i]);
        // Every weight is a fresh draw; allow a few coincidences in tiny layers.
        Assert.True(differ >= weights * 9 / 10, $"Seeds 42 and 43 share {weights - differ} of {weights} weights.");
        Assert.True(Enumerable.Range(0, a.Length).Count(i => a[i] != unseeded[i]) >= weights * 9 / 10,
            "The parameterless constructor gave the weights of seed 42.");
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Weights_follow_He_or_Glorot_uniform_and_biases_are_zero(string name)
    {
        NetworkCase c = NetworkCases.Get(name);
        ReferenceNetwork r = c.Reference;
        float[] p = c.Create(7).Parameters.ToArray();
        for (int l = 0; l < r.LayerCount; l++)
        {
            LayerSpec layer = r.Layers[l];
            int fanIn = r.FanIn(l);
            bool he = ReferenceNetwork.HasKink(layer.Activation);
            double bound = he ? Math.Sqrt(6.0 / fanIn) : Math.Sqrt(6.0 / (fanIn + layer.Units));
            string what = string.Create(CultureInfo.InvariantCulture,
                $"{r.Topology} layer {l} {layer} ({(he ? "He" : "Glorot")} uniform, bound {bound:G6})");

            float[] w = p.AsSpan(r.WeightOffset(l), r.WeightCount(l)).ToArray();
            double maxAbs = w.Max(v => Math.Abs((double)v));
            Assert.True(maxAbs <= bound * (1 + 1e-6), $"{what}: max |w| = {maxAbs:G6} exceeds the bound.");
            if (w.Length >= 200)
            {
                // U(-l, l): the largest of n >= 200 draws is below 0.95 l with probability 0.95^200 < 1e-4;
                // E|w| = l/2 (sd l/sqrt(12n)), E w = 0 (sd l/sqrt(3n)): the ranges below are about 5 sd wide.
                Assert.True(maxAbs >= bound * 0.95, $"{what}: max |w| = {maxAbs:G6}, expected close to the bound.");
                double meanAbs = w.Average(v => Math.Abs((double)v));
                Assert.InRange(meanAbs, bound * 0.40, bound * 0.60);
                double mean = w.Average(v => (double)v);
                Assert.InRange(mean, -bound * 0.2, bound * 0.2);
            }

            Assert.True(p.AsSpan(r.BiasOffset(l), layer.Units).ToArray().All(b => b == 0f), $"{what}: biases are not zero.");
        }
    }
}
