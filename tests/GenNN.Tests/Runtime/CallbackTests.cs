using System.Globalization;
using GenNN;

namespace GenNN.Tests.Runtime;

/// <summary>The built-in callbacks on exact loss sequences (ScriptedNetwork: one batch per epoch, loss = the script).</summary>
public class CallbackTests
{
    private static readonly Dataset Four = ScriptedNetwork.Data(4);

    /// <summary>One batch per epoch, in order, silent.</summary>
    private static FitOptions Options(int epochs, params Callback[] callbacks)
        => new() { Epochs = epochs, BatchSize = 4, Shuffle = false, Verbose = 0, Callbacks = callbacks };

    [Fact]
    public void EarlyStopping_stops_when_patience_runs_out_and_Fit_returns_normally()
    {
        var net = new ScriptedNetwork(1.0f, 0.9f, 0.95f, 0.93f, 0.8f);
        var stopper = new EarlyStopping { Monitor = "loss", Patience = 2 };
        History history = Trainer.Fit(net, Four, new Sgd(0.1f), Options(10, stopper));

        // 0.95 and 0.93 do not beat 0.9: the wait reaches 2 after epoch 4.
        Assert.Equal(4, history.Epochs.Count);
        Assert.Equal(StopReason.EarlyStopping, history.StopReason);
        Assert.Equal(4, history.StoppedEpoch);
        Assert.Equal(4, stopper.StoppedEpoch);
        Assert.Equal(2, stopper.BestEpoch);
        Assert.Equal(0.9f, stopper.BestValue);
        Assert.Equal("loss did not improve for 2 epoch(s); best 0.9000 at epoch 2.", history.StopMessage);

        // Without early stopping the run completes.
        History full = Trainer.Fit(new ScriptedNetwork(1.0f, 0.9f, 0.95f, 0.93f, 0.8f), Four, new Sgd(0.1f), Options(5));
        Assert.Equal(StopReason.Completed, full.StopReason);
        Assert.Equal(5, full.StoppedEpoch);
    }

    [Fact]
    public void EarlyStopping_min_delta_mode_and_baseline_follow_keras()
    {
        // MinDelta 0.05: 0.96 is not better than 1.0 by more than 0.05, so patience 1 stops after epoch 2.
        var delta = new EarlyStopping { Monitor = "loss", MinDelta = 0.05, Patience = 1 };
        Assert.Equal(2, Trainer.Fit(new ScriptedNetwork(1.0f, 0.96f, 0.5f), Four, new Sgd(0.1f), Options(5, delta)).Epochs.Count);

        // Mode Max on the loss: a rising "loss" is an improvement, so this never stops.
        var max = new EarlyStopping { Monitor = "loss", Mode = MonitorMode.Max, Patience = 0 };
        Assert.Equal(StopReason.Completed, Trainer.Fit(new ScriptedNetwork(1f, 2f, 3f, 4f), Four, new Sgd(0.1f), Options(4, max)).StopReason);

        // Baseline 0.5: improvements that do not beat it do not reset the wait, so the plateau at epoch 3 stops training.
        float[] script = { 1.0f, 0.9f, 0.95f, 0.4f };
        var baseline = new EarlyStopping { Monitor = "loss", Patience = 2, Baseline = 0.5 };
        History stopped = Trainer.Fit(new ScriptedNetwork(script), Four, new Sgd(0.1f), Options(4, baseline));
        Assert.Equal(3, stopped.StoppedEpoch);
        Assert.Equal(StopReason.EarlyStopping, stopped.StopReason);
        Assert.Contains("did not beat the baseline 0.5", stopped.StopMessage);
        var noBaseline = new EarlyStopping { Monitor = "loss", Patience = 2 };
        Assert.Equal(StopReason.Completed, Trainer.Fit(new ScriptedNetwork(script), Four, new Sgd(0.1f), Options(4, noBaseline)).StopReason);
    }

