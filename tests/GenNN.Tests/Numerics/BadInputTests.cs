using System.Globalization;
using System.Text.RegularExpressions;

namespace GenNN.Tests.Numerics;

/// <summary>Wrong lengths and out-of-range targets throw an ArgumentException that says what was expected.</summary>
public class BadInputTests
{
    // Input(13) and Dense(7, ...) make every expected length distinctive in a message (13, 7, 5 x 13 = 65, 5 x 7 = 35).
    private static readonly NetworkCase Sce = NetworkCases.Get(nameof(Sce_I13_Tanh7_Soft3));

    public static TheoryData<string> LossCases => new(
        nameof(Sce_I13_Tanh7_Soft3),
        nameof(Bce_I17_Tanh16_Relu33_Sig1),
        nameof(Mse_I7_Relu33_Sig17_Leaky3_Tanh16));

    private static void AssertNamesSize(ArgumentException exception, int expected)
    {
        string number = expected.ToString(CultureInfo.InvariantCulture);
        Assert.True(Regex.IsMatch(exception.Message, $@"(?<![0-9.]){number}(?!\.?[0-9])"),
            $"The message should name the expected size {number}: \"{exception.Message}\"");
    }

    [Theory]
    [MemberData(nameof(LossCases))]
    public void Predict_rejects_wrong_lengths(string name)
    {
        NetworkCase c = NetworkCases.Get(name);
        INetwork network = c.Create(1);
        int inputSize = network.InputSize, outputSize = network.OutputSize;
        foreach (int wrong in new[] { 0, inputSize - 1, inputSize + 1 })
        {
            var e = Assert.ThrowsAny<ArgumentException>(() => network.Predict(new float[wrong], new float[outputSize]));
            AssertNamesSize(e, inputSize);
        }

        foreach (int wrong in new[] { 0, outputSize + 1 })
        {
            var e = Assert.ThrowsAny<ArgumentException>(() => network.Predict(new float[inputSize], new float[wrong]));
            AssertNamesSize(e, outputSize);
        }
    }

    [Theory]
    [MemberData(nameof(LossCases))]
    public void PredictBatch_rejects_wrong_lengths_and_batch_sizes(string name)
    {
        INetwork network = NetworkCases.Get(name).Create(1);
        int inputSize = network.InputSize, outputSize = network.OutputSize;
        const int batch = 5;

        var e = Assert.ThrowsAny<ArgumentException>(() => network.PredictBatch(new float[batch * inputSize - 1], new float[batch * outputSize], batch));
        AssertNamesSize(e, batch * inputSize);
        e = Assert.ThrowsAny<ArgumentException>(() => network.PredictBatch(new float[(batch + 1) * inputSize], new float[batch * outputSize], batch));
        AssertNamesSize(e, batch * inputSize);
        e = Assert.ThrowsAny<ArgumentException>(() => network.PredictBatch(new float[batch * inputSize], new float[batch * outputSize + 1], batch));
        AssertNamesSize(e, batch * outputSize);

        Assert.ThrowsAny<ArgumentException>(() => network.PredictBatch([], [], 0));
        Assert.ThrowsAny<ArgumentException>(() => network.PredictBatch([], [], -1));
    }

    [Theory]
    [MemberData(nameof(LossCases))]
    public void TrainBatch_rejects_wrong_lengths_and_batch_sizes(string name)
    {
        NetworkCase c = NetworkCases.Get(name);
        INetwork network = c.Create(1);
        int inputSize = network.InputSize, targetSize = network.TargetSize;
        Assert.Equal(c.Reference.TargetSize, targetSize);
        const int batch = 5;
        float[] targets = TestData.Targets(c.Reference, batch, new Random(1));

        var e = Assert.ThrowsAny<ArgumentException>(() => network.TrainBatch(new float[batch * inputSize - 1], targets, batch));
        AssertNamesSize(e, batch * inputSize);
        e = Assert.ThrowsAny<ArgumentException>(() => network.TrainBatch(new float[batch * inputSize], targets.AsSpan(1), batch));
        AssertNamesSize(e, batch * targetSize);
        e = Assert.ThrowsAny<ArgumentException>(() => network.TrainBatch(new float[batch * inputSize], [.. targets, .. targets], batch));
        AssertNamesSize(e, batch * targetSize);

        int outputSize = network.OutputSize;
        e = Assert.ThrowsAny<ArgumentException>(() => network.TrainBatch(new float[batch * inputSize], targets, batch, new float[batch * outputSize - 1]));
        AssertNamesSize(e, batch * outputSize);

        Assert.ThrowsAny<ArgumentException>(() => network.TrainBatch([], [], 0));
        Assert.ThrowsAny<ArgumentException>(() => network.TrainBatch([], [], -3));
    }

