using System.Text.Json;
using GenNN;

namespace GenNN.Tests.Runtime;

/// <summary>
/// Classification and regression metrics against scikit-learn: Data/make_metrics_golden.py computes them on small
/// fixed inputs and writes Data/metrics_golden.json.
/// </summary>
public class MetricsGoldenTests
{
    private static readonly Lazy<JsonDocument> Golden = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Data", "metrics_golden.json"))));

    private static JsonElement Case(string group, string name)
        => Golden.Value.RootElement.GetProperty(group).EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);

    public static TheoryData<string> ClassificationCases() => Names("classification");

    public static TheoryData<string> RegressionCases() => Names("regression");

    private static TheoryData<string> Names(string group)
    {
        var data = new TheoryData<string>();
        foreach (JsonElement c in Golden.Value.RootElement.GetProperty(group).EnumerateArray())
        {
            data.Add(c.GetProperty("name").GetString()!);
        }

        return data;
    }

    private static float[] Floats(JsonElement e) => e.EnumerateArray().Select(x => x.GetSingle()).ToArray();

    private static double[] Doubles(JsonElement e) => e.EnumerateArray().Select(x => x.GetDouble()).ToArray();

    private static int[] Ints(JsonElement e) => e.EnumerateArray().Select(x => x.GetInt32()).ToArray();

    private static void Close(double expected, double actual, string what)
        => Assert.True(Math.Abs(expected - actual) <= 1e-12 + 1e-9 * Math.Abs(expected), $"{what}: scikit-learn {expected:R}, gen-nn {actual:R}.");

    private static ClassificationReport Report(JsonElement c)
    {
        float[] scores = Floats(c.GetProperty("scores"));
        int[] labels = Ints(c.GetProperty("labels"));
        int classes = c.GetProperty("classes").GetInt32();
        string[]? names = c.GetProperty("classNames").ValueKind == JsonValueKind.Null
            ? null
            : c.GetProperty("classNames").EnumerateArray().Select(x => x.GetString()!).ToArray();
        return c.GetProperty("kind").GetString() == "binary"
            ? ClassificationReport.FromBinaryScores(scores, labels, 0.5f, names)
            : ClassificationReport.FromScores(scores, labels, classes, names);
    }

    [Theory]
    [MemberData(nameof(ClassificationCases))]
    public void Classification_report_matches_scikit_learn(string name)
    {
        JsonElement c = Case("classification", name);
        ClassificationReport report = Report(c);
        int classes = c.GetProperty("classes").GetInt32();
        Assert.Equal(classes, report.ClassCount);
        double[] precision = Doubles(c.GetProperty("precision")), recall = Doubles(c.GetProperty("recall")), f1 = Doubles(c.GetProperty("f1"));
        int[] support = Ints(c.GetProperty("support"));
        for (int k = 0; k < classes; k++)
        {
            Close(precision[k], report.Classes[k].Precision, $"precision[{k}]");
            Close(recall[k], report.Classes[k].Recall, $"recall[{k}]");
            Close(f1[k], report.Classes[k].F1, $"f1[{k}]");
            Assert.Equal(support[k], report.Classes[k].Support);
        }

        double[] macro = Doubles(c.GetProperty("macro")), weighted = Doubles(c.GetProperty("weighted"));
        Close(macro[0], report.MacroAverage.Precision, "macro precision");
        Close(macro[1], report.MacroAverage.Recall, "macro recall");
        Close(macro[2], report.MacroAverage.F1, "macro f1");
        Close(weighted[0], report.WeightedAverage.Precision, "weighted precision");
        Close(weighted[1], report.WeightedAverage.Recall, "weighted recall");
        Close(weighted[2], report.WeightedAverage.F1, "weighted f1");
        Close(c.GetProperty("accuracy").GetDouble(), report.Accuracy, "accuracy");

        int[][] confusion = c.GetProperty("confusion").EnumerateArray().Select(Ints).ToArray();
        for (int i = 0; i < classes; i++)
        {
            for (int j = 0; j < classes; j++)
            {
                Assert.Equal(confusion[i][j], report.ConfusionMatrix[i, j]);
            }
        }

        if (c.TryGetProperty("topK", out JsonElement topK))
        {
            foreach (JsonProperty k in topK.EnumerateObject())
            {
                Close(k.Value.GetDouble(), report.TopKAccuracy(int.Parse(k.Name)), $"top-{k.Name} accuracy");
                Close(k.Value.GetDouble(), Metrics.TopKAccuracy(Floats(c.GetProperty("scores")), Ints(c.GetProperty("labels")), classes, int.Parse(k.Name)), $"Metrics.TopKAccuracy k={k.Name}");
            }
        }

        if (c.TryGetProperty("rocAuc", out JsonElement auc))
        {
            Close(auc.GetDouble(), report.RocAuc!.Value, "ROC-AUC");
        }
        else
        {
            Assert.Null(report.RocAuc);
        }
    }

    [Fact]
    public void RocAuc_from_spans_matches_scikit_learn_with_tied_scores()
    {
        JsonElement c = Case("classification", "binary_with_ties");
        float[] scores = Floats(c.GetProperty("scores"));
        float[] targets = Ints(c.GetProperty("labels")).Select(x => (float)x).ToArray();
        Assert.True(scores.Distinct().Count() < scores.Length, "the case must have ties");
        Close(c.GetProperty("rocAuc").GetDouble(), Metrics.RocAuc(scores, targets), "ROC-AUC");
    }

    [Theory]
    [MemberData(nameof(RegressionCases))]
    public void Regression_report_matches_scikit_learn(string name)
    {
        JsonElement c = Case("regression", name);
        int outputs = c.GetProperty("outputs").GetInt32();
        RegressionReport report = RegressionReport.Compute(Floats(c.GetProperty("predictions")), Floats(c.GetProperty("targets")), outputs);
        Close(c.GetProperty("mae").GetDouble(), report.MeanAbsoluteError, "MAE");
        Close(c.GetProperty("mse").GetDouble(), report.MeanSquaredError, "MSE");
        Close(Math.Sqrt(c.GetProperty("mse").GetDouble()), report.RootMeanSquaredError, "RMSE");
        Close(c.GetProperty("r2").GetDouble(), report.R2, "R2");
        double[] perOutput = Doubles(c.GetProperty("r2PerOutput"));
        Assert.Equal(perOutput.Length, report.OutputR2.Count);
        for (int o = 0; o < outputs; o++)
        {
            Close(perOutput[o], report.OutputR2[o], $"R2 of output {o}");
        }
    }
}
