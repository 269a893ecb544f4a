namespace GenNN.Tests.Numerics;

/// <summary>
/// NaN never hides (PyTorch's behaviour): a NaN in one input feature makes every output that depends on it NaN, on
/// every network of the engine matrix (each activation, ragged rows, narrow layers) and on whichever SIMD path runs
/// (CI repeats the suite with DOTNET_EnableAVX512=0, DOTNET_EnableAVX2=0 and DOTNET_EnableHWIntrinsic=0). Every
/// output of a dense network depends on every input, so all of them must be NaN.
/// </summary>
public class NanPropagationTests
{
    public static TheoryData<string> Names => NetworkCases.Names;

    /// <summary>The first, a middle and the last feature: each reaches the kernels through a different k step.</summary>
    private static int[] Features(int inputSize) => new[] { 0, inputSize / 2, inputSize - 1 }.Distinct().ToArray();

    [Theory]
    [MemberData(nameof(Names))]
    public void Predict_turns_a_NaN_feature_into_NaN_outputs(string name)
    {
        NetworkCase c = NetworkCases.Get(name);
        INetwork network = c.CreatePerturbed(41);
        float[] input = TestData.Inputs(c.Reference, TestData.ToDouble(network.Parameters), 1, new Random(42), 0);
        var output = new float[network.OutputSize];
        foreach (int feature in Features(network.InputSize))
        {
            float[] x = (float[])input.Clone();
            x[feature] = float.NaN;
            network.Predict(x, output);
            AssertAllNaN(output, $"{c.Reference.Topology} Predict with input[{feature}] = NaN");
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void PredictBatch_turns_a_NaN_feature_into_NaN_outputs_of_that_sample_only(string name)
    {
        NetworkCase c = NetworkCases.Get(name);
        INetwork network = c.CreatePerturbed(51);
        int inputSize = network.InputSize, outputSize = network.OutputSize;
        // 13 rows: full register tiles, then a half, quarter and single-row remainder; 70 rows: more than one chunk
        // for the widest networks.
        foreach (int batch in new[] { 1, 13, 70 })
        {
            float[] inputs = TestData.Inputs(c.Reference, TestData.ToDouble(network.Parameters), batch, new Random(52 + batch), 0);
            var clean = new float[batch * outputSize];
            network.PredictBatch(inputs, clean, batch);
            Assert.All(clean, v => Assert.True(float.IsFinite(v)));

            int[] nanRows = new[] { 0, batch / 2, batch - 1 }.Distinct().ToArray();
            int[] features = Features(inputSize);
            for (int i = 0; i < nanRows.Length; i++)
            {
                inputs[nanRows[i] * inputSize + features[i % features.Length]] = float.NaN;
            }

            var outputs = new float[batch * outputSize];
            network.PredictBatch(inputs, outputs, batch);
            for (int s = 0; s < batch; s++)
            {
                ReadOnlySpan<float> row = outputs.AsSpan(s * outputSize, outputSize);
                if (nanRows.Contains(s))
                {
                    AssertAllNaN(row, $"{c.Reference.Topology} PredictBatch(batchSize: {batch}) sample {s} (has a NaN feature)");
                }
                else
                {
                    // The other samples run through the same tiles, so they are bit for bit what they were without the NaN.
                    Assert.True(row.SequenceEqual(clean.AsSpan(s * outputSize, outputSize)),
                        $"{c.Reference.Topology} PredictBatch(batchSize: {batch}): sample {s} has no NaN feature but its outputs changed.");
                }
            }
        }
    }

    /// <summary>
    /// TrainBatch rejects NaN inputs, so the NaN enters through the parameters: a NaN in row <c>f</c> of the first
    /// weight matrix is what a NaN in feature <c>f</c> of every sample is. The forward outputs, the loss and every
    /// gradient must be NaN: the activations' derivatives must pass the NaN back (PyTorch's ReLU backward zeroes the
    /// gradient only where the output is &lt;= 0) instead of treating NaN as "inactive".
    /// </summary>
    [Theory]
    [MemberData(nameof(Names))]
    public void TrainBatch_turns_a_NaN_parameter_into_NaN_outputs_loss_and_gradients(string name)
    {
        NetworkCase c = NetworkCases.Get(name);
        INetwork network = c.CreatePerturbed(61);
        int units = c.Reference.Layers[0].Units;
        int feature = network.InputSize / 2;
        // Weights are input-major: w[i * units + o].
        network.Parameters.Slice(feature * units, units).Fill(float.NaN);
        foreach (int batch in new[] { 1, 13 })
        {
            var random = new Random(62 + batch);
            float[] inputs = Enumerable.Range(0, batch * network.InputSize).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
            float[] targets = TestData.Targets(c.Reference, batch, random);
            var outputs = new float[batch * network.OutputSize];
            network.Gradients.Fill(0f);

            float loss = network.TrainBatch(inputs, targets, batch, outputs);

            string what = $"{c.Reference.Topology} TrainBatch(batchSize: {batch}) with NaN weights from input {feature}";
            Assert.True(float.IsNaN(loss), $"{what}: the loss is {loss}, expected NaN.");
            AssertAllNaN(outputs, what + " outputs");
            AssertAllNaN(network.Gradients, what + " gradients");
        }
    }

    /// <summary>The issue's reproduction: the trained Iris sample answered [1/3, 1/3, 1/3]-like finite probabilities.</summary>
    [Fact]
    public void The_trained_Iris_sample_predicts_NaN_for_a_NaN_measurement()
    {
        Samples.Iris.IrisNet model = Samples.Iris.IrisExample.Train().Model;
        var probabilities = new float[Samples.Iris.IrisNet.OutputSize];
        model.Predict([float.NaN, 0.1f, 0.2f, 0.3f], probabilities);
        AssertAllNaN(probabilities, "Iris Predict([NaN, .1, .2, .3])");

        var batch = new float[2 * Samples.Iris.IrisNet.OutputSize];
        model.PredictBatch([0.5f, 0.1f, 0.2f, 0.3f, float.NaN, 0.1f, 0.2f, 0.3f], batch, 2);
        Assert.All(batch.AsSpan(0, 3).ToArray(), p => Assert.True(float.IsFinite(p)));
        AssertAllNaN(batch.AsSpan(3), "Iris PredictBatch row 1 ([NaN, .1, .2, .3])");
    }

    /// <summary>A regression net of ReLU layers (the issue's second example answered 0).</summary>
    [Fact]
    public void A_ReLU_regression_net_predicts_NaN_for_a_NaN_feature()
    {
        var network = new Mse_I16_Relu16_Relu16_Lin16(3);
        var x = new float[16];
        x[5] = float.NaN;
        var y = new float[16];
        network.Predict(x, y);
        AssertAllNaN(y, "Predict of a 16-16-16-16 ReLU net with input[5] = NaN");
    }

    private static void AssertAllNaN(ReadOnlySpan<float> values, string what)
    {
        var finite = new List<string>();
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsNaN(values[i])) finite.Add($"[{i}] = {values[i]}");
        }

        Assert.True(finite.Count == 0,
            $"{what}: {finite.Count} of {values.Length} values are not NaN: {string.Join(", ", finite.Take(8))}");
    }
}
