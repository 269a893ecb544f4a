using System.Threading;
using GenNN.Kernels;
using GenNN.Tests.Numerics;

namespace GenNN.Tests.Parallel;

/// <summary>Tests that read the process-wide allocation count or change the global degree: run alone.</summary>
[CollectionDefinition(nameof(ParallelSerialTests), DisableParallelization = true)]
public class ParallelSerialCollection
{
}

/// <summary>
/// Fit on several threads against one thread, FitOptions.MaxDegreeOfParallelism over the network's setting, the global
/// default, and no allocation on the multi-thread path, on the calling thread and on the pool's worker.
/// </summary>
[Collection(nameof(ParallelSerialTests))]
public class ParallelSerialTests
{
    private const long WideSceTraining = 2 * (100 * 128 + 128 * 64 + 64 * 10) + 128 * 64 + 64 * 10;

    /// <summary>A learnable task: 100 features, the class of the largest of ten fixed projections.</summary>
    private static Dataset Data(int rows, int seed)
    {
        var random = new Random(seed);
        var features = new float[rows * 100];
        var labels = new float[rows];
        for (int r = 0; r < rows; r++)
        {
            for (int i = 0; i < 100; i++) features[r * 100 + i] = (float)(random.NextDouble() * 2 - 1);
            int best = 0;
            double bestScore = double.NegativeInfinity;
            for (int k = 0; k < 10; k++)
            {
                double score = 0;
                for (int i = k; i < 100; i += 10) score += features[r * 100 + i];
                if (score > bestScore) (best, bestScore) = (k, score);
            }

            labels[r] = best;
        }

        return new Dataset(features, 100, labels);
    }

    private static (float[] Parameters, History History) Fit(int? networkDegree, int? fitDegree, Dataset train, Dataset validation)
    {
        var network = new WideSce(5) { MaxDegreeOfParallelism = networkDegree };
        History history = Trainer.Fit(network, train, new Adam(1e-3f), new FitOptions
        {
            Epochs = 3,
            BatchSize = 128,
            Seed = 6,
            Verbose = 0,
            ValidationData = validation,
            MaxDegreeOfParallelism = fitDegree,
        });
        return (network.Parameters.ToArray(), history);
    }

    [Fact]
    public void Fit_on_three_parts_gives_the_one_thread_parameters_bit_for_bit()
    {
        Dataset train = Data(1024, 1), validation = Data(300, 2);
        Assert.Equal(3, WorkerPool.TrainingParts(128, WideSceTraining, 3)); // the batches really are split

        var one = Fit(null, 1, train, validation);
        var three = Fit(null, 3, train, validation);
        var threeAgain = Fit(1, 3, train, validation); // FitOptions wins over the network's setting
        var pinned = Fit(3, 1, train, validation);

        Assert.True(three.Parameters.AsSpan().SequenceEqual(threeAgain.Parameters), "Two Fit runs on 3 parts differ.");
        Assert.Equal(three.History.Loss, threeAgain.History.Loss);
        Assert.True(one.Parameters.AsSpan().SequenceEqual(pinned.Parameters), "FitOptions.MaxDegreeOfParallelism = 1 did not change the one-thread result.");

        // Each gradient is the same sum whichever part computes it, and the fused Adam steps the same 16-aligned ranges.
        double worst = 0;
        for (int i = 0; i < one.Parameters.Length; i++) worst = Math.Max(worst, Math.Abs(three.Parameters[i] - one.Parameters[i]));
        Assert.True(one.Parameters.AsSpan().SequenceEqual(three.Parameters), $"After 3 epochs of Adam, 3 parts and one thread differ by up to {worst:E2}.");

        Assert.True(one.History.Loss[^1] < one.History.Loss[0] * 0.9, one.History.ToString());
        for (int e = 0; e < 3; e++)
        {
            // The epoch loss adds the parts' shares of each batch's loss: the last bit may differ.
            NumericAssert.Close(three.History.Loss[e], one.History.Loss[e], $"epoch {e + 1} loss", tolerance: 1e-6);
            Assert.Equal(one.History.ValidationLoss[e], three.History.ValidationLoss[e]);
        }
    }

