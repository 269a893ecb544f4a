using System.Text.RegularExpressions;
using System.Threading;
using GenNN;

namespace GenNN.Tests.Runtime;

/// <summary>Fit with FitOptions: validation split, determinism, divergence, cancellation, progress output.</summary>
public class FitOptionsTests
{
    private static Dataset Iris() => Csv.Load(Path.Combine(AppContext.BaseDirectory, "Data", "iris.csv"));

    private static (Dataset Train, Dataset Test) StandardIris()
    {
        var (train, test) = Iris().Split(0.2, seed: 0, stratify: true);
        var standardizer = Standardizer.Fit(train);
        return (standardizer.Transform(train), standardizer.Transform(test));
    }

    [Fact]
    public void The_same_seed_gives_the_same_history_and_parameters_with_every_callback()
    {
        var (train, _) = StandardIris();
        (History History, int[] Bits) Run(int seed)
        {
            var model = new IrisTrainingNet(seed: 4);
            History history = Trainer.Fit(model, train, new Adam(0.02f), new FitOptions
            {
                Epochs = 12, BatchSize = 10, Seed = seed, Verbose = 0, ValidationSplit = 0.25, StratifyValidationSplit = true,
                Callbacks =
                [
                    LearningRateScheduler.CosineDecay(0.02f, epochs: 12, warmupEpochs: 2, perBatch: true),
                    new ReduceLROnPlateau { Patience = 1, Factor = 0.5f },
                    new EarlyStopping { Patience = 3, RestoreBestWeights = true },
                ],
            });
            return (history, model.Parameters.ToArray().Select(BitConverter.SingleToInt32Bits).ToArray());
        }

        var a = Run(7);
        var b = Run(7);
        var c = Run(8);
        Assert.Equal(a.Bits, b.Bits);
        Assert.Equal(a.History.Epochs.Select(e => e with { Elapsed = default }), b.History.Epochs.Select(e => e with { Elapsed = default }));
        Assert.Equal((a.History.StopReason, a.History.StoppedEpoch), (b.History.StopReason, b.History.StoppedEpoch));
        Assert.NotEqual(a.Bits, c.Bits);
        Assert.NotEqual(a.History.ValidationLoss, c.History.ValidationLoss); // the seed also picks the stratified split
    }

    [Fact]
    public void ValidationSplit_takes_the_last_samples_like_keras()
    {
        var (train, _) = StandardIris();
        Dataset data = train.Subset(Enumerable.Range(0, 10).ToArray());
        var model = new LinearModel(4, 3, Loss.SoftmaxCrossEntropy, seed: 2);
        History history = Trainer.Fit(model, data, new Sgd(0.1f), new FitOptions { Epochs = 2, BatchSize = 3, Verbose = 0, ValidationSplit = 0.25 });

        // floor(10 * 0.75) = 7 training samples (3 batches of 3, 3, 1), the last 3 for validation.
        Assert.Equal(2 * 3, model.TrainBatchCalls);
        EvaluationResult last = Trainer.Evaluate(model, data.Subset(new[] { 7, 8, 9 }));
        Assert.Equal(last.Loss, history.ValidationLoss[^1], 12);
        Assert.Equal(last.Accuracy!.Value, history.ValidationAccuracy[^1], 12);
    }

    [Fact]
    public void A_stratified_split_keeps_the_class_shares()
    {
        // iris.csv is sorted by class: Keras' split takes its last 30 rows, all virginica (class 2); the stratified
        // split takes 10 of each class. A frozen model (learning rate 0) that always says "virginica" tells them apart.
        Dataset iris = Iris();
        double ValidationAccuracy(bool stratify)
        {
            var model = new LinearModel(4, 3, Loss.SoftmaxCrossEntropy);
            model.Parameters.Clear();
            model.Parameters[^1] = 10f;
            History history = Trainer.Fit(model, iris, new Sgd(0f), new FitOptions
            {
                Epochs = 1, BatchSize = 1000, Seed = 3, Verbose = 0, ValidationSplit = 0.2, StratifyValidationSplit = stratify,
            });
            Assert.Equal(1, model.TrainBatchCalls); // one batch of the 120 training rows
            return history.ValidationAccuracy[0];
        }

        Assert.Equal(1.0, ValidationAccuracy(stratify: false));
        Assert.Equal(1.0 / 3, ValidationAccuracy(stratify: true), 12);
    }

