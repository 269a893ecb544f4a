using System;
using System.IO;
using GenNN;

namespace Samples.Iris;

/// <summary>The sample's training recipe, shared with the end-to-end test that checks its accuracy.</summary>
public static class IrisExample
{
    /// <summary>The seed of the split, the initial weights and the shuffles.</summary>
    public const int Seed = 42;

    /// <summary>Loads the embedded iris data: 150 rows, 4 features, 3 classes.</summary>
    public static Dataset LoadData()
    {
        using Stream stream = typeof(IrisExample).Assembly.GetManifestResourceStream("iris.csv")
            ?? throw new InvalidOperationException("The iris.csv resource is missing from the sample assembly.");
        using var reader = new StreamReader(stream);
        return Csv.Parse(reader);
    }

    /// <summary>The four measurements, in the CSV's column order (scikit-learn's names).</summary>
    public static readonly string[] FeatureNames = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"];

    /// <summary>
    /// 80/20 seeded split, standardisation fitted on the training part, then Adam for 60 epochs of batches of 16.
    /// The model carries the fitted standardizer and the names, so that its file is all a deployment needs.
    /// </summary>
    /// <param name="onEpoch">Called after every epoch (e.g. to print it).</param>
    public static (IrisNet Model, Standardizer Scaler, Dataset Test, History History) Train(Action<EpochResult>? onEpoch = null)
    {
        Dataset data = LoadData();
        var (train, test) = data.Split(testFraction: 0.2, seed: Seed);
        Standardizer scaler = Standardizer.Fit(train);
        train = scaler.Transform(train);
        test = scaler.Transform(test);

        var model = new IrisNet(seed: Seed)
        {
            Preprocessing = new ModelPreprocessing(scaler, data.ClassNames, FeatureNames),
        };
        History history = Trainer.Fit(model, train, new Adam(learningRate: 0.01f), epochs: 60, batchSize: 16,
            validation: test, seed: Seed, onEpoch: onEpoch);
        return (model, scaler, test, history);
    }
}
