using GenNN;

namespace GenNN.Tests.Runtime;

[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(4)]
[Dense(10, Activation.ReLU)]
[Dense(3, Activation.Softmax)]
public partial class IrisTrainingNet
{
}

/// <summary>The runtime driving a network the generator wrote, end to end on iris.</summary>
public class GeneratedNetworkTrainingTests
{
    private static (Dataset Train, Dataset Test) Iris()
    {
        Dataset iris = Csv.Load(Path.Combine(AppContext.BaseDirectory, "Data", "iris.csv"));
        var (train, test) = iris.Split(0.2, seed: 0, stratify: true);
        var standardizer = Standardizer.Fit(train);
        return (standardizer.Transform(train), standardizer.Transform(test));
    }

    [Fact]
    public void A_generated_mlp_learns_iris()
    {
        var (train, test) = Iris();
        var model = new IrisTrainingNet(seed: 1);
        History history = Trainer.Fit(model, train, new Adam(0.01f), epochs: 40, batchSize: 16, validation: test, seed: 2);
        Assert.True(history.Loss[^1] < history.Loss[0] / 3, history.ToString());
        EvaluationResult result = Trainer.Evaluate(model, test);
        Assert.True(result.Accuracy >= 0.9, result.ToString());
    }

    [Fact]
    public void Training_a_generated_mlp_is_bit_reproducible()
    {
        var (train, _) = Iris();
        int[] Run()
        {
            var model = new IrisTrainingNet(seed: 7);
            Trainer.Fit(model, train, new Sgd(0.05f, momentum: 0.9f, nesterov: true), epochs: 3, batchSize: 10, seed: 5);
            return model.Parameters.ToArray().Select(BitConverter.SingleToInt32Bits).ToArray();
        }

        Assert.Equal(Run(), Run());
    }
}
