using GenNN;

namespace GenNN.Tests.Runtime;

[Network(Loss = Loss.CategoricalCrossEntropy)]
[Input(4)]
[Dense(8, Activation.Tanh)]
[Dense(3, Activation.Softmax)]
public partial class OneHotReportNet
{
}

[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(4)]
[Dense(8, Activation.Tanh)]
[Dense(3, Activation.Softmax)]
public partial class LabelReportNet
{
}

/// <summary>EvaluateClassification on a CategoricalCrossEntropy network: the true class is the largest target.</summary>
public class CategoricalReportTests
{
    [Fact]
    public void One_hot_and_soft_targets_give_the_report_of_their_arg_max_labels()
    {
        var random = new Random(3);
        const int rows = 40;
        var features = new float[rows, 4];
        var labels = new float[rows];
        var soft = new float[rows, 3];
        for (int r = 0; r < rows; r++)
        {
            for (int f = 0; f < 4; f++)
            {
                features[r, f] = (float)(random.NextDouble() * 2 - 1);
            }

            int label = random.Next(3);
            labels[r] = label;
            // Soft targets (label smoothing 0.1): the label keeps the largest share.
            for (int c = 0; c < 3; c++)
            {
                soft[r, c] = c == label ? 0.9f + 0.1f / 3 : 0.1f / 3;
            }
        }

        var oneHot = new OneHotReportNet(seed: 1);
        var byLabel = new LabelReportNet(seed: 2);
        oneHot.Parameters.CopyTo(byLabel.Parameters);

        ClassificationReport expected = Trainer.EvaluateClassification(byLabel, Dataset.FromArrays(features, labels));
        ClassificationReport actual = Trainer.EvaluateClassification(oneHot, Dataset.FromArrays(features, soft));
        Assert.Equal(expected.ConfusionMatrix.ToArray(), actual.ConfusionMatrix.ToArray());
        Assert.Equal(expected.Accuracy, actual.Accuracy);
        Assert.Equal(expected.TopKAccuracy(2), actual.TopKAccuracy(2));
    }
}
