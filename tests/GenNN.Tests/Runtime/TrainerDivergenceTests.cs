using GenNN;
using GenNN.Tests.Numerics;

namespace GenNN.Tests.Runtime;

/// <summary>
/// Fit stops with a TrainingDivergedException when the training or validation loss becomes non-finite, or a step makes
/// the parameters non-finite (the last step included), and it never leaves NaN or infinite parameters behind.
/// </summary>
public class TrainerDivergenceTests
{
    /// <summary>Two separable blobs: label 1 when x0 + x1 &gt; 0.</summary>
    private static Dataset Binary(int count)
    {
        var random = new Random(1);
        var features = new float[count * 2];
        var targets = new float[count];
        for (int r = 0; r < count; r++)
        {
            int label = r % 2;
            float shift = label == 1 ? 1.5f : -1.5f;
            features[2 * r] = shift + (float)(random.NextDouble() - 0.5);
            features[2 * r + 1] = shift + (float)(random.NextDouble() - 0.5);
            targets[r] = label;
        }

        return new Dataset(features, 2, targets);
    }

    private static void AssertFinite(ReadOnlySpan<float> parameters)
    {
        for (int i = 0; i < parameters.Length; i++)
        {
            Assert.True(float.IsFinite(parameters[i]), $"Parameter {i} is {parameters[i]}.");
        }
    }

    [Fact]
    public void A_first_batch_whose_weights_are_all_zero_is_not_the_divergence_reference()
    {
        // Masked rows first (sample weight 0), unshuffled: that batch's loss is 0, so the bound became 1000 x 0.001 = 1,
        // and an ordinary first epoch (loss about 100, falling) was "diverged".
        var features = new float[40];
        var targets = new float[20];
        for (int r = 0; r < 20; r++)
        {
            features[2 * r] = r % 3;
            features[2 * r + 1] = 1;
            targets[r] = 10;
        }

        float[] weights = Enumerable.Range(0, 20).Select(r => r < 5 ? 0f : 1f).ToArray();
        var options = new FitOptions { Epochs = 3, BatchSize = 5, Shuffle = false, SampleWeights = weights, Verbose = 0 };
        History history = Trainer.Fit(new DivergenceRegression(seed: 1), new Dataset(features, 2, targets), new Sgd(1e-3f), options);
        Assert.Equal(3, history.Epochs.Count);
        Assert.True(history.Epochs[0].Loss > 1, $"The epoch's loss, {history.Epochs[0].Loss}, should exceed the old bound of 1.");
    }

    [Fact]
    public void A_NaN_loss_in_a_later_epoch_is_not_applied_and_the_exception_carries_the_history()
    {
        // 4 batches per epoch: the 7th call is epoch 2, batch 3.
        var model = new LinearModel(2, 1, Loss.BinaryCrossEntropy) { ForcedLoss = float.NaN, ForcedFromCall = 7 };
        var optimizer = new Sgd(0.1f);

        var e = Assert.Throws<TrainingDivergedException>(() => Trainer.Fit(model, Binary(20), optimizer, epochs: 3, batchSize: 5, seed: 4));

        Assert.IsAssignableFrom<InvalidOperationException>(e);
        Assert.Equal(2, e.Epoch);
        Assert.Equal(3, e.Batch);
        Assert.True(double.IsNaN(e.Loss));
        Assert.Equal(1, Assert.Single(e.History.Epochs).Epoch);
        Assert.Contains("NaN in epoch 2, batch 3", e.Message);
        Assert.Contains("not applied", e.Message);
        Assert.Equal(6, optimizer.Iterations); // the 7th step was not taken
        AssertFinite(model.Parameters);
    }

    [Fact]
    public void A_step_that_makes_the_parameters_NaN_on_the_very_last_batch_is_undone()
    {
        // One epoch of 4 batches; the 4th (last) TrainBatch reports a finite loss but NaN gradients.
        var model = new LinearModel(2, 1, Loss.BinaryCrossEntropy) { ForcedGradient = float.NaN, ForcedFromCall = 4 };

        var e = Assert.Throws<TrainingDivergedException>(() => Trainer.Fit(model, Binary(20), new Sgd(0.1f), epochs: 1, batchSize: 5));

        Assert.Equal(1, e.Epoch);
        Assert.Equal(4, e.Batch);
        Assert.True(double.IsFinite(e.Loss));
        Assert.Empty(e.History.Epochs);
        Assert.Contains("made parameters NaN or infinite", e.Message);
        Assert.Contains("restored", e.Message);
        AssertFinite(model.Parameters);
    }

    [Fact]
    public void The_restored_parameters_are_exactly_those_before_the_failing_step()
    {
        var data = Binary(20);
        // Three good steps (one epoch of 4 batches minus the last), on a model that is otherwise identical.
        var clean = new LinearModel(2, 1, Loss.BinaryCrossEntropy);
        var cleanOptimizer = new Sgd(0.1f);
        int calls = 0;
        foreach (Batch b in data.Batches(5))
        {
            if (++calls == 4) break;
            clean.TrainBatch(b.Features, b.Targets, b.Count);
            cleanOptimizer.Step(clean.Parameters, clean.Gradients);
        }

        var model = new LinearModel(2, 1, Loss.BinaryCrossEntropy) { ForcedGradient = float.PositiveInfinity, ForcedFromCall = 4 };
        Assert.Throws<TrainingDivergedException>(() => Trainer.Fit(model, data, new Sgd(0.1f), epochs: 1, batchSize: 5, shuffle: false));

        Assert.Equal(clean.Parameters.ToArray(), model.Parameters.ToArray());
    }

