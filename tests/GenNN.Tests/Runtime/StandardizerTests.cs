using GenNN;

namespace GenNN.Tests.Runtime;

public class StandardizerTests
{
    private static Dataset Data() => Dataset.FromArrays(
        new float[,] { { 1, 10, 5 }, { 2, 20, 5 }, { 3, 30, 5 }, { 4, 40, 5 } },
        new float[] { 0, 1, 0, 1 });

    [Fact]
    public void Fit_then_Transform_gives_zero_mean_and_unit_variance()
    {
        Dataset train = Data();
        var standardizer = Standardizer.Fit(train);
        Assert.Equal(new[] { 2.5f, 25f, 5f }, standardizer.Mean.ToArray());
        Assert.Equal(MathF.Sqrt(1.25f), standardizer.Scale[0], 6);

        Dataset scaled = standardizer.Transform(train);
        for (int c = 0; c < 2; c++)
        {
            var column = Enumerable.Range(0, 4).Select(r => (double)scaled.GetFeatures(r)[c]).ToArray();
            Assert.Equal(0, column.Average(), 6);
            Assert.Equal(1, Math.Sqrt(column.Select(x => x * x).Average()), 5);
        }

        Assert.Equal(train.Targets.ToArray(), scaled.Targets.ToArray());
        Assert.Equal(1f, train.Features[0]); // the input is left unchanged
    }

    [Fact]
    public void A_constant_feature_is_centred_not_divided_by_zero()
    {
        var standardizer = Standardizer.Fit(Data());
        Assert.Equal(1f, standardizer.Scale[2]);
        Dataset scaled = standardizer.Transform(Data());
        Assert.All(Enumerable.Range(0, 4), r => Assert.Equal(0f, scaled.GetFeatures(r)[2]));
        Assert.All(scaled.Features.ToArray(), x => Assert.True(float.IsFinite(x)));
    }

    [Fact]
    public void Test_data_uses_the_training_statistics()
    {
        var standardizer = Standardizer.Fit(Data());
        var test = Dataset.FromArrays(new float[,] { { 2.5f, 25f, 7f } }, new float[] { 0 });
        Assert.Equal(new[] { 0f, 0f, 2f }, standardizer.Transform(test).Features.ToArray());

        float[] sample = { 4f, 10f, 5f };
        standardizer.TransformInPlace(sample);
        Assert.Equal(1.5f / MathF.Sqrt(1.25f), sample[0], 5);
        Assert.Equal(0f, sample[2]);
    }

    [Fact]
    public void Mismatched_sizes_are_rejected()
    {
        var standardizer = Standardizer.Fit(Data());
        var other = Dataset.FromArrays(new float[,] { { 1, 2 } }, new float[] { 0 });
        var ex = Assert.Throws<ArgumentException>(() => standardizer.Transform(other));
        Assert.Contains("3 features", ex.Message);
        Assert.Contains("has 2", ex.Message);
        Assert.Throws<ArgumentException>(() => standardizer.TransformInPlace(new float[4]));
        Assert.Throws<ArgumentException>(() => Standardizer.Fit(new Dataset(Array.Empty<float>(), 3, Array.Empty<float>())));
        Assert.Throws<ArgumentException>(() => new Standardizer(new float[] { 0 }, new float[] { 0 }));
        Assert.Throws<ArgumentException>(() => new Standardizer(new float[] { 0, 1 }, new float[] { 1 }));
    }

    [Theory]
    [InlineData(float.NaN, 1f, "Mean 1 is NaN; expected a finite value.")]
    [InlineData(0f, float.PositiveInfinity, "Scale 1 is Infinity; expected a finite value greater than 0.")]
    [InlineData(0f, float.NaN, "Scale 1 is NaN; expected a finite value greater than 0.")]
    [InlineData(0f, -2f, "Scale 1 is -2; expected a finite value greater than 0.")]
    public void Stored_statistics_must_be_finite_with_positive_scales(float mean, float scale, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => new Standardizer(new[] { 0f, mean }, new[] { 1f, scale }));
        Assert.StartsWith(message, e.Message);
    }

    [Fact]
    public void Known_statistics_round_trip()
    {
        var fitted = Standardizer.Fit(Data());
        var restored = new Standardizer(fitted.Mean, fitted.Scale);
        Assert.Equal(fitted.Transform(Data()).Features.ToArray(), restored.Transform(Data()).Features.ToArray());
    }
}
