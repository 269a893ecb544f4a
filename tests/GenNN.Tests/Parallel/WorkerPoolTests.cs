using System.Threading;
using GenNN.Kernels;

namespace GenNN.Tests.Parallel;

/// <summary>
/// The worker pool itself: parts run at once on two threads, exceptions reach the caller, nested calls do not wait.
/// Alone, since another test's call holding the pool would make these run on the calling thread (by design).
/// </summary>
[Collection(nameof(ParallelSerialTests))]
public class WorkerPoolTests
{
    private sealed class Probe
    {
        public readonly int[] Threads = new int[8];
        public readonly CountdownEvent Started = new(2);
        public int Nested;
    }

    private static readonly BatchPart MeetBody = (object? state, in BatchArguments arguments, int part, int parts) =>
    {
        var probe = (Probe)state!;
        probe.Threads[part] = Environment.CurrentManagedThreadId;
        probe.Started.Signal();
        // Both parts must be running at once for this to return true: one thread alone would wait here forever.
        if (!probe.Started.Wait(TimeSpan.FromSeconds(20))) throw new TimeoutException("part " + part + " ran alone");
    };

    [Fact]
    public void Two_parts_run_at_the_same_time_on_two_threads()
    {
        if (Environment.ProcessorCount < 2) return; // one core: no workers, every part runs on the caller
        var probe = new Probe();
        WorkerPool.Run(2, MeetBody, probe, default, default, default, default, default, 0, 0);
        Assert.NotEqual(probe.Threads[0], probe.Threads[1]);
        Assert.Contains(Environment.CurrentManagedThreadId, probe.Threads.Take(2));
    }

    private static readonly BatchPart ThrowBody = (object? state, in BatchArguments arguments, int part, int parts) =>
    {
        var ran = (int[])state!;
        Interlocked.Increment(ref ran[part]);
        if (part == 1) throw new InvalidOperationException("part 1 failed");
    };

    [Fact]
    public void An_exception_in_a_part_reaches_the_caller_after_the_other_parts_and_the_pool_keeps_working()
    {
        var ran = new int[4];
        var e = Assert.Throws<InvalidOperationException>(() => WorkerPool.Run(4, ThrowBody, ran, default, default, default, default, default, 0, 0));
        Assert.Equal("part 1 failed", e.Message);
        Assert.Equal(new[] { 1, 1, 1, 1 }, ran);

        var probe = new Probe();
        if (Environment.ProcessorCount >= 2)
        {
            WorkerPool.Run(2, MeetBody, probe, default, default, default, default, default, 0, 0);
            Assert.NotEqual(probe.Threads[0], probe.Threads[1]);
        }
    }

    private static readonly BatchPart NestedInnerBody = (object? state, in BatchArguments arguments, int part, int parts) =>
        Interlocked.Increment(ref ((Probe)state!).Nested);

    private static readonly BatchPart NestedBody = (object? state, in BatchArguments arguments, int part, int parts) =>
    {
        var probe = (Probe)state!;
        if (parts == 2)
        {
            // A call made while the pool is busy runs its parts on its own thread instead of waiting for the pool.
            WorkerPool.Run(3, NestedInnerBody, probe, default, default, default, default, default, 0, 0);
        }
    };

    [Fact]
    public void A_call_from_inside_a_part_runs_on_its_own_thread_instead_of_waiting()
    {
        var probe = new Probe();
        WorkerPool.Run(2, NestedBody, probe, default, default, default, default, default, 0, 0);
        Assert.Equal(6, probe.Nested);
    }

    private static readonly BatchPart SpanBody = (object? state, in BatchArguments arguments, int part, int parts) =>
    {
        (int first, int count) = WorkerPool.PartRows(arguments.BatchSize, part, parts, 1);
        Span<float> outputs = arguments.Outputs;
        ReadOnlySpan<float> inputs = arguments.Inputs;
        for (int i = first; i < first + count; i++) outputs[i] = inputs[i] * arguments.Parameters[0] + arguments.Targets[i] + arguments.SampleWeights[i] + arguments.Stream;
    };

    [Fact]
    public void Parts_see_the_callers_spans()
    {
        const int n = 1001;
        float[] x = Enumerable.Range(0, n).Select(i => (float)i).ToArray();
        float[] t = Enumerable.Range(0, n).Select(i => 0.5f * i).ToArray();
        float[] w = Enumerable.Repeat(0.25f, n).ToArray();
        var y = new float[n];
        WorkerPool.Run(5, SpanBody, null, new float[] { 2f }, x, t, w, y, n, 3);
        Assert.Equal(Enumerable.Range(0, n).Select(i => 2f * i + 0.5f * i + 0.25f + 3f), y);
    }

    [Theory]
    [InlineData(1000, 3, 64)]
    [InlineData(203, 4, 1)]
    [InlineData(64, 2, 64)]
    [InlineData(5, 4, 1)]
    public void PartRows_cover_the_batch_in_order_on_whole_chunks(int rows, int parts, int granularity)
    {
        int next = 0;
        for (int part = 0; part < parts; part++)
        {
            (int first, int count) = WorkerPool.PartRows(rows, part, parts, granularity);
            Assert.Equal(next, first);
            Assert.Equal(0, first % granularity);
            Assert.True(count >= 0);
            next = first + count;
        }

        Assert.Equal(rows, next);
    }
}
