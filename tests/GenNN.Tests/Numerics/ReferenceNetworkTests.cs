using System.Globalization;
using GenNN.Kernels;

namespace GenNN.Tests.Numerics;

/// <summary>
/// Checks the oracle on its own: a hand-computed example, the loss definitions of the runtime kernels, and
/// double-precision central differences for every hidden activation x (output activation, loss).
/// </summary>
public class ReferenceNetworkTests
{
    private static readonly Dictionary<string, ReferenceNetwork> Specs = BuildSpecs();

    public static TheoryData<string> SpecNames => new(Specs.Keys.Order(StringComparer.Ordinal));

    private static Dictionary<string, ReferenceNetwork> BuildSpecs()
    {
        var specs = new Dictionary<string, ReferenceNetwork>(StringComparer.Ordinal);
        void Add(int input, Loss loss, params LayerSpec[] layers)
        {
            var reference = new ReferenceNetwork(input, layers, loss);
            // Short names (xunit truncates long arguments): "Mse 4>Tanh5>ReLU6>Softmax4".
            specs.Add($"{Combinations.Short(loss)} {input}>" + string.Join(">", layers.Select(l => $"{l.Activation}{l.Units}")), reference);
        }

        foreach ((Activation output, Loss loss) in Combinations.OutputPairs)
        {
            int outputs = loss == Loss.BinaryCrossEntropy ? 1 : 4;
            Add(3, loss, new LayerSpec(outputs, output));
            foreach (Activation hidden in Combinations.Hidden)
            {
                Add(5, loss, new LayerSpec(6, hidden), new LayerSpec(outputs, output));
            }

            Add(4, loss, new LayerSpec(5, Activation.Tanh), new LayerSpec(3, Activation.LeakyReLU), new LayerSpec(6, Activation.ReLU),
                new LayerSpec(outputs, output));
        }

        return specs;
    }

    [Theory]
    [MemberData(nameof(SpecNames))]
    public void Gradient_matches_double_central_differences(string name)
    {
        ReferenceNetwork reference = Specs[name];
        var random = new Random(1234);
        double[] parameters = TestData.Parameters(reference, random);
        const int batch = 5;
        double[] inputs = TestData.ToDouble(TestData.Inputs(reference, parameters, batch, random, kinkMargin: 1e-3));
        double[] targets = TestData.ToDouble(TestData.Targets(reference, batch, random));

        var gradient = new double[reference.ParameterCount];
        reference.LossAndGradient(parameters, inputs, targets, batch, gradient);
        bool[] pattern = reference.KinkPattern(parameters, inputs, batch);

        const double eps = 1e-5;
        int checkedCount = 0;
        for (int k = 0; k < parameters.Length; k++)
        {
            double saved = parameters[k];
            parameters[k] = saved + eps;
            double plus = reference.MeanLoss(parameters, inputs, targets, batch);
            bool samePlus = pattern.SequenceEqual(reference.KinkPattern(parameters, inputs, batch));
            parameters[k] = saved - eps;
            double minus = reference.MeanLoss(parameters, inputs, targets, batch);
            bool sameMinus = pattern.SequenceEqual(reference.KinkPattern(parameters, inputs, batch));
            parameters[k] = saved;
            if (!samePlus || !sameMinus) continue; // the difference straddles a kink

            double fd = (plus - minus) / (2 * eps);
            checkedCount++;
            Assert.True(Math.Abs(fd - gradient[k]) <= 1e-6 * Math.Max(1, Math.Abs(fd)),
                string.Create(CultureInfo.InvariantCulture,
                    $"{name} {reference.DescribeParameter(k)}: analytic {gradient[k]:R}, central difference {fd:R}"));
        }

        Assert.True(checkedCount >= parameters.Length * 9 / 10, $"Only {checkedCount} of {parameters.Length} parameters were away from a kink.");
    }

