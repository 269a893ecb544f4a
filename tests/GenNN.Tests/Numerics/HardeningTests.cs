using System.Diagnostics;
using System.Globalization;
using System.Threading;

namespace GenNN.Tests.Numerics;

// Input and output of the same size, so one buffer can be passed as both.
[Network(Loss = Loss.MeanSquaredError)]
[Input(5)]
[Dense(8, Activation.Tanh)]
[Dense(5, Activation.Linear)]
public partial class Mse_I5_Tanh8_Lin5 { }

// One input and a wide hidden layer: a batch whose inputs are small has a training scratch that overflows int.
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(1)]
[Dense(2048, Activation.ReLU)]
[Dense(3, Activation.Softmax)]
public partial class Sce_I1_Relu2048_Soft3 { }

/// <summary>Overlapping spans, batch sizes beyond the scratch's reach, and TrainBatch from two threads.</summary>
public class HardeningTests
{
    [Fact]
    public void Predict_and_PredictBatch_reject_an_output_that_overlaps_the_input()
    {
        var network = new Mse_I5_Tanh8_Lin5(1);
        var buffer = Enumerable.Range(0, 70 * 5 + 3).Select(i => (float)Math.Sin(i)).ToArray();

        // Predict(buf, buf) and PredictBatch(buf, buf, 70) used to return silently wrong outputs.
        var e = Assert.Throws<ArgumentException>(() => network.Predict(buffer.AsSpan(0, 5), buffer.AsSpan(0, 5)));
        Assert.Equal("output", e.ParamName);
        Assert.StartsWith("input and output overlap", e.Message);
        Assert.Throws<ArgumentException>(() => network.Predict(buffer.AsSpan(0, 5), buffer.AsSpan(4, 5)));
        e = Assert.Throws<ArgumentException>(() => network.PredictBatch(buffer.AsSpan(0, 350), buffer.AsSpan(0, 350), 70));
        Assert.StartsWith("inputs and outputs overlap", e.Message);
        Assert.Throws<ArgumentException>(() => network.PredictBatch(buffer.AsSpan(0, 350), buffer.AsSpan(3, 350), 70));

        // Adjacent, not overlapping: allowed, and equal to separate buffers.
        var expected = new float[350];
        network.PredictBatch(buffer.AsSpan(0, 175), expected.AsSpan(0, 175), 35);
        network.PredictBatch(buffer.AsSpan(0, 175), buffer.AsSpan(175, 175), 35);
        Assert.Equal(expected[..175], buffer[175..350]);
    }

    [Fact]
    public void TrainBatch_rejects_outputs_that_overlap_the_inputs_or_the_targets()
    {
        var network = new Mse_I5_Tanh8_Lin5(1);
        var buffer = new float[4 * 5 * 3];
        Assert.Throws<ArgumentException>(() => network.TrainBatch(buffer.AsSpan(0, 20), buffer.AsSpan(20, 20), 4, buffer.AsSpan(10, 20)));
        var e = Assert.Throws<ArgumentException>(() => network.TrainBatch(buffer.AsSpan(0, 20), buffer.AsSpan(20, 20), 4, buffer.AsSpan(20, 20)));
        Assert.StartsWith("targets and outputs overlap", e.Message);
        network.TrainBatch(buffer.AsSpan(0, 20), buffer.AsSpan(20, 20), 4, buffer.AsSpan(40, 20));
    }

    [Fact]
    public void A_batch_size_whose_training_scratch_overflows_names_the_limit()
    {
        var network = new Sce_I1_Relu2048_Soft3(1);
        int limit = Sce_I1_Relu2048_Soft3.MaxTrainingBatchSize;
        Assert.InRange(limit, 100_000, 1_000_000);

        // limit + 1 wraps the scratch length negative (OverflowException); 1,046,300 wraps it to a small positive
        // length (a bare ArgumentOutOfRangeException from a slice). Both now name the limit before touching anything.
        foreach (int batchSize in new[] { limit + 1, 1_046_300 })
        {
            var inputs = new float[batchSize];
            var targets = new float[batchSize];
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => network.TrainBatch(inputs, targets, batchSize));
            Assert.Equal("batchSize", e.ParamName);
            Assert.Contains(limit.ToString(CultureInfo.InvariantCulture), e.Message);
            Assert.Contains("MaxTrainingBatchSize", e.Message);
        }

        var p = Assert.Throws<ArgumentOutOfRangeException>(() => network.PredictBatch([], [], int.MaxValue));
        Assert.Contains((int.MaxValue / 3).ToString(CultureInfo.InvariantCulture), p.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => network.TrainBatch([], [], 0));
    }

    [Fact]
    public void TrainBatch_from_two_threads_on_one_instance_is_refused_not_corrupted()
    {
        var network = new Sce_I1_Relu2048_Soft3(7);
        const int batch = 64;
        var random = new Random(8);

        // Each thread trains on its own batch, so a race between them shows as a wrong loss or wrong gradients.
        float[][] inputs = new float[2][], targets = new float[2][], expectedGradients = new float[2][];
        var expectedLoss = new float[2];
        for (int t = 0; t < 2; t++)
        {
            inputs[t] = Enumerable.Range(0, batch).Select(_ => (float)random.NextDouble() * (t + 1)).ToArray();
            targets[t] = Enumerable.Range(0, batch).Select(_ => (float)random.Next(3)).ToArray();
            expectedLoss[t] = network.TrainBatch(inputs[t], targets[t], batch);
            expectedGradients[t] = network.Gradients.ToArray();
        }

        Assert.NotEqual(expectedLoss[0], expectedLoss[1]);
        int refused = 0, wrong = 0, rounds = 0;
        using var barrier = new Barrier(2);
        var clock = Stopwatch.StartNew();
        void Worker(int t)
        {
            // Rounds continue until a call was refused (or 30 s passed): both threads enter TrainBatch together.
            for (int round = 0; round < 20_000; round++)
            {
                barrier.SignalAndWait();
                if (Volatile.Read(ref refused) > 0 && round >= 20 || clock.Elapsed > TimeSpan.FromSeconds(30))
                {
                    barrier.RemoveParticipant();
                    return;
                }

                try
                {
                    if (network.TrainBatch(inputs[t], targets[t], batch) != expectedLoss[t])
                    {
                        Interlocked.Increment(ref wrong);
                    }
                }
                catch (InvalidOperationException e) when (e.Message.StartsWith("TrainBatch is not thread-safe", StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref refused);
                }

                Interlocked.Increment(ref rounds);
            }

            barrier.RemoveParticipant();
        }

        var threads = new[] { new Thread(() => Worker(0)), new Thread(() => Worker(1)) };
        foreach (Thread t in threads) t.Start();
        foreach (Thread t in threads) t.Join();

        Assert.True(refused > 0, $"No call was refused in {rounds} calls ({wrong} returned a wrong loss).");
        Assert.Equal(0, wrong);
        // The guard is released: a later call runs and gives the single-threaded result.
        Assert.Equal(expectedLoss[1], network.TrainBatch(inputs[1], targets[1], batch));
        Assert.Equal(expectedGradients[1], network.Gradients.ToArray());
    }
}
