using GenNN;

namespace GenNN.Tests.Runtime;

/// <summary>FitOptions.SampleWeights and ClassWeights: which rows they weigh, and the errors for bad weights.</summary>
public class FitWeightsTests
{
    private static Dataset StandardIris()
    {
        Dataset iris = Csv.Load(Path.Combine(AppContext.BaseDirectory, "Data", "iris.csv"));
        return Standardizer.Fit(iris).Transform(iris);
    }

    private static int[] Train(Dataset train, FitOptions options)
    {
        var model = new IrisTrainingNet(seed: 3);
        Trainer.Fit(model, train, new Adam(0.01f), options with { Epochs = 4, BatchSize = 16, Seed = 5, Verbose = 0 });
        return model.Parameters.ToArray().Select(BitConverter.SingleToInt32Bits).ToArray();
    }

    [Fact]
    public void Weights_of_one_train_exactly_as_no_weights()
    {
        Dataset iris = StandardIris();
        float[] ones = Enumerable.Repeat(1f, iris.Count).ToArray();
        Assert.Equal(Train(iris, new FitOptions()), Train(iris, new FitOptions { SampleWeights = ones }));
        Assert.Equal(Train(iris, new FitOptions()), Train(iris, new FitOptions { ClassWeights = new Dictionary<int, float> { [1] = 1f } }));
    }

    [Fact]
    public void A_binary_target_of_one_half_takes_class_0s_weight_as_in_Keras_and_the_accuracy()
    {
        // Keras rounds a binary target half to even (0.5 -> class 0), and Fit's accuracy counts 0.5 as class 0; the class
        // weights gave it class 1's weight.
        var random = new Random(5);
        float[] features = Enumerable.Range(0, 4 * 33).Select(_ => (float)random.NextDouble()).ToArray();
        var data = new Dataset(features, 33, new float[] { 0.5f, 0f, 1f, 0.25f });
        float[] Train(FitOptions options)
        {
            var net = new GenNN.Tests.Numerics.Bce_I33_Sig1(seed: 3);
            Trainer.Fit(net, data, new Sgd(0.5f), options with { Epochs = 1, BatchSize = 4, Shuffle = false, Verbose = 0 });
            return net.Parameters.ToArray();
        }

        Assert.Equal(
            Train(new FitOptions { SampleWeights = new float[] { 1f, 1f, 3f, 1f } }),
            Train(new FitOptions { ClassWeights = new Dictionary<int, float> { [0] = 1f, [1] = 3f } }));
    }

    [Fact]
    public void A_class_weight_equals_the_same_weight_on_each_of_its_samples()
    {
        Dataset iris = StandardIris();
        float[] perSample = new float[iris.Count];
        for (int i = 0; i < perSample.Length; i++)
        {
            perSample[i] = iris.Targets[i] == 2 ? 3f : 1f;
        }

        int[] byClass = Train(iris, new FitOptions { ClassWeights = new Dictionary<int, float> { [2] = 3f } });
        Assert.Equal(byClass, Train(iris, new FitOptions { SampleWeights = perSample }));
        Assert.NotEqual(byClass, Train(iris, new FitOptions()));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Sample_weights_follow_their_rows_through_the_validation_split_and_the_shuffle(bool stratify)
    {
        // Weights given per row of the set passed to Fit must stay with those rows when a (stratified, shuffled) split
        // takes some of them for validation: zero weights on class 0's rows equal a class weight of 0 for class 0.
        Dataset iris = StandardIris();
        float[] perSample = new float[iris.Count];
        for (int i = 0; i < perSample.Length; i++)
        {
            perSample[i] = iris.Targets[i] == 0 ? 0f : 1f;
        }

        var split = new FitOptions { ValidationSplit = 0.2, StratifyValidationSplit = stratify };
        Assert.Equal(
            Train(iris, split with { ClassWeights = new Dictionary<int, float> { [0] = 0f } }),
            Train(iris, split with { SampleWeights = perSample }));
    }

    [Fact]
    public void Bad_weights_name_what_was_expected()
    {
        Dataset iris = StandardIris();
        var model = new IrisTrainingNet(seed: 3);
        var e = Assert.Throws<ArgumentException>(() => Trainer.Fit(model, iris, new Adam(), new FitOptions { SampleWeights = new float[3], Verbose = 0 }));
        Assert.Contains("holds 3 weights; expected one per training sample (150)", e.Message);

        float[] weights = Enumerable.Repeat(1f, iris.Count).ToArray();
        weights[7] = float.NaN;
        e = Assert.Throws<ArgumentException>(() => Trainer.Fit(model, iris, new Adam(), new FitOptions { SampleWeights = weights, Verbose = 0 }));
        Assert.Contains("SampleWeights[7] is NaN", e.Message);

        e = Assert.Throws<ArgumentException>(() => Trainer.Fit(model, iris, new Adam(), new FitOptions { ClassWeights = new Dictionary<int, float> { [3] = 1f }, Verbose = 0 }));
        Assert.Contains("has class 3; expected classes 0 to 2", e.Message);

        e = Assert.Throws<ArgumentException>(() => Trainer.Fit(model, iris, new Adam(), new FitOptions { ClassWeights = new Dictionary<int, float> { [1] = -1f }, Verbose = 0 }));
        Assert.Contains("ClassWeights[1] is -1", e.Message);
    }
}

[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(4)]
[Dense(16, Activation.ReLU)]
[Dropout(0.5)]
[Dense(3, Activation.Softmax)]
public partial class IrisDropoutFitNet
{
}

/// <summary>FitOptions.Seed seeds the dropout masks too.</summary>
public class FitDropoutSeedTests
{
    [Fact]
    public void Fit_with_a_seed_restarts_the_dropout_masks()
    {
        Dataset iris = Csv.Load(Path.Combine(AppContext.BaseDirectory, "Data", "iris.csv"));
        iris = Standardizer.Fit(iris).Transform(iris);
        var options = new FitOptions { Epochs = 3, BatchSize = 16, Seed = 5, Verbose = 0 };

        var fresh = new IrisDropoutFitNet(seed: 3);
        var used = new IrisDropoutFitNet(seed: 3);
        // TrainBatch leaves the parameters alone but draws masks: the second network's mask stream has moved on.
        used.TrainBatch(iris.Features.Slice(0, 4 * 8), iris.Targets.Slice(0, 8), 8);
        Trainer.Fit(fresh, iris, new Adam(0.01f), options);
        Trainer.Fit(used, iris, new Adam(0.01f), options);
        Assert.Equal(fresh.Parameters.ToArray(), used.Parameters.ToArray());

        var other = new IrisDropoutFitNet(seed: 3);
        Trainer.Fit(other, iris, new Adam(0.01f), options with { Seed = 6 });
        Assert.NotEqual(fresh.Parameters.ToArray(), other.Parameters.ToArray());
    }
}
