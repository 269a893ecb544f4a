using GenNN;

namespace GenNN.Tests.Runtime;

/// <summary>Metrics through networks and data sets, printing, and argument checks.</summary>
public class MetricsTests
{
    private static Dataset Classification(int count, int features, int classes, int seed, string[]? names = null)
    {
        var random = new Random(seed);
        var x = new float[count * features];
        var y = new float[count];
        for (int i = 0; i < count; i++)
        {
            y[i] = random.Next(classes);
            for (int f = 0; f < features; f++)
            {
                x[i * features + f] = (float)(random.NextDouble() * 2 - 1) + (f % classes == (int)y[i] ? 1f : 0f);
            }
        }

        return new Dataset(x, features, y) { ClassNames = names };
    }

    [Fact]
    public void EvaluateClassification_equals_the_report_from_the_predicted_scores_at_any_batch_size()
    {
        var data = Classification(101, 6, 3, seed: 3, new[] { "a", "b", "c" });
        var network = new LinearModel(6, 3, Loss.SoftmaxCrossEntropy, seed: 2);
        float[] scores = Trainer.Predict(network, data.Features);
        int[] labels = data.Targets.ToArray().Select(t => (int)t).ToArray();
        ClassificationReport expected = ClassificationReport.FromScores(scores, labels, 3, new[] { "a", "b", "c" });
        foreach (int batch in new[] { 1, 7, 256 })
        {
            ClassificationReport report = Trainer.EvaluateClassification(network, data, batch);
            Assert.Equal(expected.ToString(), report.ToString());
            Assert.Equal(expected.TopKAccuracy(2), report.TopKAccuracy(2));
        }

        Assert.Equal(Trainer.Evaluate(network, data).Accuracy!.Value, expected.Accuracy, 12);
        Assert.Equal(new[] { "a", "b", "c" }, expected.Classes.Select(c => c.Name));
    }

    [Fact]
    public void EvaluateClassification_of_a_sigmoid_network_has_two_classes_and_a_ROC_AUC()
    {
        var random = new Random(9);
        var x = new float[60 * 2];
        var y = new float[60];
        for (int i = 0; i < 60; i++)
        {
            y[i] = i % 2;
            x[2 * i] = (float)random.NextDouble() + y[i] * 0.5f;
            x[2 * i + 1] = (float)random.NextDouble();
        }

        var data = new Dataset(x, 2, y);
        var network = new LinearModel(2, 1, Loss.BinaryCrossEntropy, seed: 4);
        ClassificationReport report = Trainer.EvaluateClassification(network, data, batchSize: 16);
        float[] scores = Trainer.Predict(network, data.Features);
        Assert.Equal(2, report.ClassCount);
        Assert.Equal(Metrics.RocAuc(scores, y), report.RocAuc!.Value, 12);
        Assert.Equal(Trainer.Evaluate(network, data).Accuracy!.Value, report.Accuracy, 12);
        Assert.False(report.HasScores);
        Assert.Throws<InvalidOperationException>(() => report.TopKAccuracy(1));
    }

    [Fact]
    public void EvaluateRegression_equals_the_report_from_the_predictions()
    {
        var random = new Random(5);
        var x = new float[40 * 3];
        var y = new float[40 * 2];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (float)random.NextDouble();
        }

        for (int i = 0; i < y.Length; i++)
        {
            y[i] = (float)(random.NextDouble() * 4 + 10);
        }