    [Fact]
    public void Invalid_options_name_what_is_wrong()
    {
        var (train, test) = StandardIris();
        var model = new LinearModel(4, 3, Loss.SoftmaxCrossEntropy);
        Assert.Contains("both a ValidationSplit and ValidationData",
            Assert.Throws<ArgumentException>(() => Trainer.Fit(model, train, new Adam(), new FitOptions { ValidationSplit = 0.1, ValidationData = test })).Message);
        Assert.Contains("Verbose", Assert.Throws<ArgumentOutOfRangeException>(() => Trainer.Fit(model, train, new Adam(), new FitOptions { Verbose = 3 })).Message);
        Assert.Contains("ValidationSplit", Assert.Throws<ArgumentOutOfRangeException>(() => Trainer.Fit(model, train, new Adam(), new FitOptions { ValidationSplit = 1 })).Message);
        Assert.Contains("DivergenceFactor", Assert.Throws<ArgumentOutOfRangeException>(() => Trainer.Fit(model, train, new Adam(), new FitOptions { DivergenceFactor = 0.5 })).Message);
        Assert.Contains("ValidationSplit = 0.6 of 2 samples leaves the training set empty",
            Assert.Throws<ArgumentException>(() => Trainer.Fit(model, train.Subset(new[] { 0, 1 }), new Adam(), new FitOptions { ValidationSplit = 0.6, Verbose = 0 })).Message);
        Assert.Equal("options.ValidationData",
            Assert.Throws<ArgumentException>(() => Trainer.Fit(model, train, new Adam(), new FitOptions { ValidationData = new Dataset(new float[5], 5, new float[1]) })).ParamName);
    }

    /// <summary>The issue's report: Adam at 1e3 on iris reached a loss of 7.7e6 and ran on; now the first epoch stops it.</summary>
    [Fact]
    public void A_diverging_adam_on_iris_stops_with_a_clear_message()
    {
        var (train, test) = StandardIris();
        var model = new IrisTrainingNet(seed: 1);
        var e = Assert.Throws<TrainingDivergedException>(() => Trainer.Fit(model, train, new Adam(1e3f),
            new FitOptions { Epochs = 30, BatchSize = 16, Seed = 2, ValidationData = test, Verbose = 0 }));

        Assert.Equal(1, e.Epoch);
        Assert.Null(e.Batch);
        Assert.Matches(@"^The training loss of epoch 1 was [0-9.]+E\+0[5-9], more than 1000 times the loss of the run's first batch \(1\.[0-9]+\)", e.Message);
        Assert.Contains("Lower the learning rate (now 1000)", e.Message);
        Assert.Contains("DivergenceFactor", e.Message);
        Assert.Equal(StopReason.Diverged, e.History.StopReason);
        Assert.Equal(1, e.History.StoppedEpoch);
        Assert.Single(e.History.Epochs);
        Assert.All(model.Parameters.ToArray(), p => Assert.True(float.IsFinite(p)));

        // Disabled, the same run goes on (non-finite losses would still stop it).
        var unbounded = new IrisTrainingNet(seed: 1);
        History history = Trainer.Fit(unbounded, train, new Adam(1e3f), new FitOptions { Epochs = 3, BatchSize = 16, Seed = 2, Verbose = 0, DivergenceFactor = null });
        Assert.Equal(StopReason.Completed, history.StopReason);
        Assert.True(history.Loss[0] > 1e5, history.ToString());
    }