    [Fact]
    public void The_default_is_every_core_and_the_network_setting_overrides_it()
    {
        int saved = Parallelism.MaxDegreeOfParallelism;
        try
        {
            Assert.Equal(Environment.ProcessorCount, saved);
            Parallelism.MaxDegreeOfParallelism = 3;
            Assert.Equal(3, WorkerPool.TrainingParts(203, WideSceTraining, null));
            Assert.Equal(1, WorkerPool.TrainingParts(203, WideSceTraining, 1));
            Assert.Equal(1, WorkerPool.TrainingParts(32, 4 * 16 + 16 * 3 + 2 * 16 * 3 + 4 * 16, null)); // iris at batch 32 stays on one thread
            Assert.Equal(1, WorkerPool.PredictParts(64, 100 * 128, 64, null)); // one chunk is never split
            Assert.Equal(1, WorkerPool.TrainingParts(31, 1 << 24, null)); // fewer than 16 rows per part: not worth a reduction
            Assert.Equal(2, WorkerPool.TrainingParts(32, 1 << 24, null));
            Assert.Throws<ArgumentOutOfRangeException>(() => Parallelism.MaxDegreeOfParallelism = 0);
            Assert.Throws<ArgumentOutOfRangeException>(() => new WideSce(1).MaxDegreeOfParallelism = 0);
            Assert.Throws<ArgumentOutOfRangeException>(() => Trainer.Fit(new WideSce(1), Data(10, 3), new Adam(), new FitOptions { Verbose = 0, MaxDegreeOfParallelism = 0 }));
        }
        finally
        {
            Parallelism.MaxDegreeOfParallelism = saved;
        }
    }

    [Fact]
    public void PredictBatch_and_TrainBatch_on_parts_allocate_nothing_on_the_caller_or_the_worker_after_warm_up()
    {
        var network = new WideDropMse(41) { MaxDegreeOfParallelism = 2 };
        const int rows = 203;
        var random = new Random(42);
        float[] inputs = Enumerable.Range(0, 1000 * 100).Select(_ => (float)random.NextDouble()).ToArray();
        float[] targets = Enumerable.Range(0, rows * 5).Select(_ => (float)random.NextDouble()).ToArray();
        float[] weights = Enumerable.Range(0, rows).Select(_ => 0.5f + (float)random.NextDouble()).ToArray();
        var outputs = new float[1000 * 5];
        var optimizer = new Adam(1e-4f);
        Assert.Equal(2, WorkerPool.TrainingParts(rows, 50000, 2));

        const int Rounds = 500;
        void Run(int iterations)
        {
            for (int i = 0; i < iterations; i++)
            {
                network.PredictBatch(inputs, outputs, 1000);
                network.TrainBatch(inputs.AsSpan(0, rows * 100), targets, rows);
                network.TrainBatch(inputs.AsSpan(0, rows * 100), targets, rows, outputs.AsSpan(0, rows * 5));
                network.TrainBatch(inputs.AsSpan(0, rows * 100), targets, weights, rows, outputs.AsSpan(0, rows * 5));
                optimizer.Step(network.Parameters, network.Gradients);
            }
        }

        Run(50); // warm-up: the pool's threads, the workspace, tiered JIT
        long allocated = -1, allocatedByWorker = -1;
        // Up to three windows: a one-off runtime allocation (a tier-up, a type load) can land in one window, but an
        // allocation per call shows in every window.
        for (int window = 0; window < 3 && (allocated != 0 || (Environment.ProcessorCount == 2 && allocatedByWorker != 0)); window++)
        {
            long worker = WorkerAllocatedBytes(); // (the probe allocates on this thread: outside the count)
            long before = GC.GetAllocatedBytesForCurrentThread();
            Run(Rounds);
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            allocatedByWorker = WorkerAllocatedBytes() - worker;
        }

        Assert.True(allocated == 0, $"{Rounds} rounds on 2 parts allocated {allocated} bytes on the calling thread, in each of three windows.");
        // GC.GetTotalAllocatedBytes would also count the test host's own threads (tens of KB meanwhile, at random);
        // bench/GenNN.ParallelBench's "alloc" mode checks the whole process outside the host: 0 bytes.
        if (Environment.ProcessorCount == 2)
        {
            Assert.True(allocatedByWorker == 0, $"{Rounds} rounds on 2 parts allocated {allocatedByWorker} bytes on the pool's worker thread, in each of three windows.");
        }
    }

    private sealed class WorkerProbe
    {
        public readonly CountdownEvent Started = new(2);
        public int Caller = Environment.CurrentManagedThreadId;
        public long Bytes = -1;
    }

    private static readonly BatchPart ProbeBody = (object? state, in BatchArguments arguments, int part, int parts) =>
    {
        var probe = (WorkerProbe)state!;
        if (Environment.CurrentManagedThreadId != probe.Caller) probe.Bytes = GC.GetAllocatedBytesForCurrentThread();
        probe.Started.Signal();
        if (!probe.Started.Wait(TimeSpan.FromSeconds(20))) throw new TimeoutException("part " + part + " ran alone");
    };

    /// <summary>The bytes the pool's (one, on two cores) worker thread has allocated so far, read on that thread.</summary>
    private static long WorkerAllocatedBytes()
    {
        if (Environment.ProcessorCount != 2) return 0;
        var probe = new WorkerProbe();
        WorkerPool.Run(2, ProbeBody, probe, default, default, default, default, default, 0, 0);
        Assert.True(probe.Bytes >= 0, "No part ran on the worker thread.");
        return probe.Bytes;
    }
}