        var data = new Dataset(x, 3, y, targetSize: 2);
        var network = new LinearModel(3, 2, Loss.MeanSquaredError, seed: 6);
        RegressionReport expected = RegressionReport.Compute(Trainer.Predict(network, data.Features), y, 2);
        RegressionReport report = Trainer.EvaluateRegression(network, data, batchSize: 9);
        Assert.Equal(expected.R2, report.R2, 12);
        Assert.Equal(expected.MeanAbsoluteError, report.MeanAbsoluteError, 12);
        Assert.Equal(Trainer.Evaluate(network, data).MeanSquaredError!.Value, report.MeanSquaredError, 9);
        Assert.True(report.R2 < 0, "an untrained model far from the targets' mean has a negative R2");
        Assert.Throws<ArgumentException>(() => Trainer.EvaluateClassification(network, data));
        Assert.Throws<ArgumentException>(() => Trainer.EvaluateRegression(new LinearModel(3, 3, Loss.SoftmaxCrossEntropy), Classification(5, 3, 3, 1)));
    }

    [Fact]
    public void Predict_takes_features_alone()
    {
        var data = Classification(23, 4, 3, seed: 8);
        var network = new LinearModel(4, 3, Loss.SoftmaxCrossEntropy);
        float[] fromDataset = Trainer.Predict(network, data);
        float[] fromFeatures = Trainer.Predict(network, data.Features.ToArray(), batchSize: 5);
        Assert.Equal(fromDataset, fromFeatures);
        var outputs = new float[23 * 3];
        Trainer.Predict(network, data.Features, outputs, batchSize: 4);
        Assert.Equal(fromDataset, outputs);

        var ex = Assert.Throws<ArgumentException>(() => Trainer.Predict(network, new float[10]));
        Assert.Contains("InputSize = 4", ex.Message);
        Assert.Contains("2 left over", ex.Message);
        Assert.Throws<ArgumentException>(() => Trainer.Predict(network, new float[8], new float[5]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Trainer.Predict(network, new float[8], batchSize: 0));
    }

    [Fact]
    public void Confusion_matrix_prints_aligned_columns_with_class_names()
    {
        // actual: 0 0 1 1 1 2; predicted: 0 1 1 1 2 2
        var report = ClassificationReport.FromPredictions(new[] { 0, 0, 1, 1, 1, 2 }, new[] { 0, 1, 1, 1, 2, 2 }, 3,
            new[] { "setosa", "versicolor", "virginica" });
        string expected = string.Join(Environment.NewLine,
            "actual \\ predicted      setosa  versicolor   virginica",
            "            setosa           1           1           0",
            "        versicolor           0           2           1",
            "         virginica           0           0           1");
        Assert.Equal(expected, report.ConfusionMatrix.ToString());
        Assert.Equal(2, report.ConfusionMatrix[1, 1]);
        Assert.Equal(1, report.ConfusionMatrix.ToArray()[0, 1]);
    }

    [Fact]
    public void Confusion_matrix_without_names_or_with_long_ones_uses_indices_for_columns()
    {
        var plain = ClassificationReport.FromPredictions(new[] { 0, 1, 1 }, new[] { 0, 1, 0 }, 2);
        Assert.Equal(string.Join(Environment.NewLine,
            "actual \\ predicted  0  1",
            "                 0  1  0",
            "                 1  1  1"), plain.ConfusionMatrix.ToString());
        var named = ClassificationReport.FromPredictions(new[] { 0, 1, 1 }, new[] { 0, 1, 0 }, 2, new[] { "T-shirt/top", "Ankle boot (long)" });
        string[] lines = named.ConfusionMatrix.ToString().Split(Environment.NewLine);
        Assert.Equal("actual \\ predicted   0  1", lines[0]);
        Assert.Equal("      0 T-shirt/top  1  0", lines[1]);
        Assert.Equal("1 Ankle boot (long)  1  1", lines[2]);
    }

    [Fact]
    public void Report_prints_like_scikit_learn()
    {
        var report = ClassificationReport.FromPredictions(new[] { 0, 0, 1, 1, 1, 2 }, new[] { 0, 1, 1, 1, 2, 2 }, 3);
        string text = report.ToString();
        Assert.Contains("   precision     recall   f1-score    support", text);
        // class 1: precision 2/3, recall 2/3, support 3
        Assert.Contains("           1     0.6667     0.6667     0.6667          3", text);
        Assert.Contains("    accuracy                           0.6667          6", text);
        Assert.Contains("   macro avg", text);
        Assert.Contains("weighted avg", text);
        Assert.Contains("Confusion matrix (rows: actual, columns: predicted)", text);
    }

    [Fact]
    public void TopK_counts_ties_at_the_boundary_and_never_a_NaN_score()
    {
        // Row 0: true class 2 ties with class 0 for the top score: in the top 1. Row 1: its score is NaN: never.
        float[] scores = { 0.4f, 0.2f, 0.4f, 0.1f, float.NaN, 0.3f };
        Assert.Equal(0.5, Metrics.TopKAccuracy(scores, new[] { 2, 1 }, 3, 1));
        Assert.Equal(0.5, Metrics.TopKAccuracy(scores, new[] { 2, 1 }, 3, 3));
    }

    [Fact]
    public void RocAuc_is_NaN_for_a_NaN_score_and_rejects_one_class()
    {
        Assert.True(double.IsNaN(Metrics.RocAuc(new[] { 0.1f, float.NaN }, new[] { 0f, 1f })));
        Assert.Equal(1.0, Metrics.RocAuc(new[] { 0.1f, 0.9f }, new[] { 0f, 1f }));
        Assert.Equal(0.5, Metrics.RocAuc(new[] { 0.5f, 0.5f }, new[] { 0f, 1f }));
        var ex = Assert.Throws<ArgumentException>(() => Metrics.RocAuc(new[] { 0.1f, 0.9f }, new[] { 1f, 1f }));
        Assert.Contains("both classes", ex.Message);
    }

    [Fact]
    public void Bad_labels_and_sizes_are_named()
    {
        var ex = Assert.Throws<ArgumentException>(() => ClassificationReport.FromPredictions(new[] { 0, 3 }, new[] { 0, 1 }, 3));
        Assert.Contains("actual[1] is 3", ex.Message);
        Assert.Contains("0 to 2", ex.Message);
        Assert.Throws<ArgumentException>(() => ClassificationReport.FromScores(new float[5], new[] { 0, 1 }, 3));
        Assert.Throws<ArgumentException>(() => ClassificationReport.FromPredictions(new[] { 0 }, new[] { 0 }, 2, new[] { "only one" }));
        Assert.Throws<ArgumentException>(() => ClassificationReport.FromPredictions(ReadOnlySpan<int>.Empty, ReadOnlySpan<int>.Empty, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => Metrics.TopKAccuracy(new float[3], new[] { 0 }, 3, 4));
        Assert.Throws<ArgumentException>(() => RegressionReport.Compute(new float[4], new float[3]));
        Assert.Throws<ArgumentException>(() => RegressionReport.Compute(new float[4], new float[4], outputSize: 3));
        var network = new LinearModel(2, 3, Loss.SoftmaxCrossEntropy);
        var data = new Dataset(new float[] { 0, 0, 1, 1 }, 2, new float[] { 0, 1.5f });
        Assert.Contains("Row 1", Assert.Throws<ArgumentException>(() => Trainer.EvaluateClassification(network, data)).Message);
    }

    [Fact]
    public void EvaluateClassification_allocates_per_call_not_per_sample()
    {
        var network = new LinearModel(6, 3, Loss.SoftmaxCrossEntropy);
        var small = Classification(1000, 6, 3, seed: 1);
        var large = Classification(10_000, 6, 3, seed: 1);
        Trainer.EvaluateClassification(network, small);
        Trainer.EvaluateClassification(network, large);
        long smallBytes = 0, largeBytes = long.MaxValue;
        // Up to three tries: a one-off runtime allocation (a tier-up, a type load) can land in one measurement, but an
        // allocation per sample shows in every try.
        for (int attempt = 0; attempt < 3 && largeBytes > smallBytes + 64; attempt++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            Trainer.EvaluateClassification(network, small);
            smallBytes = GC.GetAllocatedBytesForCurrentThread() - before;
            before = GC.GetAllocatedBytesForCurrentThread();
            Trainer.EvaluateClassification(network, large);
            largeBytes = GC.GetAllocatedBytesForCurrentThread() - before;
        }

        // 10x the samples, both above the batch size: the same buffers (3 classes need no per-sample ROC-AUC arrays).
        Assert.True(largeBytes <= smallBytes + 64, $"{smallBytes} bytes for 1000 samples, {largeBytes} for 10000, in each of three tries.");
    }
}