    [Fact]
    public void The_divergence_bound_is_the_factor_times_the_first_batch_loss()
    {
        // One batch per epoch; the first batch's loss is 1, so the default factor of 1000 lets 999 pass and stops at 1001.
        FitOptions Options(double? factor) => new() { Epochs = 6, BatchSize = 2, Verbose = 0, DivergenceFactor = factor };
        float[] script = { 1f, 2f, 999f, 1001f, 1f };
        var e = Assert.Throws<TrainingDivergedException>(() => Trainer.Fit(new ScriptedNetwork(script), ScriptedNetwork.Data(2), new Sgd(0.1f), Options(FitOptions.DefaultDivergenceFactor)));
        Assert.Equal(4, e.Epoch);
        Assert.Null(e.Batch);
        Assert.Equal(1001, e.Loss);
        Assert.Equal(4, e.History.Epochs.Count);
        Assert.Contains("epoch 4 was 1001, more than 1000 times the loss of the run's first batch (1)", e.Message);

        Assert.Equal(2, Assert.Throws<TrainingDivergedException>(() => Trainer.Fit(new ScriptedNetwork(script), ScriptedNetwork.Data(2), new Sgd(0.1f), Options(1.5))).Epoch);
        Assert.Equal(StopReason.Completed, Trainer.Fit(new ScriptedNetwork(script), ScriptedNetwork.Data(2), new Sgd(0.1f), Options(2000)).StopReason);
        Assert.Equal(StopReason.Completed, Trainer.Fit(new ScriptedNetwork(script), ScriptedNetwork.Data(2), new Sgd(0.1f), Options(null)).StopReason);
    }

    [Fact]
    public void A_first_loss_near_zero_counts_as_a_thousandth_in_the_divergence_bound()
    {
        // Fine-tuning a model that is already good: 1e-8 rising to 0.002 is not divergence (it used to stop the run).
        FitOptions Options() => new() { Epochs = 4, BatchSize = 2, Verbose = 0 };
        Assert.Equal(StopReason.Completed, Trainer.Fit(new ScriptedNetwork(1e-8f, 0.002f, 0.9f, 0f), ScriptedNetwork.Data(2), new Sgd(0.1f), Options()).StopReason);

        // A first loss of 0 no longer turns the rule off: 1000 x 0.001 still bounds the run.
        var e = Assert.Throws<TrainingDivergedException>(() => Trainer.Fit(new ScriptedNetwork(0f, 0.5f, 1.5f, 0f), ScriptedNetwork.Data(2), new Sgd(0.1f), Options()));
        Assert.Equal(3, e.Epoch);
        Assert.Contains("more than 1000 times the loss of the run's first batch (0, counted as 0.001)", e.Message);
    }

    [Fact]
    public void Tiny_losses_print_in_scientific_notation_never_as_zero()
    {
        var epoch = new EpochResult { Epoch = 1, Epochs = 2, Loss = 1.234e-5, ValidationLoss = 0, Elapsed = TimeSpan.FromMilliseconds(3) };
        Assert.Equal("Epoch 1/2 - loss: 1.2340e-05 - val_loss: 0.0000e+00 - 3 ms", epoch.ToString());
        Assert.Equal("Epoch 1/2 - loss: 7700000.0000 - 3 ms", (epoch with { Loss = 7.7e6, ValidationLoss = null }).ToString());
    }

    [Fact]
    public void Cancellation_throws_an_OperationCanceledException_that_carries_the_history()
    {
        using var cts = new CancellationTokenSource();
        var canceller = new LambdaCallback(onEpochEnd: r =>
        {
            if (r.Epoch == 2)
            {
                cts.Cancel();
            }
        });
        var e = Assert.Throws<TrainingCanceledException>(() => Trainer.Fit(new ScriptedNetwork(3f, 2f), ScriptedNetwork.Data(4), new Sgd(0.1f),
            new FitOptions { Epochs = 5, BatchSize = 2, Verbose = 0, Callbacks = [canceller] }, cts.Token));
        Assert.IsAssignableFrom<OperationCanceledException>(e);
        Assert.Equal(cts.Token, e.CancellationToken);
        Assert.Equal(new double[] { 2.5, 2 }, e.History.Loss);
        Assert.Equal(StopReason.Canceled, e.History.StopReason);
        Assert.Equal((3, 1), (e.Epoch, e.Batch));
        Assert.Contains("before batch 1 of epoch 3", e.Message);
    }

