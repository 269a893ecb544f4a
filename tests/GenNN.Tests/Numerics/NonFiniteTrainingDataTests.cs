using GenNN.Kernels;

namespace GenNN.Tests.Numerics;

/// <summary>
/// TrainBatch rejects NaN and infinite inputs (and regression targets) with an ArgumentException naming the sample and
/// the feature, before it writes anything; Predict and PredictBatch stay unchecked (NanPropagationTests).
/// </summary>
public class NonFiniteTrainingDataTests
{
    public static TheoryData<string> Names => NetworkCases.Names;

    public static TheoryData<float> NonFinite => new(float.NaN, float.PositiveInfinity, float.NegativeInfinity);

    [Theory]
    [MemberData(nameof(Names))]
    public void TrainBatch_rejects_a_non_finite_input_naming_sample_and_feature_and_writes_nothing(string name)
    {
        NetworkCase c = NetworkCases.Get(name);
        INetwork network = c.Create(1);
        const int batch = 5;
        var random = new Random(3);
        float[] inputs = Enumerable.Range(0, batch * network.InputSize).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        float[] targets = TestData.Targets(c.Reference, batch, random);
        network.TrainBatch(inputs, targets, batch);
        float[] gradientsBefore = network.Gradients.ToArray();
        var outputs = new float[batch * network.OutputSize];

        int sample = batch - 2, feature = network.InputSize - 1;
        foreach (float bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
        {
            float[] x = (float[])inputs.Clone();
            x[sample * network.InputSize + feature] = bad;
            var e = Assert.Throws<ArgumentException>(() => network.TrainBatch(x, targets, batch, outputs));
            Assert.Equal("inputs", e.ParamName);
            Assert.StartsWith($"inputs[{sample}, {feature}] is {bad.ToString(System.Globalization.CultureInfo.InvariantCulture)}: training data must be finite", e.Message);
            Assert.True(network.Gradients.SequenceEqual(gradientsBefore), $"{name}: gradients changed although TrainBatch threw for {bad}.");
            Assert.All(outputs, v => Assert.Equal(0f, v));
        }
    }

    [Theory]
    [MemberData(nameof(NonFinite))]
    public void Regression_targets_name_the_sample_and_the_output(float bad)
    {
        NetworkCase c = NetworkCases.Get(nameof(Mse_I7_Relu33_Sig17_Leaky3_Tanh16));
        INetwork network = c.Create(1);
        const int batch = 4;
        var inputs = new float[batch * network.InputSize];
        var targets = new float[batch * network.TargetSize];
        targets[2 * network.TargetSize + 11] = bad;
        var e = Assert.Throws<ArgumentException>(() => network.TrainBatch(inputs, targets, batch));
        Assert.Equal("targets", e.ParamName);
        Assert.Contains("targets[2, 11] is", e.Message);
    }

    /// <summary>The scan's vector bodies, unrolled blocks and scalar tail each find a bad value wherever it is.</summary>
    [Fact]
    public void FiniteInputs_finds_a_bad_value_at_every_position_and_reports_the_first()
    {
        foreach (int length in new[] { 1, 3, 4, 5, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 130, 200 })
        {
            var values = new float[length];
            for (int i = 0; i < length; i++) values[i] = i - 7.5f;
            Guard.FiniteInputs(values, 1); // all finite: no exception

            foreach (float bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
            {
                for (int at = 0; at < length; at++)
                {
                    float[] v = (float[])values.Clone();
                    v[at] = bad;
                    if (at + 1 < length) v[length - 1] = float.NaN; // a second bad value after the first
                    var e = Assert.Throws<ArgumentException>(() => Guard.FiniteInputs(v, 3));
                    Assert.Contains($"inputs[{at / 3}, {at % 3}]", e.Message);
                }
            }
        }
    }

    [Fact]
    public void FiniteInputs_accepts_the_largest_and_smallest_floats()
    {
        float[] values = Enumerable.Repeat(float.MaxValue, 100).Concat(Enumerable.Repeat(float.MinValue, 100))
            .Concat(Enumerable.Repeat(float.Epsilon, 7)).Append(-0f).ToArray();
        Guard.FiniteInputs(values, 4);
    }
}
