using System.Globalization;
using Xunit.Abstractions;

namespace GenNN.Tests.Numerics;

/// <summary>
/// The generated backward pass against central differences of the generated forward pass, in float32: for a
/// sample of weights and biases of every layer, (L(p + e) - L(p - e)) / 2e from TrainBatch's loss must match
/// TrainBatch's gradient. Independent of the reference, so a reference bug cannot hide a generated one.
/// </summary>
public class GradientCheckTests(ITestOutputHelper output)
{
    public static TheoryData<string> Names => NetworkCases.GradientCheckNames;

    private const float Eps = 1e-2f;
    private const double Relative = 1e-2;
    private const double AbsoluteFloor = 3e-5;
    private const int Batch = 4;

    [Theory]
    [MemberData(nameof(Names))]
    public void TrainBatch_gradient_matches_central_differences_of_its_loss(string name)
    {
        NetworkCase c = NetworkCases.Get(name);
        ReferenceNetwork r = c.Reference;
        INetwork network = c.CreatePerturbed(41);
        float[] theta = network.Parameters.ToArray();
        double[] p = TestData.ToDouble(theta);
        var random = new Random(42);
        float[] inputs = TestData.Inputs(r, p, Batch, random, kinkMargin: 0.02);
        float[] targets = TestData.Targets(r, Batch, random);
        double[] inputsD = TestData.ToDouble(inputs);
        double[] targetsD = TestData.ToDouble(targets);

        float loss0 = network.TrainBatch(inputs, targets, Batch);
        float[] gradient = network.Gradients.ToArray();
        bool[] pattern = r.KinkPattern(p, inputsD, Batch, targetsD);
        double floor = AbsoluteFloor * Math.Max(1, Math.Abs(loss0));

        int[] indices = SampleIndices(r, random);
        int checkedCount = 0, significant = 0;
        double worst = 0;
        var failures = new List<string>();
        foreach (int k in indices)
        {
            float plus = theta[k] + Eps;
            float minus = theta[k] - Eps;

            // Skip an element whose perturbation moves any pre-activation across a kink of its activation (ReLU's 0,
            // HardSigmoid's -3 and 3) or an output across a kink of the loss (MAE's y = t, Huber's |y - t| = delta).
            p[k] = plus;
            bool straddles = !pattern.SequenceEqual(r.KinkPattern(p, inputsD, Batch, targetsD));
            p[k] = minus;
            straddles |= !pattern.SequenceEqual(r.KinkPattern(p, inputsD, Batch, targetsD));
            p[k] = theta[k];
            if (straddles) continue;

            network.Parameters[k] = plus;
            float lossPlus = network.TrainBatch(inputs, targets, Batch);
            network.Parameters[k] = minus;
            float lossMinus = network.TrainBatch(inputs, targets, Batch);
            network.Parameters[k] = theta[k];

            double fd = ((double)lossPlus - lossMinus) / ((double)plus - minus);
            double g = gradient[k];
            double error = Math.Abs(fd - g);
            double allowed = Relative * Math.Max(Math.Abs(fd), Math.Abs(g)) + floor;
            worst = Math.Max(worst, error / allowed);
            checkedCount++;
            if (Math.Abs(g) > 10 * floor) significant++;
            if (error > allowed)
            {
                failures.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{r.DescribeParameter(k)}: TrainBatch gradient {g:R}, central difference {fd:R} (|diff| {error:E3} > {allowed:E3})"));
            }
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{r.Topology} {r.Loss}: checked {checkedCount} of {indices.Length} sampled parameters ({significant} clearly non-zero), worst error / allowed = {worst:F3}"));
        Assert.True(failures.Count == 0, $"{r.Topology} {r.Loss}, loss {loss0:R}:\n  " + string.Join("\n  ", failures));
        Assert.True(checkedCount * 2 >= indices.Length,
            $"Only {checkedCount} of {indices.Length} sampled parameters were away from a ReLU kink; the check proves too little.");

        Assert.True(significant * 4 >= checkedCount,
            $"Only {significant} of {checkedCount} checked gradients are clearly non-zero (dead units?); the check proves too little.");

        // The check itself must not have moved anything.
        Assert.True(network.Parameters.SequenceEqual(theta));
    }

    /// <summary>Per layer: the first, last and 4 random weights; the first, last and one random bias.</summary>
    private static int[] SampleIndices(ReferenceNetwork r, Random random)
    {
        var indices = new SortedSet<int>();
        for (int l = 0; l < r.LayerCount; l++)
        {
            int w0 = r.WeightOffset(l), wn = r.WeightCount(l);
            indices.Add(w0);
            indices.Add(w0 + wn - 1);
            for (int i = 0; i < 4; i++) indices.Add(w0 + random.Next(wn));
            int b0 = r.BiasOffset(l), bn = r.Layers[l].Units;
            indices.Add(b0);
            indices.Add(b0 + bn - 1);
            indices.Add(b0 + random.Next(bn));
        }

        return indices.ToArray();
    }
}