    [Fact]
    public void Verbose_selects_the_reports()
    {
        FitOptions Options(int verbose, RecordingProgress sink) => new()
        {
            Epochs = 2, BatchSize = 1, Shuffle = false, Verbose = verbose, Progress = sink, ProgressInterval = TimeSpan.Zero,
        };

        var silent = new RecordingProgress();
        Trainer.Fit(new ScriptedNetwork(1f), ScriptedNetwork.Data(3), new Sgd(0.1f), Options(0, silent));
        Assert.Empty(silent.Reports);

        var lines = new RecordingProgress();
        History history = Trainer.Fit(new ScriptedNetwork(1f), ScriptedNetwork.Data(3), new Sgd(0.1f), Options(2, lines));
        Assert.Equal(new[] { TrainingProgressKind.EpochEnd, TrainingProgressKind.EpochEnd, TrainingProgressKind.TrainEnd }, lines.Reports.Select(r => r.Kind));
        Assert.Equal(history.Epochs, lines.Reports.Take(2).Select(r => r.Result!));

        // Verbose 1 with no throttle: a report after every batch, with the running mean loss.
        var bar = new RecordingProgress();
        Trainer.Fit(new ScriptedNetwork(3f, 1f, 2f), ScriptedNetwork.Data(3), new Sgd(0.1f), Options(1, bar));
        Assert.Equal(
            new[] { "EpochBegin 1 0/3 0", "Batch 1 1/3 3", "Batch 1 2/3 2", "Batch 1 3/3 2", "EpochEnd 1 3/3 2", "EpochBegin 2 0/3 0", "Batch 2 1/3 2", "Batch 2 2/3 2", "Batch 2 3/3 2", "EpochEnd 2 3/3 2", "TrainEnd 2 0/3 0" },
            bar.Reports.Select(r => $"{r.Kind} {r.Epoch} {r.Batch}/{r.Batches} {r.Loss}"));
        Assert.Same(bar.Reports[^1].History, bar.Reports[0].History);
        Assert.Equal(StopReason.Completed, bar.Reports[^1].History!.StopReason);
    }

    [Fact]
    public void Redirected_output_is_one_plain_line_per_epoch()
    {
        var writer = new StringWriter();
        History history = Trainer.Fit(new ScriptedNetwork(1f, 0.5f, 0.6f, 0.7f), ScriptedNetwork.Data(4), new Sgd(0.1f), new FitOptions
        {
            Epochs = 10, BatchSize = 4, Verbose = 1, ProgressInterval = TimeSpan.Zero, Progress = new ConsoleProgress(writer, interactive: false),
            Callbacks = [new EarlyStopping { Monitor = "loss", Patience = 2 }],
        });
        string expected = string.Concat(history.Epochs.Select(e => e + Environment.NewLine))
            + "Stopped after epoch 4 of 10 (EarlyStopping): loss did not improve for 2 epoch(s); best 0.5000 at epoch 2." + Environment.NewLine;
        Assert.Equal(expected, writer.ToString());
        Assert.DoesNotContain('\r', writer.ToString());
        Assert.Matches(@"^Epoch 1/10 - loss: 1\.0000 - [0-9]+ ms\r?$", writer.ToString().Split('\n')[0]);
    }