    [Fact]
    public void Hand_computed_two_layer_example_uses_input_major_weights()
    {
        // Input(2) -> Dense(2, ReLU) -> Dense(1, Linear), MSE. w[i * units + o].
        var reference = new ReferenceNetwork(2, [new(2, Activation.ReLU), new(1, Activation.Linear)], Loss.MeanSquaredError);
        double[] p = [1, -1, 2, 0.5, /* b1 */ 0.5, -0.25, /* W2 */ 1.5, -2, /* b2 */ 0.1];
        double[] x = [1, 2];

        // z1 = [0.5 + 1 + 4, -0.25 - 1 + 1] = [5.5, -0.25] -> ReLU [5.5, 0]; z2 = 0.1 + 1.5 * 5.5 = 8.35.
        Assert.Equal(8.35, reference.Forward(p, x)[0], 12);

        var gradient = new double[9];
        double loss = reference.LossAndGradient(p, x, [8.0], 1, gradient);
        Assert.Equal(0.35 * 0.35, loss, 12);
        double[] expected = [1.05, 0, 2.1, 0, 1.05, 0, 3.85, 0, 0.7];
        for (int k = 0; k < expected.Length; k++) Assert.Equal(expected[k], gradient[k], 12);
        Assert.Equal("Input(2) -> Dense(2, ReLU) -> Dense(1, Linear)", reference.Topology);
        Assert.Equal(9, reference.ParameterCount);
        Assert.Equal("layer 0 weight [in 1, out 0] (#2)", reference.DescribeParameter(2));
        Assert.Equal("layer 1 bias [0] (#8)", reference.DescribeParameter(8));
    }

    [Fact]
    public void Known_loss_values()
    {
        // Zero weights: every logit equals its bias.
        var sce = new ReferenceNetwork(2, [new(5, Activation.Softmax)], Loss.SoftmaxCrossEntropy);
        Assert.Equal(Math.Log(5), sce.MeanLoss(new double[sce.ParameterCount], [0.3, -0.7], [3], 1), 12);

        var bce = new ReferenceNetwork(1, [new(1, Activation.Sigmoid)], Loss.BinaryCrossEntropy);
        Assert.Equal(Math.Log(2), bce.MeanLoss([0, 0], [0.9], [1], 1), 12);
        // Large logit: no overflow, log(1 + e^40) - 0 * 40 = 40 (to double precision).
        Assert.Equal(40, bce.MeanLoss([0, 40], [0.1], [0], 1), 9);
        Assert.Equal(0.5, bce.Forward([0, 0], [1])[0], 12);

        var mse = new ReferenceNetwork(1, [new(2, Activation.Linear)], Loss.MeanSquaredError);
        // y = [b0, b1] = [1, 3], targets [0, 0] and [1, 1]: mean of (1, 9, 0, 4) = 3.5.
        Assert.Equal(3.5, mse.MeanLoss([0, 0, 1, 3], [5, -5], [0, 0, 1, 1], 2), 12);
    }

    [Fact]
    public void Loss_definitions_match_the_runtime_kernels()
    {
        var random = new Random(7);
        const int n = 6;
        const int batch = 3;

        // Identity weights and zero biases make each layer's logits equal its inputs, so the bias gradient is the
        // kernel's delta (scaled by 1 / batch) and the loss is the kernel's loss.
        double[] Identity(ReferenceNetwork r)
        {
            var p = new double[r.ParameterCount];
            for (int i = 0; i < r.InputSize; i++) p[i * r.OutputSize + i] = 1;
            return p;
        }

        var sce = new ReferenceNetwork(n, [new(n, Activation.Softmax)], Loss.SoftmaxCrossEntropy);
        var mse = new ReferenceNetwork(n, [new(n, Activation.Linear)], Loss.MeanSquaredError);
        var bce = new ReferenceNetwork(1, [new(1, Activation.Sigmoid)], Loss.BinaryCrossEntropy);
        float[] logits = Enumerable.Range(0, batch * n).Select(_ => (float)(random.NextDouble() * 8 - 4)).ToArray();
        float[] labels = [2, 0, 5];
        float[] mseTargets = Enumerable.Range(0, batch * n).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        float[] bceLogits = [-3.5f, 0.25f, 9f];
        float[] bceTargets = [0f, 1f, 0.3f];
        float scale = 1f / batch;

        var g = new double[sce.ParameterCount];
        double refLoss = sce.LossAndGradient(Identity(sce), TestData.ToDouble(logits), TestData.ToDouble(labels), batch, g);
        double kernelLoss = 0;
        var bias = new double[n];
        var probabilities = new float[n];
        var delta = new float[n];
        for (int s = 0; s < batch; s++)
        {
            kernelLoss += LossGradients.SoftmaxCrossEntropy(logits.AsSpan(s * n, n), (int)labels[s], probabilities, delta, scale);
            for (int o = 0; o < n; o++) bias[o] += delta[o];
        }

        NumericAssert.Close(kernelLoss / batch, refLoss, "SCE loss", 1e-5);
        NumericAssert.AllClose(bias.Select(v => (float)v).ToArray(), g.AsSpan(sce.BiasOffset(0), n), "SCE delta", tolerance: 1e-5);

        g = new double[mse.ParameterCount];
        refLoss = mse.LossAndGradient(Identity(mse), TestData.ToDouble(logits), TestData.ToDouble(mseTargets), batch, g);
        kernelLoss = 0;
        Array.Clear(bias);
        for (int s = 0; s < batch; s++)
        {
            kernelLoss += LossGradients.MeanSquaredError(logits.AsSpan(s * n, n), mseTargets.AsSpan(s * n, n), delta, scale);
            for (int o = 0; o < n; o++) bias[o] += delta[o];
        }

        NumericAssert.Close(kernelLoss / batch, refLoss, "MSE loss", 1e-5);
        NumericAssert.AllClose(bias.Select(v => (float)v).ToArray(), g.AsSpan(mse.BiasOffset(0), n), "MSE delta", tolerance: 1e-5);

        g = new double[bce.ParameterCount];
        refLoss = bce.LossAndGradient(Identity(bce), TestData.ToDouble(bceLogits), TestData.ToDouble(bceTargets), batch, g);
        kernelLoss = 0;
        double biasSum = 0;
        for (int s = 0; s < batch; s++)
        {
            kernelLoss += LossGradients.BinaryCrossEntropy(bceLogits[s], bceTargets[s], out float probability, out float d, scale);
            NumericAssert.Close(probability, bce.Forward([1, 0], [bceLogits[s]])[0], "BCE probability", 1e-6);
            biasSum += d;
        }

        NumericAssert.Close(kernelLoss / batch, refLoss, "BCE loss", 1e-5);
        NumericAssert.Close(biasSum, g[bce.BiasOffset(0)], "BCE delta", 1e-5);
    }

