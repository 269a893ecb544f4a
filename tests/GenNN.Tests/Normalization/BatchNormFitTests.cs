namespace GenNN.Tests.Normalization;

[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(4)]
[Dense(8)]
[BatchNorm(Activation.ReLU)]
[Dense(3, Activation.Softmax)]
public partial class DenseBn { }

/// <summary>Trainer.Fit with BatchNorm: an epoch's last batch of one sample, and early stopping's restore of the running statistics.</summary>
public class BatchNormFitTests
{
    /// <summary>Three clusters in 4-D, with <paramref name="n"/> samples; labels shuffled when <paramref name="scramble"/>.</summary>
    private static Dataset Clusters(int n, int seed, bool scramble = false)
    {
        var random = new Random(seed);
        var features = new float[n, 4];
        var labels = new float[n];
        for (int i = 0; i < n; i++)
        {
            int label = i % 3;
            labels[i] = scramble ? random.Next(3) : label;
            for (int j = 0; j < 4; j++)
            {
                features[i, j] = (j == label ? 2f : 0f) + (float)(random.NextDouble() - 0.5);
            }
        }

        return Dataset.FromArrays(features, labels);
    }

    [Fact]
    public void Fit_skips_an_epoch_s_last_batch_of_one_sample_and_learns()
    {
        var network = new DenseBn(1);
        Assert.Equal(2, ((INetwork)network).MinTrainingBatchSize);
        Dataset train = Clusters(33, 2); // batches of 8: 8, 8, 8, 8 and 1
        History history = Trainer.Fit(network, train, new Adam(0.05f), new FitOptions { Epochs = 30, BatchSize = 8, Seed = 3, Verbose = 0 });
        Assert.Equal(30, history.Epochs.Count);
        Assert.All(history.Epochs, e => Assert.True(double.IsFinite(e.Loss)));
        Assert.True(Trainer.Evaluate(network, Clusters(60, 9)).Accuracy!.Value >= 0.95, "trained on 32 of 33 samples per epoch, it separates the clusters");
    }

    [Fact]
    public void Fit_with_batches_of_one_sample_says_why_it_cannot_train()
    {
        var network = new DenseBn(1);
        float[] before = network.Parameters.ToArray();
        var e = Assert.Throws<ArgumentException>(() => Trainer.Fit(network, Clusters(30, 2), new Sgd(0.1f), new FitOptions { BatchSize = 1, Verbose = 0 }));
        Assert.Contains("BatchNorm", e.Message);
        Assert.Contains("BatchSize of 2 or more", e.Message);
        Assert.True(before.AsSpan().SequenceEqual(network.Parameters));
    }

    [Fact]
    public void Early_stopping_restores_the_running_statistics_of_its_best_epoch_with_its_weights()
    {
        var network = new DenseBn(4);
        var recorder = new StateRecorder();
        var early = new EarlyStopping { Monitor = "val_loss", Patience = 2, RestoreBestWeights = true };
        Trainer.Fit(network, Clusters(90, 5), new Adam(0.05f), new FitOptions
        {
            Epochs = 40, BatchSize = 16, Seed = 6, Verbose = 0,
            ValidationData = Clusters(60, 7, scramble: true), // labels that training cannot predict: val_loss soon rises
            Callbacks = new Callback[] { early, recorder },
        });
        Assert.True(early.StoppedEpoch > early.BestEpoch, $"stopped at {early.StoppedEpoch}, best {early.BestEpoch}");
        Assert.True(recorder.States[early.BestEpoch - 1].AsSpan().SequenceEqual(network.State), "the best epoch's running statistics");
        Assert.True(recorder.Parameters[early.BestEpoch - 1].AsSpan().SequenceEqual(network.Parameters), "the best epoch's weights");
        Assert.False(recorder.States[^1].AsSpan().SequenceEqual(network.State));
    }

    private sealed class StateRecorder : Callback
    {
        public List<float[]> States { get; } = new();

        public List<float[]> Parameters { get; } = new();

        public override void OnEpochEnd(TrainingContext context, EpochResult result)
        {
            States.Add(context.Network.State.ToArray());
            Parameters.Add(context.Network.Parameters.ToArray());
        }
    }
}