    [Fact]
    public void A_terminal_gets_a_keras_progress_bar_redrawn_in_place()
    {
        var writer = new StringWriter();
        var progress = new ConsoleProgress(writer, interactive: true);
        History? history = null; // the console printer reads it only at TrainEnd, for the stop reason
        var result = new EpochResult { Epoch = 1, Epochs = 3, Loss = 0.25, Accuracy = 0.5, ValidationLoss = 0.125, ValidationAccuracy = 0.75, Elapsed = TimeSpan.FromMilliseconds(41.2) };
        TrainingProgress Batch(int done, double seconds, double loss) => new()
        {
            Kind = TrainingProgressKind.Batch, Epoch = 1, Epochs = 3, Batch = done, Batches = 120, Loss = loss, Accuracy = 0.875,
            Elapsed = TimeSpan.FromSeconds(seconds), History = history,
        };

        progress.Report(new TrainingProgress { Kind = TrainingProgressKind.EpochBegin, Epoch = 1, Epochs = 3, Batches = 120, History = history });
        progress.Report(Batch(4, 0.5, 12.5));
        progress.Report(Batch(57, 1.9, 0.0004));
        progress.Report(Batch(60, 2.0, 0.5)); // shorter than the line it replaces: padded with spaces
        progress.Report(new TrainingProgress { Kind = TrainingProgressKind.EpochEnd, Epoch = 1, Epochs = 3, Batch = 120, Batches = 120, Loss = 0.25, Result = result, History = history });
        progress.Report(new TrainingProgress { Kind = TrainingProgressKind.EpochBegin, Epoch = 2, Epochs = 3, Batches = 120, History = history });
        progress.Report(Batch(1, 100, 1) with { Epoch = 2 });
        progress.Report(new TrainingProgress { Kind = TrainingProgressKind.TrainEnd, Epoch = 1, Epochs = 3, History = history });

        string nl = Environment.NewLine;
        string expected =
            "Epoch 1/3" + nl +
            "\r  4/120 [>.............................] - ETA: 14s - loss: 12.5000 - accuracy: 0.8750" +
            "\r 57/120 [=============>................] - ETA: 2s - loss: 4.0000e-04 - accuracy: 0.8750" +
            "\r 60/120 [==============>...............] - ETA: 2s - loss: 0.5000 - accuracy: 0.8750    " +
            "\r120/120 [==============================] - 41 ms - loss: 0.2500 - accuracy: 0.5000 - val_loss: 0.1250 - val_accuracy: 0.7500" + nl +
            "Epoch 2/3" + nl +
            "\r  1/120 [..............................] - ETA: 3:18:20 - loss: 1.0000 - accuracy: 0.8750" + nl; // TrainEnd closes the open bar
        Assert.Equal(expected, writer.ToString());
    }

    [Fact]
    public void Progress_and_callbacks_allocate_nothing_per_batch()
    {
        var (train, test) = StandardIris();
        var model = new LinearModel(4, 3, Loss.SoftmaxCrossEntropy);
        var optimizer = new Adam(0.01f);
        FitOptions Options(int epochs) => new()
        {
            Epochs = epochs, BatchSize = 1, Seed = 1, ValidationData = test, Verbose = 1,
            Progress = new ConsoleProgress(TextWriter.Null, interactive: true),
            Callbacks = [LearningRateScheduler.CosineDecay(0.01f, epochs, warmupEpochs: 1, perBatch: true), new EarlyStopping { Patience = 100 }],
        };
        Trainer.Fit(model, train, optimizer, Options(2)); // warm up

        long Measure(int epochs)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            Trainer.Fit(model, train, optimizer, Options(epochs));
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }

        long few = Measure(2), many = Measure(12);
        // 120 batches per epoch: a per-batch allocation would add at least 120 * 24 bytes per epoch. The epoch line, the
        // EpochResult and the rare redraws (at most ten a second) stay well under this bound.
        double perEpoch = (many - few) / 10.0;
        Assert.True(perEpoch < 2500, $"Fit allocated {perEpoch} bytes per epoch of 120 batches.");
    }
}