    [Fact]
    public void Batch_gradient_is_the_mean_of_sample_gradients()
    {
        var reference = new ReferenceNetwork(4, [new(5, Activation.Tanh), new(3, Activation.Softmax)], Loss.MeanSquaredError);
        var random = new Random(3);
        double[] p = TestData.Parameters(reference, random);
        double[] inputs = TestData.ToDouble(TestData.Inputs(reference, p, 3, random));
        double[] targets = TestData.ToDouble(TestData.Targets(reference, 3, random));

        var batchGradient = new double[p.Length];
        double batchLoss = reference.LossAndGradient(p, inputs, targets, 3, batchGradient);
        var sum = new double[p.Length];
        var one = new double[p.Length];
        double lossSum = 0;
        for (int s = 0; s < 3; s++)
        {
            lossSum += reference.LossAndGradient(p, inputs.AsSpan(s * 4, 4), targets.AsSpan(s * 3, 3), 1, one);
            for (int k = 0; k < p.Length; k++) sum[k] += one[k];
        }

        Assert.Equal(lossSum / 3, batchLoss, 12);
        for (int k = 0; k < p.Length; k++) Assert.Equal(sum[k] / 3, batchGradient[k], 12);

        // MSE of the Forward outputs is the loss.
        double direct = 0;
        for (int s = 0; s < 3; s++)
        {
            double[] y = reference.Forward(p, inputs.AsSpan(s * 4, 4));
            for (int o = 0; o < 3; o++) direct += (y[o] - targets[s * 3 + o]) * (y[o] - targets[s * 3 + o]);
        }

        Assert.Equal(direct / 9, batchLoss, 12);
    }

    [Fact]
    public void Rejects_invalid_topologies()
    {
        Assert.Throws<ArgumentException>(() => new ReferenceNetwork(3, [new(2, Activation.Sigmoid)], Loss.BinaryCrossEntropy));
        Assert.Throws<ArgumentException>(() => new ReferenceNetwork(3, [new(1, Activation.Linear)], Loss.BinaryCrossEntropy));
        Assert.Throws<ArgumentException>(() => new ReferenceNetwork(3, [new(4, Activation.Sigmoid)], Loss.SoftmaxCrossEntropy));
        Assert.Throws<ArgumentException>(() => new ReferenceNetwork(3, [new(4, Activation.Softmax), new(2, Activation.Softmax)], Loss.MeanSquaredError));
        Assert.Throws<ArgumentException>(() => new ReferenceNetwork(3, [], Loss.MeanSquaredError));
    }
}