    [Fact]
    public void EarlyStopping_restores_exactly_the_best_epochs_parameters()
    {
        // SGD at 0.25 with gradient -1 adds 0.25 per epoch: after epoch k the parameter is exactly 0.25 k.
        float[] script = { 1f, 0.5f, 0.7f, 0.8f, 0.9f };
        var restore = new ScriptedNetwork(script);
        Trainer.Fit(restore, Four, new Sgd(0.25f), Options(10, new EarlyStopping { Monitor = "loss", Patience = 2, RestoreBestWeights = true }));
        Assert.Equal(0.5f, restore.Parameters[0]); // epoch 2

        var keep = new ScriptedNetwork(script);
        Trainer.Fit(keep, Four, new Sgd(0.25f), Options(10, new EarlyStopping { Monitor = "loss", Patience = 2 }));
        Assert.Equal(1.0f, keep.Parameters[0]); // stopped after epoch 4
    }

    [Fact]
    public void Divergence_ends_the_run_for_the_callbacks_and_EarlyStopping_restores_the_best_epoch()
    {
        // Losses 1, 0.5, 0.7, then NaN in epoch 4: its step is not applied, so the parameter is 0.75 (three steps of 0.25)
        // when the run diverges; OnTrainEnd runs before the exception, and EarlyStopping puts back epoch 2's 0.5.
        var net = new ScriptedNetwork(1f, 0.5f, 0.7f, float.NaN);
        var stopper = new EarlyStopping { Monitor = "loss", Patience = 10, RestoreBestWeights = true };
        StopReason seen = StopReason.None;
        var ends = new LambdaCallback(onTrainEnd: history => seen = history.StopReason);
        var e = Assert.Throws<TrainingDivergedException>(() => Trainer.Fit(net, Four, new Sgd(0.25f), Options(10, stopper, ends)));
        Assert.Equal(4, e.Epoch);
        Assert.Equal(StopReason.Diverged, seen);
        Assert.Equal(2, stopper.BestEpoch);
        Assert.Equal(0.5f, net.Parameters[0]);

        // Without the callback the network keeps its last finite parameters, as before.
        var plain = new ScriptedNetwork(1f, 0.5f, 0.7f, float.NaN);
        Assert.Throws<TrainingDivergedException>(() => Trainer.Fit(plain, Four, new Sgd(0.25f), Options(10)));
        Assert.Equal(0.75f, plain.Parameters[0]);
    }

    [Fact]
    public void A_NaN_loss_after_a_loss_past_the_divergence_bound_says_the_kept_parameters_had_diverged()
    {
        var net = new ScriptedNetwork(1f, 5000f, float.NaN);
        var e = Assert.Throws<TrainingDivergedException>(() => Trainer.Fit(net, Four, new Sgd(0.25f), Options(10) with { DivergenceFactor = null }));
        Assert.Contains("(finite, but diverged already: the batch before had a loss of 5000 against the first batch's 1;", e.Message);

        var calm = new ScriptedNetwork(1f, 2f, float.NaN);
        e = Assert.Throws<TrainingDivergedException>(() => Trainer.Fit(calm, Four, new Sgd(0.25f), Options(10)));
        Assert.DoesNotContain("diverged already", e.Message);
        Assert.Contains("keeps the parameters it had before it. Lower the learning rate", e.Message);
    }

    [Fact]
    public void EarlyStopping_on_a_missing_metric_says_what_to_pass()
    {
        // Checked before the first epoch, so the mistake costs no training and leaves the network as it was.
        var net = new ScriptedNetwork(1f);
        var e = Assert.Throws<InvalidOperationException>(() => Trainer.Fit(net, Four, new Sgd(0.25f), Options(3, new EarlyStopping())));
        Assert.Contains("monitors 'val_loss', which this run's epochs do not report: it has no validation data", e.Message);
        Assert.Contains("ValidationSplit", e.Message);
        Assert.Equal(0f, net.Parameters[0]);
        e = Assert.Throws<InvalidOperationException>(() => Trainer.Fit(net, Four, new Sgd(0.25f), Options(3, new ReduceLROnPlateau { Monitor = "val_loss" })));
        Assert.Contains("ReduceLROnPlateau monitors 'val_loss'", e.Message);
        e = Assert.Throws<InvalidOperationException>(() => Trainer.Fit(net, Four, new Sgd(0.25f), Options(3, new EarlyStopping { Monitor = "accuracy" })));
        Assert.Contains("its loss is not a classification loss", e.Message);
        e = Assert.Throws<InvalidOperationException>(() => Trainer.Fit(net, Four, new Sgd(0.25f), Options(3, new ModelCheckpoint("m.bin") { SaveBestOnly = true })));
        Assert.Contains("ModelCheckpoint monitors 'val_loss'", e.Message);
        Assert.Equal(0f, net.Parameters[0]);
        Assert.Throws<ArgumentException>(() => Trainer.Fit(new ScriptedNetwork(1f), Four, new Sgd(0.1f), Options(3, new EarlyStopping { Monitor = "val_los" })));
    }

