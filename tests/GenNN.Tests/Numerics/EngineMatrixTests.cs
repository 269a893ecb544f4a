namespace GenNN.Tests.Numerics;

/// <summary>
/// Every generated network against the double-precision reference: metadata, Predict, PredictBatch and TrainBatch
/// (loss and every gradient element) within <c>|a - b| &lt;= 1e-4 max(1, |b|)</c>. Which SIMD path runs depends on
/// the machine and the DOTNET_Enable* variables; the expectations do not.
/// </summary>
public class EngineMatrixTests
{
    public static TheoryData<string> Names => NetworkCases.Names;

    /// <summary>
    /// Batch sizes: one sample, and every remainder of the register tiles' row loops (6 rows on AVX2 leave 4-, 2- and
    /// 1-row tiles, 8 on AVX-512 and 4 on Vector128 leave their halves).
    /// </summary>
    private static readonly int[] Batches = [1, 3, 5, 8, 13, 64, 65];

    /// <summary>Inputs are redrawn when a ReLU pre-activation lies this close to 0 (float rounding could flip it).</summary>
    private const double KinkMargin = 1e-4;

    [Theory]
    [MemberData(nameof(Names))]
    public void Metadata_matches_the_declared_topology(string name)
    {
        NetworkCase c = NetworkCases.Get(name);
        ReferenceNetwork r = c.Reference;
        INetwork network = c.Create(1);
        Assert.Equal(r.Topology, network.Topology);
        Assert.Equal(r.InputSize, network.InputSize);
        Assert.Equal(r.OutputSize, network.OutputSize);
        Assert.Equal(r.TargetSize, network.TargetSize);
        Assert.Equal(r.ParameterCount, network.ParameterCount);
        Assert.Equal(r.Loss, network.Loss);
        Assert.Equal(r.ParameterCount, network.Parameters.Length);
        Assert.Equal(r.ParameterCount, network.Gradients.Length);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Predict_matches_reference(string name)
    {
        NetworkCase c = NetworkCases.Get(name);
        ReferenceNetwork r = c.Reference;
        INetwork network = c.CreatePerturbed(11);
        double[] p = TestData.ToDouble(network.Parameters);
        var random = new Random(12);
        float[] inputs = TestData.Inputs(r, p, 8, random, KinkMargin);
        var output = new float[r.OutputSize];
        for (int s = 0; s < 8; s++)
        {
            ReadOnlySpan<float> x = inputs.AsSpan(s * r.InputSize, r.InputSize);
            network.Predict(x, output);
            double[] expected = r.Forward(p, TestData.ToDouble(x));
            NumericAssert.AllClose(output, expected, $"{r.Topology} Predict sample {s}");
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void PredictBatch_matches_reference(string name)
    {
        NetworkCase c = NetworkCases.Get(name);
        ReferenceNetwork r = c.Reference;
        INetwork network = c.CreatePerturbed(21);
        double[] p = TestData.ToDouble(network.Parameters);
        var random = new Random(22);
        foreach (int batch in Batches)
        {
            float[] inputs = TestData.Inputs(r, p, batch, random, KinkMargin);
            var outputs = new float[batch * r.OutputSize];
            network.PredictBatch(inputs, outputs, batch);
            double[] expected = r.ForwardBatch(p, TestData.ToDouble(inputs), batch);
            NumericAssert.AllClose(outputs, expected, $"{r.Topology} PredictBatch(batchSize: {batch})",
                i => $"sample {i / r.OutputSize} output {i % r.OutputSize}");
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void TrainBatch_matches_reference(string name)
    {
        NetworkCase c = NetworkCases.Get(name);
        ReferenceNetwork r = c.Reference;
        INetwork network = c.CreatePerturbed(31);
        float[] parametersBefore = network.Parameters.ToArray();
        double[] p = TestData.ToDouble(parametersBefore);
        var random = new Random(32);
        var expectedGradient = new double[r.ParameterCount];

        // Garbage in the gradient buffer must not leak into the result: TrainBatch overwrites.
        network.Gradients.Fill(1e3f);
        foreach (int batch in Batches)
        {
            float[] inputs = TestData.Inputs(r, p, batch, random, KinkMargin);
            float[] targets = TestData.Targets(r, batch, random);
            double expectedLoss = r.LossAndGradient(p, TestData.ToDouble(inputs), TestData.ToDouble(targets), batch, expectedGradient);
            string what = $"{r.Topology} {r.Loss} TrainBatch(batchSize: {batch})";

            // Twice with the same batch: the second call must give the same result, not twice the gradient. The second
            // call uses the overload that also returns the forward outputs.
            var outputs = new float[batch * r.OutputSize];
            for (int call = 1; call <= 2; call++)
            {
                float loss = call == 1 ? network.TrainBatch(inputs, targets, batch) : network.TrainBatch(inputs, targets, batch, outputs);
                NumericAssert.Close(loss, expectedLoss, $"{what} loss (call {call})");
                NumericAssert.AllClose(network.Gradients, expectedGradient, $"{what} gradients (call {call})", r.DescribeParameter);
                Assert.True(network.Parameters.SequenceEqual(parametersBefore), $"{what} changed Parameters.");
            }

            NumericAssert.AllClose(outputs, r.ForwardBatch(p, TestData.ToDouble(inputs), batch), $"{what} outputs",
                i => $"sample {i / r.OutputSize} output {i % r.OutputSize}");
        }
    }

    [Fact]
    public void Matrix_covers_the_smooth_activations_the_slope_and_the_newer_losses()
    {
        foreach (Activation activation in new[] { Activation.ELU, Activation.GELU, Activation.SiLU, Activation.Softplus, Activation.HardSigmoid })
        {
            Assert.True(NetworkCases.All.Any(c => c.GradientCheck && c.Reference.Layers.SkipLast(1).Any(l => l.Activation == activation)),
                $"No gradient-checked network has a {activation} hidden layer.");
            Assert.True(NetworkCases.All.Any(c => c.GradientCheck && c.Reference.Layers[^1].Activation == activation),
                $"No gradient-checked network has a {activation} output layer.");
        }

        foreach (Loss loss in new[] { Loss.MeanAbsoluteError, Loss.Huber, Loss.CategoricalCrossEntropy })
        {
            Assert.True(NetworkCases.All.Count(c => c.GradientCheck && c.Reference.Loss == loss) >= 2, $"Fewer than two gradient-checked {loss} networks.");
        }

        Assert.Contains(NetworkCases.All, c => c.Reference.Loss == Loss.Huber && c.Reference.HuberDelta != 1.0);
        Assert.Contains(NetworkCases.All, c => c.Reference.Layers.SkipLast(1).Any(l => l.Activation == Activation.LeakyReLU && l.NegativeSlope != ReferenceNetwork.LeakySlope));
        Assert.Contains(NetworkCases.All, c => c.Reference.Layers[^1] is { Activation: Activation.LeakyReLU } o && o.NegativeSlope != ReferenceNetwork.LeakySlope);
    }

    [Fact]
    public void Matrix_covers_every_combination_size_and_depth()
    {
        foreach (Activation hidden in Combinations.Hidden)
        {
            foreach ((Activation output, Loss loss) in Combinations.OutputPairs)
            {
                Assert.True(NetworkCases.All.Any(c => c.GradientCheck && c.Reference.Loss == loss
                        && c.Reference.Layers[^1].Activation == output && c.Reference.Layers.SkipLast(1).Any(l => l.Activation == hidden)),
                    $"No gradient-checked network has a {hidden} hidden layer and a {output} output with {loss}.");
            }
        }

        foreach ((Activation output, Loss loss) in Combinations.OutputPairs)
        {
            Assert.Contains(NetworkCases.All, c => c.Reference.LayerCount == 1 && c.Reference.Loss == loss && c.Reference.Layers[0].Activation == output);
        }

        foreach (int size in new[] { 1, 3, 7, 13, 16, 17, 33, 100 })
        {
            Assert.Contains(NetworkCases.All, c => c.Reference.InputSize == size);
            Assert.Contains(NetworkCases.All, c => c.Reference.Layers.Any(l => l.Units == size));
        }

        for (int depth = 1; depth <= 4; depth++)
        {
            Assert.Contains(NetworkCases.All, c => c.Reference.LayerCount == depth);
        }
    }
}
