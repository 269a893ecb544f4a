using GenNN;

namespace GenNN.Tests.Runtime;

public class DatasetTests
{
    /// <summary>A data set whose feature 0 is the row index, so rows can be traced through splits and batches.</summary>
    internal static Dataset Indexed(int count, int featureCount = 3, int classes = 3)
    {
        var features = new float[count * featureCount];
        var targets = new float[count];
        for (int r = 0; r < count; r++)
        {
            features[r * featureCount] = r;
            for (int c = 1; c < featureCount; c++)
            {
                features[r * featureCount + c] = r * 10 + c;
            }

            targets[r] = r % classes;
        }

        return new Dataset(features, featureCount, targets);
    }

    [Fact]
    public void Constructor_exposes_the_shape()
    {
        var data = new Dataset(new float[] { 1, 2, 3, 4, 5, 6 }, 3, new float[] { 0, 1 });
        Assert.Equal(2, data.Count);
        Assert.Equal(3, data.FeatureCount);
        Assert.Equal(1, data.TargetSize);
        Assert.Equal(new float[] { 4, 5, 6 }, data.GetFeatures(1).ToArray());
        Assert.Equal(1f, data.GetTargets(1)[0]);
        Assert.Equal("Dataset(2 samples, 3 features, 1 target(s) per sample)", data.ToString());
    }

    [Fact]
    public void Constructor_rejects_inconsistent_lengths()
    {
        var ex = Assert.Throws<ArgumentException>(() => new Dataset(new float[7], 3, new float[2]));
        Assert.Equal("features", ex.ParamName);
        Assert.Contains("featureCount = 3", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => new Dataset(new float[6], 3, new float[3]));
        Assert.Equal("targets", ex.ParamName);
        Assert.Contains("got 3", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Dataset(new float[6], 0, new float[3]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Dataset(new float[6], 3, new float[2], 0));
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    public void Constructor_rejects_non_finite_features_naming_the_row(float bad)
    {
        var features = new float[12];
        features[7] = bad; // row 2, feature 1
        var ex = Assert.Throws<ArgumentException>(() => new Dataset(features, 3, new float[4]));
        Assert.Contains("Feature 1 of row 2", ex.Message);
        var targets = new float[4];
        targets[3] = bad;
        ex = Assert.Throws<ArgumentException>(() => new Dataset(new float[12], 3, targets));
        Assert.Contains("Target 0 of row 3", ex.Message);
    }

    [Fact]
    public void FromArrays_builds_row_major_data()
    {
        var matrix = Dataset.FromArrays(new float[,] { { 1, 2 }, { 3, 4 }, { 5, 6 } }, new[] { 0, 2, 1 }, new[] { "a", "b", "c" });
        Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6 }, matrix.Features.ToArray());
        Assert.Equal(new float[] { 0, 2, 1 }, matrix.Targets.ToArray());
        Assert.Equal(3, matrix.ClassCount);
        Assert.Equal("Dataset(3 samples, 2 features, 3 classes)", matrix.ToString());

        var jagged = Dataset.FromArrays(new[] { new float[] { 1, 2 }, new float[] { 3, 4 } }, new[] { new float[] { 9, 8, 7 }, new float[] { 6, 5, 4 } });
        Assert.Equal(3, jagged.TargetSize);
        Assert.Equal(new float[] { 6, 5, 4 }, jagged.GetTargets(1).ToArray());

        var regression = Dataset.FromArrays(new float[,] { { 1 }, { 2 } }, new float[,] { { 1, 2 }, { 3, 4 } });
        Assert.Equal(2, regression.TargetSize);
    }

    [Fact]
    public void FromArrays_rejects_ragged_rows_and_mismatched_counts()
    {
        var ex = Assert.Throws<ArgumentException>(() => Dataset.FromArrays(new[] { new float[] { 1, 2 }, new float[] { 3 } }, new float[] { 0, 1 }));
        Assert.Contains("Row 1 has 1 values; expected 2", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => Dataset.FromArrays(new float[,] { { 1 }, { 2 } }, new float[] { 0 }));
        Assert.Contains("(2), got 1", ex.Message);
    }

    [Fact]
    public void ClassNames_must_cover_every_label()
    {
        var ex = Assert.Throws<ArgumentException>(() => Dataset.FromArrays(new float[,] { { 1 }, { 2 } }, new[] { 0, 2 }, new[] { "a", "b" }));
        Assert.Contains("row 1 is 2", ex.Message);
        Assert.Contains("from 0 to 1", ex.Message);
    }