    [Fact]
    public void EarlyStopping_rejects_a_NaN_baseline_before_the_first_epoch()
    {
        // No value beats NaN: the wait would never restart, and training would stop as if nothing had improved.
        var net = new ScriptedNetwork(1f);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Trainer.Fit(net, Four, new Sgd(0.25f), Options(3, new EarlyStopping { Monitor = "loss", Baseline = double.NaN })));
        Assert.Equal("Baseline", e.ParamName);
        Assert.Contains("Baseline is NaN; expected a value the metric must beat, or null for none", e.Message);
        Assert.Equal(0f, net.Parameters[0]);
    }

    [Fact]
    public void ModelCheckpoint_saves_only_on_improvement()
    {
        string dir = Directory.CreateTempSubdirectory("gennn-ckpt").FullName;
        try
        {
            var net = new ScriptedNetwork(1f, 0.5f, 0.7f, 0.4f, 0.6f);
            string path = Path.Combine(dir, "best.bin");
            var checkpoint = new ModelCheckpoint(path) { Monitor = "loss", SaveBestOnly = true };
            Trainer.Fit(net, Four, new Sgd(0.25f), Options(5, checkpoint));

            // Improvements at epochs 1, 2 and 4; the file holds epoch 4's parameter (0.25 * 4).
            Assert.Equal(new[] { 0.25f, 0.5f, 1.0f }, net.Saved.Select(s => s.Value));
            Assert.All(net.Saved, s => Assert.Equal(path, s.Path));
            Assert.Equal("1", File.ReadAllText(path));
            Assert.Equal(4, checkpoint.LastSavedEpoch);
            Assert.Equal(0.4f, checkpoint.BestValue);

            // A second Fit with the same callback (fine-tuning) keeps the best of both runs, as Keras' does: it used to
            // start from scratch and overwrite the file with the new run's worse first epoch.
            var worse = new ScriptedNetwork(0.9f, 0.45f);
            Trainer.Fit(worse, Four, new Sgd(0.25f), Options(2, checkpoint));
            Assert.Empty(worse.Saved);
            Assert.Equal(0, checkpoint.LastSavedEpoch);
            Assert.Equal("1", File.ReadAllText(path));
            var better = new ScriptedNetwork(0.5f, 0.3f);
            Trainer.Fit(better, Four, new Sgd(0.25f), Options(2, checkpoint));
            Assert.Equal(new[] { 0.5f }, better.Saved.Select(s => s.Value));
            Assert.Equal(0.3f, checkpoint.BestValue);

            // Without SaveBestOnly: every epoch, one file each through the {epoch:00} placeholder.
            var every = new ScriptedNetwork(1f);
            Trainer.Fit(every, Four, new Sgd(0.25f), Options(3, new ModelCheckpoint(Path.Combine(dir, "m-{epoch:00}.bin"))));
            Assert.Equal(new[] { "m-01.bin", "m-02.bin", "m-03.bin" }, every.Saved.Select(s => Path.GetFileName(s.Path)));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void ModelCheckpoint_paths_take_keras_placeholders_and_formats()
    {
        string dir = Directory.CreateTempSubdirectory("gennn-ckpt").FullName;
        try
        {
            // Keras' Python formats ({epoch:02d}, {loss:.2f}, {loss:.3e}, a width), and .NET's ({epoch:000}, {loss:F1}).
            var net = new ScriptedNetwork(1f, 0.5f, 0.0390625f);
            Trainer.Fit(net, Four, new Sgd(0.25f), Options(3,
                new ModelCheckpoint(Path.Combine(dir, "m-{epoch:02d}-{loss:.2f}.bin")),
                new ModelCheckpoint(Path.Combine(dir, "e-{epoch:3d}-{loss:.3e}-{loss}.bin")),
                new ModelCheckpoint(Path.Combine(dir, "n-{epoch:000}-{loss:F1}.bin")),
                new ModelCheckpoint(Path.Combine(dir, "p-{epoch:03}-{epoch:3}-{loss:06.2f}.bin"))));
            Assert.Equal(
                new[]
                {
                    "m-01-1.00.bin", "e-  1-1.000e+00-1.bin", "n-001-1.0.bin", "p-001-  1-001.00.bin",
                    "m-02-0.50.bin", "e-  2-5.000e-01-0.5.bin", "n-002-0.5.bin", "p-002-  2-000.50.bin",
                    "m-03-0.04.bin", "e-  3-3.906e-02-0.0390625.bin", "n-003-0.0.bin", "p-003-  3-000.04.bin",
                },
                net.Saved.Select(s => Path.GetFileName(s.Path)));

            // A name that is no metric, or 'd' for a metric, fails when the callback is made; a metric the run does not
            // report fails before the first epoch.
            var unknown = Assert.Throws<ArgumentException>(() => new ModelCheckpoint("m-{val_los:.2f}.bin"));
            Assert.Contains("placeholder '{val_los:.2f}' names no metric", unknown.Message);
            Assert.Contains("d", Assert.Throws<ArgumentException>(() => new ModelCheckpoint("m-{loss:02d}.bin")).Message);
            var missing = new ScriptedNetwork(1f);
            var e = Assert.Throws<InvalidOperationException>(() =>
                Trainer.Fit(missing, Four, new Sgd(0.25f), Options(2, new ModelCheckpoint(Path.Combine(dir, "v-{val_loss:.2f}.bin")))));
            Assert.Contains("ModelCheckpoint's path monitors 'val_loss'", e.Message);
            Assert.Empty(missing.Saved);
            Assert.Equal(0f, missing.Parameters[0]);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void ModelCheckpoint_writes_a_generated_network_that_loads_with_the_best_epochs_weights()
    {
        string dir = Directory.CreateTempSubdirectory("gennn-ckpt").FullName;
        try
        {
            Dataset iris = Csv.Load(Path.Combine(AppContext.BaseDirectory, "Data", "iris.csv"));
            Dataset train = Standardizer.Fit(iris).Transform(iris);
            var model = new IrisTrainingNet(seed: 3);
            string path = Path.Combine(dir, "iris.safetensors");
            var checkpoint = new ModelCheckpoint(path) { SaveBestOnly = true };
            var stopper = new EarlyStopping { Patience = 2, RestoreBestWeights = true };
            History history = Trainer.Fit(model, train, new Adam(0.05f), new FitOptions
            {
                Epochs = 30, BatchSize = 16, Seed = 1, Verbose = 0, ValidationSplit = 0.2, StratifyValidationSplit = true,
                Callbacks = [checkpoint, stopper],
            });

            // The checkpoint holds the best val_loss epoch, which is also what EarlyStopping restored.
            int best = history.ValidationLoss.Select((v, i) => (v, i)).MinBy(p => p.v).i + 1;
            Assert.Equal(best, checkpoint.LastSavedEpoch);
            Assert.Equal(best, stopper.BestEpoch);
            Assert.Equal(model.Parameters.ToArray(), IrisTrainingNet.Load(path).Parameters.ToArray());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Step_and_exponential_schedules_give_the_documented_rates_and_the_history_records_them()
    {
        History step = Trainer.Fit(new ScriptedNetwork(1f), Four, new Sgd(1f), Options(5, LearningRateScheduler.StepDecay(0.1f, 0.5f, 2)));
        Assert.Equal(new double[] { 0.1f, 0.1f, 0.05f, 0.05f, 0.025f }, step.LearningRate);

        History exponential = Trainer.Fit(new ScriptedNetwork(1f), Four, new Sgd(1f), Options(4, LearningRateScheduler.Exponential(0.2f, 0.9f)));
        Assert.Equal(Enumerable.Range(0, 4).Select(e => (double)(float)(0.2f * Math.Pow(0.9f, e))), exponential.LearningRate);
        Assert.Equal(new[] { 0.2, 0.18, 0.162, 0.1458 }, exponential.LearningRate.Select(r => Math.Round(r, 6)));

        // A Keras-style function of (0-based epoch, current rate).
        History custom = Trainer.Fit(new ScriptedNetwork(1f), Four, new Sgd(0.4f), Options(3, new LearningRateScheduler((epoch, lr) => epoch == 0 ? lr : lr / 2)));
        Assert.Equal(new double[] { 0.4f, 0.2f, 0.1f }, custom.LearningRate);
    }

    [Fact]
    public void Cosine_with_warmup_per_epoch_and_per_batch_gives_the_documented_rates()
    {
        double peak = 0.1f;
        History perEpoch = Trainer.Fit(new ScriptedNetwork(1f), Four, new Sgd(1f), Options(5, LearningRateScheduler.CosineDecay(0.1f, epochs: 5, warmupEpochs: 1)));
        // T = 5, W = 1: warm-up 0.1 * 1/2, then 0.1 (1 + cos(pi (s - 1) / 4)) / 2: the peak once, at step W.
        double[] expected = { peak / 2, peak, peak * (1 + Math.Cos(Math.PI / 4)) / 2, peak / 2, peak * (1 + Math.Cos(Math.PI * 0.75)) / 2 };
        Assert.Equal(expected.Select(v => (double)(float)v), perEpoch.LearningRate);

        // Per batch: 4 batches per epoch, 3 epochs, 1 warm-up epoch: T = 12, W = 4, minimum 0.01.
        var recorder = new RecordingCallback();
        var options = new FitOptions
        {
            Epochs = 3, BatchSize = 1, Shuffle = false, Verbose = 0,
            Callbacks = [LearningRateScheduler.CosineDecay(0.1f, epochs: 3, warmupEpochs: 1, minimum: 0.01f, perBatch: true), recorder],
        };
        History perBatch = Trainer.Fit(new ScriptedNetwork(1f), Four, new Sgd(1f), options);
        double min = 0.01f;
        var rates = Enumerable.Range(0, 12).Select(s => s < 4
            ? peak * (s + 1) / 5
            : min + (peak - min) * (1 + Math.Cos(Math.PI * ((s - 4) / 8.0))) / 2).Select(v => (float)v).ToArray();
        Assert.Equal(rates, recorder.BatchRates);
        // Keras' CosineDecay(initial_learning_rate=0.02, decay_steps=8, alpha=0.1, warmup_target=0.1, warmup_steps=4).
        Assert.Equal(new[] { 0.02, 0.04, 0.06, 0.08, 0.1, 0.096575 }, rates.Take(6).Select(r => Math.Round(r, 6)));
        Assert.Equal(new double[] { rates[3], rates[7], rates[11] }, perBatch.LearningRate); // each epoch's last batch
    }

    [Fact]
    public void ReduceLROnPlateau_follows_keras_patience_cooldown_and_minimum()
    {
        var reduce = new ReduceLROnPlateau { Monitor = "loss", Factor = 0.5f, Patience = 2, Cooldown = 1, MinLearningRate = 0.03f };
        History history = Trainer.Fit(new ScriptedNetwork(1f), Four, new Sgd(0.1f), Options(7, reduce));
        // Epoch 1 sets the best; waits of 2 reduce after epochs 3 and 5 (the cooldown epoch after a reduction restarts
        // the wait); the second reduction stops at the minimum, and after epoch 7 the rate is already there.
        Assert.Equal(new double[] { 0.1f, 0.1f, 0.1f, 0.05f, 0.05f, 0.03f, 0.03f }, history.LearningRate);

        // An improving metric never reduces.
        History improving = Trainer.Fit(new ScriptedNetwork(5f, 4f, 3f, 2f, 1f), Four, new Sgd(0.1f), Options(5, new ReduceLROnPlateau { Monitor = "loss", Patience = 1 }));
        Assert.All(improving.LearningRate, r => Assert.Equal(0.1f, r));
    }

    [Fact]
    public void CsvLogger_writes_keras_columns_in_the_invariant_culture()
    {
        CultureInfo culture = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE"); // a decimal comma must not leak into the file
        try
        {
            var writer = new StringWriter();
            History history = Trainer.Fit(new ScriptedNetwork(1.5f, 0.25f), Four, new Sgd(0.5f),
                Options(2, new CsvLogger(writer)) with { ValidationData = Four });
            string[] lines = writer.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal("epoch,loss,accuracy,val_loss,val_accuracy,lr,seconds", lines[0]);
            // Regression: no accuracy columns' values. val_loss is the MSE of the constant prediction 0.5 (then 1.0) against targets 0.
            Assert.StartsWith("1,1.5,,0.25,,0.5,", lines[1]);
            Assert.StartsWith("2,0.25,,1,,0.5,", lines[2]);
            Assert.Equal(3, lines.Length);

            // The same format as History.Save, which History.Load reads back exactly.
            var saved = new StringWriter();
            history.Save(saved);
            Assert.Equal(saved.ToString(), writer.ToString());
            History loaded = History.Load(new StringReader(saved.ToString()));
            Assert.Equal(history.Epochs, loaded.Epochs);
        }
        finally
        {
            CultureInfo.CurrentCulture = culture;
        }
    }

    [Fact]
    public void CsvLogger_file_is_replaced_or_appended_and_loads_as_a_history()
    {
        string path = Path.GetTempFileName();
        try
        {
            Trainer.Fit(new ScriptedNetwork(3f), Four, new Sgd(0.1f), Options(2, new CsvLogger(path)));
            History first = History.Load(path);
            Assert.Equal(new double[] { 3, 3 }, first.Loss);
            Trainer.Fit(new ScriptedNetwork(2f), Four, new Sgd(0.1f), Options(1, new CsvLogger(path, append: true)));
            Assert.Equal(new double[] { 3, 3, 2 }, History.Load(path).Loss);
            Assert.Single(File.ReadAllLines(path), l => l.StartsWith("epoch,", StringComparison.Ordinal));
            Trainer.Fit(new ScriptedNetwork(1f), Four, new Sgd(0.1f), Options(1, new CsvLogger(path)));
            Assert.Equal(new double[] { 1 }, History.Load(path).Loss);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_callback_can_stop_mid_epoch_and_the_partial_epoch_is_recorded()
    {
        // 4 batches per epoch with losses 1..8; the stop after epoch 2, batch 2 closes epoch 2 with its two batches.
        var recorder = new RecordingCallback { StopAt = (2, 2) };
        var options = new FitOptions { Epochs = 5, BatchSize = 1, Shuffle = false, Verbose = 0, Callbacks = [recorder] };
        History history = Trainer.Fit(new ScriptedNetwork(1, 2, 3, 4, 5, 6, 7, 8), Four, new Sgd(0.1f), options);

        Assert.Equal(StopReason.CallbackRequest, history.StopReason);
        Assert.Equal("enough", history.StopMessage);
        Assert.Equal(2, history.StoppedEpoch);
        Assert.Equal(new[] { 2.5, 5.5 }, history.Loss);
        Assert.Equal(
            new[]
            {
                "train-begin", "epoch-begin 1",
                "batch-begin 1.1 step 0", "batch-end 1.1 loss 1", "batch-begin 1.2 step 1", "batch-end 1.2 loss 2",
                "batch-begin 1.3 step 2", "batch-end 1.3 loss 3", "batch-begin 1.4 step 3", "batch-end 1.4 loss 4",
                "epoch-end 1", "epoch-begin 2",
                "batch-begin 2.1 step 4", "batch-end 2.1 loss 5", "batch-begin 2.2 step 5", "batch-end 2.2 loss 6",
                "epoch-end 2", "train-end CallbackRequest",
            },
            recorder.Events);
    }
}