    public static TheoryData<float> BadLabels => new(-1f, 3f /* = OutputSize */, 1.5f, float.NaN, float.PositiveInfinity);

    [Theory]
    [MemberData(nameof(BadLabels))]
    public void SoftmaxCrossEntropy_rejects_labels_out_of_range_and_leaves_gradients_untouched(float label)
    {
        INetwork network = Sce.Create(1);
        Assert.Equal(3, network.OutputSize);
        ArgumentException e = AssertRejectedTarget(Sce, network, label);
        AssertNamesSize(e, network.OutputSize - 1); // "... a class index from 0 to 2"
    }

    public static TheoryData<float> BadBinaryTargets => new(-0.01f, 1.01f, -1f, 2f, float.NaN, float.NegativeInfinity);

    [Theory]
    [MemberData(nameof(BadBinaryTargets))]
    public void BinaryCrossEntropy_rejects_targets_outside_0_1_and_leaves_gradients_untouched(float target)
    {
        NetworkCase c = NetworkCases.Get(nameof(Bce_I17_Tanh16_Relu33_Sig1));
        AssertRejectedTarget(c, c.Create(1), target);
    }

    public static TheoryData<float> NonFinite => new(float.NaN, float.PositiveInfinity, float.NegativeInfinity);

    [Theory]
    [MemberData(nameof(NonFinite))]
    public void MeanSquaredError_rejects_non_finite_targets_and_leaves_gradients_untouched(float target)
    {
        NetworkCase c = NetworkCases.Get(nameof(Mse_I7_Relu33_Sig17_Leaky3_Tanh16));
        AssertRejectedTarget(c, c.Create(1), target);
    }

    // The last row of TestData.Targets' batch of 4 is a soft row of 5 probabilities, none above 0.6: 0.999 breaks its sum.
    public static TheoryData<float> BadProbabilities => new(-0.01f, 1.01f, 0.999f, float.NaN, float.PositiveInfinity);

    [Theory]
    [MemberData(nameof(BadProbabilities))]
    public void CategoricalCrossEntropy_rejects_targets_that_are_not_probabilities_and_leaves_gradients_untouched(float target)
    {
        NetworkCase c = NetworkCases.Get(nameof(Cce_I6_Elu14_Soft5));
        ArgumentException e = AssertRejectedTarget(c, c.Create(1), target);
        Assert.Contains("CategoricalCrossEntropy", e.Message);
    }

    /// <summary>Trains one valid batch, then one whose last target is <paramref name="bad"/>: it must throw and change nothing.</summary>
    private static ArgumentException AssertRejectedTarget(NetworkCase c, INetwork network, float bad)
    {
        ReferenceNetwork r = c.Reference;
        const int batch = 4;
        var random = new Random(9);
        float[] inputs = Enumerable.Range(0, batch * r.InputSize).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        float[] targets = TestData.Targets(r, batch, random);
        network.TrainBatch(inputs, targets, batch);
        float[] gradientsBefore = network.Gradients.ToArray();
        float[] parametersBefore = network.Parameters.ToArray();
        Assert.Contains(gradientsBefore, g => g != 0f);

        // The bad value is the last one, so an implementation that checks while it accumulates has already written.
        targets[^1] = bad;
        var e = Assert.ThrowsAny<ArgumentException>(() => network.TrainBatch(inputs, targets, batch));
        Assert.False(string.IsNullOrWhiteSpace(e.Message));
        Assert.True(network.Gradients.SequenceEqual(gradientsBefore), $"Gradients changed although TrainBatch threw for target {bad}.");
        Assert.True(network.Parameters.SequenceEqual(parametersBefore));
        return e;
    }
}