    [Fact]
    public void Split_sizes_follow_the_fraction_and_round_the_test_set_up()
    {
        var (train, test) = Indexed(10).Split(0.25, seed: 1);
        Assert.Equal(3, test.Count); // ceil(2.5)
        Assert.Equal(7, train.Count);
        (train, test) = Indexed(150).Split(0.2, seed: 1);
        Assert.Equal(30, test.Count);
        Assert.Equal(120, train.Count);
    }

    [Fact]
    public void Split_is_disjoint_complete_and_keeps_rows_intact()
    {
        Dataset data = Indexed(100);
        var (train, test) = data.Split(0.3, seed: 5);
        var trainRows = Enumerable.Range(0, train.Count).Select(r => (int)train.GetFeatures(r)[0]).ToList();
        var testRows = Enumerable.Range(0, test.Count).Select(r => (int)test.GetFeatures(r)[0]).ToList();
        Assert.Empty(trainRows.Intersect(testRows));
        Assert.Equal(Enumerable.Range(0, 100), trainRows.Concat(testRows).OrderBy(r => r));
        for (int r = 0; r < test.Count; r++)
        {
            int row = testRows[r];
            Assert.Equal(data.GetFeatures(row).ToArray(), test.GetFeatures(r).ToArray());
            Assert.Equal(data.GetTargets(row)[0], test.GetTargets(r)[0]);
        }

        // Shuffled, not a prefix/suffix of the original order.
        Assert.NotEqual(Enumerable.Range(0, 30), testRows);
    }

    [Fact]
    public void Split_is_deterministic_for_a_seed()
    {
        Dataset data = Indexed(50);
        var (a, _) = data.Split(0.2, seed: 42);
        var (b, _) = data.Split(0.2, seed: 42);
        var (c, _) = data.Split(0.2, seed: 43);
        Assert.Equal(a.Features.ToArray(), b.Features.ToArray());
        Assert.NotEqual(a.Features.ToArray(), c.Features.ToArray());
    }

    [Fact]
    public void Stratified_split_keeps_class_proportions()
    {
        // 60 of class 0, 30 of class 1, 10 of class 2.
        var targets = Enumerable.Range(0, 100).Select(i => i < 60 ? 0f : i < 90 ? 1f : 2f).ToArray();
        var data = new Dataset(Enumerable.Range(0, 100).Select(i => (float)i).ToArray(), 1, targets);
        var (train, test) = data.Split(0.2, seed: 3, stratify: true);
        Assert.Equal(new[] { 12, 6, 2 }, new[] { 0f, 1f, 2f }.Select(k => test.Targets.ToArray().Count(t => t == k)));
        Assert.Equal(80, train.Count);
        Assert.Equal(Enumerable.Range(0, 100), train.Features.ToArray().Concat(test.Features.ToArray()).Select(f => (int)f).OrderBy(f => f));
    }

    [Theory]
    // Class sizes, fraction, then the per-class test counts scikit-learn's train_test_split(stratify=y) gives: the test
    // set gets ceil(fraction * n) samples, the training shares are rounded by largest remainder.
    [InlineData(new[] { 7, 5, 3 }, 0.3, new[] { 2, 2, 1 })]
    [InlineData(new[] { 6, 6, 6, 6, 6, 6, 6, 6, 6, 6 }, 0.25, null)] // 15 of 60, not 20 (every class's 1.5 rounded up)
    [InlineData(new[] { 5, 5, 5, 5 }, 0.3, null)]                     // 6 of 20, not 8
    [InlineData(new[] { 3, 3 }, 0.5, null)]                           // 3 of 6, not 4
    [InlineData(new[] { 50, 50, 50 }, 0.33, new[] { 17, 17, 16 })]    // iris: 50 of 150, not 51 (one class of the three at random)
    public void A_stratified_split_gives_the_test_set_its_fraction_rounded_up_as_scikit_learn(int[] sizes, double fraction, int[]? expected)
    {
        float[] targets = sizes.SelectMany((size, k) => Enumerable.Repeat((float)k, size)).ToArray();
        var data = new Dataset(Enumerable.Range(0, targets.Length).Select(i => (float)i).ToArray(), 1, targets);
        int testCount = (int)Math.Ceiling(fraction * targets.Length - 1e-9);
        for (int seed = 0; seed < 5; seed++)
        {
            var (train, test) = data.Split(fraction, seed, stratify: true);
            Assert.Equal(testCount, test.Count);
            Assert.Equal(targets.Length - testCount, train.Count);
            Assert.Equal(Enumerable.Range(0, targets.Length), train.Features.ToArray().Concat(test.Features.ToArray()).Select(f => (int)f).OrderBy(f => f));
            int[] perClass = sizes.Select((_, k) => test.Targets.ToArray().Count(t => t == k)).ToArray();
            for (int k = 0; k < sizes.Length; k++)
            {
                // Each class's share is its exact share rounded down or up.
                double exact = (double)sizes[k] * testCount / targets.Length;
                Assert.InRange(perClass[k], Math.Floor(exact), Math.Ceiling(exact));
            }

            if (expected is not null && expected.Distinct().Count() == expected.Length)
            {
                Assert.Equal(expected, perClass);
            }
            else if (expected is not null)
            {
                Assert.Equal(expected.OrderBy(n => n), perClass.OrderBy(n => n));
            }
        }
    }