    /// <summary>
    /// A generated network steps in ranges (the fused step), and from its second batch on Fit keeps no copy of its own: the
    /// optimizer copies each range just before stepping it. In the third batch a callback sets SGD's learning rate to
    /// float.MaxValue, so the step overflows (finite loss), or the batch's features are so large that the loss itself
    /// overflows (no step at all). Either way the parameters after the exception are those after two clean batches, bit
    /// for bit, on one thread and on three.
    /// </summary>
    [Theory]
    [InlineData(false, 1)]
    [InlineData(false, 3)]
    [InlineData(true, 1)]
    [InlineData(true, 3)]
    public void A_generated_network_is_restored_exactly_when_a_later_batch_diverges(bool lossOverflows, int threads)
    {
        var random = new Random(3);
        float[] features = Enumerable.Range(0, 96 * 3).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        float[] targets = Enumerable.Range(0, 96 * 3).Select(_ => (float)random.NextDouble()).ToArray();
        for (int i = 64 * 3; i < 96 * 3; i++)
        {
            features[i] *= lossOverflows ? 1e30f : 1e3f; // the third batch of 32
        }

        var data = new Dataset(features, 3, targets, 3);
        var clean = new Mse_I3_Lin7_Lin3(5);
        var cleanOptimizer = new Sgd(0.1f);
        int taken = 0;
        foreach (Batch b in data.Batches(32))
        {
            if (taken++ == 2) break;
            clean.TrainOnBatch(b.Features, b.Targets, b.Count, cleanOptimizer);
        }

        var network = new Mse_I3_Lin7_Lin3(5);
        var options = new FitOptions
        {
            BatchSize = 32,
            Shuffle = false,
            Verbose = 0,
            DivergenceFactor = null,
            MaxDegreeOfParallelism = threads,
            Callbacks = lossOverflows ? Array.Empty<Callback>() : new Callback[] { new LearningRateAt(3, float.MaxValue) },
        };
        var e = Assert.Throws<TrainingDivergedException>(() => Trainer.Fit(network, data, new Sgd(0.1f), options));

        Assert.Equal(3, e.Batch);
        Assert.Contains(lossOverflows ? "That batch's optimizer step was not applied" : "made parameters NaN or infinite", e.Message);
        Assert.Equal(clean.Parameters.ToArray(), network.Parameters.ToArray());
    }

    /// <summary>Sets the optimizer's learning rate before one batch of the first epoch.</summary>
    private sealed class LearningRateAt(int batch, float rate) : Callback
    {
        public override void OnBatchBegin(TrainingContext context)
        {
            if (context.Batch == batch) context.Optimizer.LearningRate = rate;
        }
    }

    /// <summary>
    /// A network of one's own whose third batch steps its optimizer twice: Fit's copies, made inside each step once the
    /// first batches had all gone through one, no longer hold the parameters from before the batch, and Fit says it
    /// could not restore them rather than restoring the wrong ones.
    /// </summary>
    [Fact]
    public void A_failed_batch_that_stepped_twice_is_reported_as_not_restorable()
    {
        var model = new LinearModel(2, 1, Loss.BinaryCrossEntropy) { ForcedGradient = float.NaN, ForcedFromCall = 3, StepsTwiceFromCall = 3 };

        var e = Assert.Throws<TrainingDivergedException>(() => Trainer.Fit(model, Binary(20), new Sgd(0.1f), epochs: 1, batchSize: 5));

        Assert.Equal(3, e.Batch);
        Assert.Contains("Fit could not restore them", e.Message);
    }

    [Fact]
    public void A_non_finite_validation_loss_stops_training_after_that_epoch()
    {
        var model = new LinearModel(2, 1, Loss.BinaryCrossEntropy);
        var data = Binary(20);
        int epochsSeen = 0;
        var e = Assert.Throws<TrainingDivergedException>(() => Trainer.Fit(model, data, new Sgd(0.1f), epochs: 5, batchSize: 5,
            validation: data, onEpoch: r =>
            {
                epochsSeen++;
                if (r.Epoch == 2) model.NaNPredictions = true; // the validation after epoch 3 sees NaN outputs
            }));

        Assert.Equal(3, e.Epoch);
        Assert.Null(e.Batch);
        Assert.True(double.IsNaN(e.Loss));
        Assert.Equal(3, e.History.Epochs.Count);
        Assert.True(double.IsNaN(e.History.ValidationLoss[2]));
        Assert.Equal(3, epochsSeen);
        Assert.Contains("validation loss became NaN after epoch 3", e.Message);
        AssertFinite(model.Parameters);
    }

    /// <summary>The report: a generated network and a learning rate far too high; Fit must not return NaN weights.</summary>
    [Fact]
    public void A_generated_network_with_a_huge_learning_rate_stops_with_finite_parameters()
    {
        var network = new Mse_I3_Lin7_Lin3(1);
        var random = new Random(2);
        float[] features = Enumerable.Range(0, 64 * 3).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        float[] targets = Enumerable.Range(0, 64 * 3).Select(_ => (float)(random.NextDouble() * 100)).ToArray();
        var data = new Dataset(features, 3, targets, 3);

        foreach (Optimizer optimizer in new Optimizer[] { new Sgd(1e30f), new Sgd(float.MaxValue), new Adam(1e30f) })
        {
            var e = Assert.Throws<TrainingDivergedException>(() => Trainer.Fit(network, data, optimizer, epochs: 50, batchSize: 16, seed: 1));
            AssertFinite(network.Parameters);
            Assert.Contains(e.Epoch.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message);
        }
    }
}

/// <summary>A linear regression, generated, for sample weights (LinearModel takes none).</summary>
[Network(Loss = Loss.MeanSquaredError)]
[Input(2)]
[Dense(1)]
public partial class DivergenceRegression { }
