using GenNN;
using Samples.Iris;

namespace GenNN.Tests.EndToEnd;

/// <summary>The Iris sample's recipe, end to end: accuracy, reproducibility, save and reload.</summary>
public class IrisSampleTests
{
    [Fact]
    public void The_sample_reaches_at_least_93_percent_test_accuracy()
    {
        var (model, _, test, history) = IrisExample.Train();

        EvaluationResult result = Trainer.Evaluate(model, test);
        Assert.Equal(30, test.Count);
        Assert.True(result.Accuracy >= 0.93, $"Iris test accuracy {result.Accuracy:F4} < 0.93 ({history})");
        Assert.True(history.Loss[^1] < history.Loss[0], history.ToString());
    }

    [Fact]
    public void The_same_seed_gives_bit_identical_weights()
    {
        float[] first = IrisExample.Train().Model.Parameters.ToArray();
        float[] second = IrisExample.Train().Model.Parameters.ToArray();

        Assert.Equal(first.Select(BitConverter.SingleToInt32Bits), second.Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void A_saved_model_reloads_with_identical_predictions()
    {
        var (model, _, test, _) = IrisExample.Train();
        string path = Path.Combine(Path.GetTempPath(), $"gennn-iris-{Guid.NewGuid():N}.safetensors");
        try
        {
            model.Save(path);
            IrisNet loaded = IrisNet.Load(path);

            Assert.Equal(model.Parameters.ToArray(), loaded.Parameters.ToArray());
            var expected = new float[test.Count * IrisNet.OutputSize];
            var actual = new float[test.Count * IrisNet.OutputSize];
            model.PredictBatch(test.Features, expected, test.Count);
            loaded.PredictBatch(test.Features, actual, test.Count);
            Assert.Equal(expected, actual);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void The_saved_model_carries_its_standardizer_and_names_and_classifies_raw_measurements()
    {
        var (model, scaler, _, _) = IrisExample.Train();
        string path = Path.Combine(Path.GetTempPath(), $"gennn-iris-{Guid.NewGuid():N}.safetensors");
        try
        {
            model.Save(path);
            IrisNet loaded = IrisNet.Load(path);

            ModelPreprocessing stored = Assert.IsType<ModelPreprocessing>(loaded.Preprocessing);
            Assert.Equal(scaler.Mean.ToArray(), stored.Standardizer!.Mean.ToArray());
            Assert.Equal(scaler.Scale.ToArray(), stored.Standardizer.Scale.ToArray());
            Assert.Equal(new[] { "setosa", "versicolor", "virginica" }, stored.ClassNames);
            Assert.Equal(IrisExample.FeatureNames, stored.FeatureNames);

            // Raw rows of the whole data set: PredictRaw on the loaded model equals the training-time recipe.
            Dataset raw = IrisExample.LoadData();
            var standardized = new float[IrisNet.InputSize];
            var expected = new float[IrisNet.OutputSize];
            var actual = new float[IrisNet.OutputSize];
            for (int row = 0; row < raw.Count; row++)
            {
                scaler.Transform(raw.GetFeatures(row), standardized);
                model.Predict(standardized, expected);
                loaded.PredictRaw(raw.GetFeatures(row), actual);
                Assert.Equal(expected, actual);
            }

            // The flower the README and the AotInference sample classify.
            Assert.Equal("versicolor", loaded.PredictClassName(new[] { 6.1f, 2.8f, 4.7f, 1.2f }, actual));
            Assert.True(actual[1] > 0.9f, $"p(versicolor) = {actual[1]}");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void TrainBatch_hands_back_the_outputs_Predict_gives_before_the_update()
    {
        Dataset data = IrisExample.LoadData();
        var model = new IrisNet(seed: 3);
        const int batch = 9;
        ReadOnlySpan<float> inputs = data.Features.Slice(0, batch * IrisNet.InputSize);
        var predicted = new float[batch * IrisNet.OutputSize];
        var trained = new float[batch * IrisNet.OutputSize];

        model.PredictBatch(inputs, predicted, batch);
        model.TrainBatch(inputs, data.Targets.Slice(0, batch), batch, trained);

        for (int i = 0; i < predicted.Length; i++)
        {
            Assert.True(Math.Abs(predicted[i] - trained[i]) <= 1e-6f, $"output {i}: PredictBatch {predicted[i]}, TrainBatch {trained[i]}");
        }
    }
}