    [Fact]
    public void A_stratified_split_needs_two_samples_of_each_class_and_one_per_class_in_each_set()
    {
        var single = new Dataset(new float[5], 1, new float[] { 0, 0, 0, 0, 1 });
        var ex = Assert.Throws<InvalidOperationException>(() => single.Split(0.5, 1, stratify: true));
        Assert.Equal("Class 1 has a single sample; a stratified split needs at least 2 samples of every class (as scikit-learn's).", ex.Message);
        single.Split(0.5, 1); // unstratified, a single sample of a class is fine

        var three = new Dataset(new float[9], 1, new float[] { 0, 0, 0, 1, 1, 1, 2, 2, 2 });
        ex = Assert.Throws<InvalidOperationException>(() => three.Split(0.2, 1, stratify: true));
        Assert.Equal("A stratified test fraction of 0.2 gives 2 test and 7 training samples for 3 classes; expected at least one sample per class in each set.", ex.Message);
        Assert.Equal(3, three.Split(0.3, 1, stratify: true).Test.Count);
    }

    [Fact]
    public void Split_validates_its_arguments()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Indexed(10).Split(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Indexed(10).Split(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Indexed(10).Split(double.NaN));
        Assert.Throws<InvalidOperationException>(() => Indexed(1).Split(0.5));
        Assert.Throws<InvalidOperationException>(() => Indexed(10).Split(0.95));
    }

    [Fact]
    public void Subset_copies_the_chosen_rows_and_keeps_names()
    {
        var data = new Dataset(new float[] { 1, 2, 3, 4, 5, 6 }, 2, new float[] { 0, 1, 0 }) { ClassNames = new[] { "x", "y" }, FeatureNames = new[] { "f", "g" } };
        Dataset subset = data.Subset(new[] { 2, 0, 2 });
        Assert.Equal(new float[] { 5, 6, 1, 2, 5, 6 }, subset.Features.ToArray());
        Assert.Equal(new[] { "x", "y" }, subset.ClassNames);
        Assert.Equal(new[] { "f", "g" }, subset.FeatureNames);
        Assert.Throws<ArgumentOutOfRangeException>(() => data.Subset(new[] { 3 }));
        Assert.Throws<ArgumentException>(() => new Dataset(new float[4], 2, new float[2]) { FeatureNames = new[] { "only one" } });
    }

    [Fact]
    public void Changing_the_callers_arrays_after_construction_does_not_change_the_data_set()
    {
        float[] features = { 1, 2, 3, 4 };
        float[] targets = { 0, 1 };
        var data = new Dataset(features, 2, targets);
        features[1] = float.NaN;
        targets[0] = float.PositiveInfinity;
        Assert.Equal(new float[] { 1, 2, 3, 4 }, data.Features.ToArray());
        Assert.Equal(new float[] { 0, 1 }, data.Targets.ToArray());
        Assert.Equal(2f, data.GetFeatures(0)[1]);

        // A training run sees the validated values, not the NaN written behind the data set's back.
        var model = new LinearModel(2, 2, Loss.SoftmaxCrossEntropy);
        Trainer.Fit(model, data, new Sgd(0.1f), epochs: 1, batchSize: 2, shuffle: false);
        Assert.All(model.Parameters.ToArray(), p => Assert.True(float.IsFinite(p)));

        float[,] matrix = { { 1, 2 }, { 3, 4 } };
        float[] labels = { 0, 1 };
        var fromArrays = Dataset.FromArrays(matrix, labels);
        matrix[0, 0] = float.NaN;
        labels[1] = 7;
        Assert.Equal(new float[] { 1, 2, 3, 4 }, fromArrays.Features.ToArray());
        Assert.Equal(new float[] { 0, 1 }, fromArrays.Targets.ToArray());

        float[][] rows = { new float[] { 1, 2 }, new float[] { 3, 4 } };
        var fromRows = Dataset.FromArrays(rows, new float[][] { new float[] { 5 }, new float[] { 6 } });
        rows[1][0] = float.NaN;
        Assert.Equal(new float[] { 1, 2, 3, 4 }, fromRows.Features.ToArray());
    }

}
