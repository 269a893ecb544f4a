using System;
using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace GenNN.Kernels
{
    /// <summary>One part of a batch call, run on a worker thread or the calling thread; see <see cref="WorkerPool.Run"/>.</summary>
    /// <param name="state">The object handed to <see cref="WorkerPool.Run"/> (for TrainBatch, its <see cref="TrainingWorkspace"/>).</param>
    /// <param name="arguments">The call's spans, valid only while the part runs.</param>
    /// <param name="part">Which part, 0 .. <paramref name="parts"/> - 1.</param>
    /// <param name="parts">How many parts the call has.</param>
    [EditorBrowsable(EditorBrowsableState.Advanced)]
    public delegate void BatchPart(object? state, in BatchArguments arguments, int part, int parts);

    /// <summary>
    /// The spans of one PredictBatch or TrainBatch call, pinned by <see cref="WorkerPool.Run"/> so that worker threads can
    /// read them: spans cannot cross threads, pointers can. Valid only inside the <see cref="BatchPart"/> it is handed to.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Advanced)]
    public readonly unsafe struct BatchArguments
    {
        private readonly float* _parameters, _inputs, _targets, _sampleWeights, _outputs;
        private readonly int _parametersLength, _inputsLength, _targetsLength, _sampleWeightsLength, _outputsLength;

        internal BatchArguments(
            float* parameters, int parametersLength, float* inputs, int inputsLength, float* targets, int targetsLength,
            float* sampleWeights, int sampleWeightsLength, float* outputs, int outputsLength, int batchSize, ulong stream)
        {
            _parameters = parameters;
            _parametersLength = parametersLength;
            _inputs = inputs;
            _inputsLength = inputsLength;
            _targets = targets;
            _targetsLength = targetsLength;
            _sampleWeights = sampleWeights;
            _sampleWeightsLength = sampleWeightsLength;
            _outputs = outputs;
            _outputsLength = outputsLength;
            BatchSize = batchSize;
            Stream = stream;
        }

        /// <summary>The network's parameters.</summary>
        public Span<float> Parameters => new(_parameters, _parametersLength);

        /// <summary>The whole batch's inputs.</summary>
        public ReadOnlySpan<float> Inputs => new(_inputs, _inputsLength);

        /// <summary>The whole batch's targets; empty for PredictBatch.</summary>
        public ReadOnlySpan<float> Targets => new(_targets, _targetsLength);

        /// <summary>The whole batch's sample weights; empty when unweighted.</summary>
        public ReadOnlySpan<float> SampleWeights => new(_sampleWeights, _sampleWeightsLength);

        /// <summary>The whole batch's outputs; empty when TrainBatch is not asked for them.</summary>
        public Span<float> Outputs => new(_outputs, _outputsLength);

        /// <summary>The number of samples in the whole batch.</summary>
        public int BatchSize { get; }

        /// <summary>The dropout stream of a TrainBatch call (<see cref="Dropout.Stream"/>); 0 otherwise.</summary>
        public ulong Stream { get; }
    }

    /// <summary>
    /// Intra-op parallelism for generated networks: splits a large PredictBatch or TrainBatch into parts and runs them on
    /// persistent background threads, which the calling thread joins. Dispatch allocates nothing (no Task, no closure):
    /// the call's spans are pinned and the parts run a static method through a cached delegate.
    /// </summary>
    /// <remarks>
    /// One job at a time: a call that finds the pool serving another runs its parts one after the other on its own
    /// thread rather than wait, with the same results. Which thread runs a part never changes what it computes: parts
    /// are fixed ranges of rows, so results depend only on the number of parts. Workers spin for a fraction of a
    /// millisecond after a job (the gap between two training steps) and then sleep until the next.
    /// </remarks>
    [EditorBrowsable(EditorBrowsableState.Advanced)]
    public static class WorkerPool
    {
        /// <summary>
        /// A part of PredictBatch must hold at least this many multiply-adds (about 0.1 ms on one Zen 3 core), or it costs
        /// more to hand out than it saves. bench/GenNN.ParallelBench's sweep on 784-64-64-10: 96 rows (two 64-row chunks,
        /// 5 M multiply-adds) already gain 1.44x on two cores; 64 rows are one chunk and never split.
        /// </summary>
        public const long MinPredictWorkPerPart = 1L << 21;

        /// <summary>A part of TrainBatch must hold at least this many multiply-adds; see <see cref="MinPredictWorkPerPart"/>.</summary>
        public const long MinTrainingWorkPerPart = 1L << 21;

        /// <summary>
        /// A part of TrainBatch must hold at least this many rows: each part transposes the weights for itself, and the two
        /// phases cost two hand-outs, which a few rows do not repay. bench/GenNN.ParallelBench on two Zen 3 cores, 9
        /// alternating rounds: 784-256-128-10 at batch 8 1.01x, 16 1.14x, 32 1.07x, 64 1.79x (run to run, these move by
        /// 0.2x or more on the shared machine).
        /// </summary>
        public const int MinRowsPerTrainingPart = 16;

        /// <summary>The most parts PredictBatch hands each thread, for balance on a busy machine.</summary>
        public const int PredictPartsPerThread = 4;

        /// <summary>The most parts one call is split into.</summary>
        public const int MaxParts = 256;

        private static Pool? s_pool;

        /// <summary>
        /// How many parts a PredictBatch of <paramref name="batchSize"/> rows is split into: 1 at a degree of parallelism of
        /// 1; otherwise up to <see cref="PredictPartsPerThread"/> per thread, at most one per <paramref name="granularity"/>
        /// rows and one per <see cref="MinPredictWorkPerPart"/>. More parts than threads let a thread that finishes early
        /// (its core was free) take over the parts of one that was preempted; the outputs do not depend on the parts.
        /// </summary>
        /// <param name="batchSize">The rows.</param>
        /// <param name="workPerSample">The forward pass's multiply-adds per sample.</param>
        /// <param name="granularity">Rows per chunk of the one-thread loop: parts start on whole chunks, so each sample's output is
        /// the same as on one thread.</param>
        /// <param name="maxDegreeOfParallelism">The network's own setting, or null for <see cref="Parallelism.MaxDegreeOfParallelism"/>.</param>
        /// <returns>At least 1.</returns>
        public static int PredictParts(int batchSize, long workPerSample, int granularity, int? maxDegreeOfParallelism)
        {
            int degree = Parallelism.Resolve(maxDegreeOfParallelism);
            if (degree <= 1)
            {
                return 1;
            }

            long chunks = (batchSize + (long)granularity - 1) / granularity;
            long byWork = batchSize * workPerSample / MinPredictWorkPerPart;
            return byWork < 2 ? 1 : (int)Math.Min(Math.Min((long)degree * PredictPartsPerThread, MaxParts), Math.Min(chunks, byWork));
        }

        /// <summary>
        /// How many parts a TrainBatch of <paramref name="batchSize"/> rows is split into: at most the degree of
        /// parallelism, one per <see cref="MinTrainingWorkPerPart"/> and one per <see cref="MinRowsPerTrainingPart"/> rows.
        /// Depends on nothing else, so a given degree always gives the same parts and the same result.
        /// </summary>
        /// <param name="batchSize">The rows.</param>
        /// <param name="workPerSample">The forward and backward passes' multiply-adds per sample.</param>
        /// <param name="maxDegreeOfParallelism">The network's own setting, or null for <see cref="Parallelism.MaxDegreeOfParallelism"/>.</param>
        /// <returns>At least 1.</returns>
        public static int TrainingParts(int batchSize, long workPerSample, int? maxDegreeOfParallelism)
        {
            int degree = Parallelism.Resolve(maxDegreeOfParallelism);
            if (degree <= 1)
            {
                return 1;
            }

            long byWork = batchSize * workPerSample / MinTrainingWorkPerPart;
            return (int)Math.Max(1, Math.Min(Math.Min(degree, MaxParts), Math.Min(batchSize / MinRowsPerTrainingPart, byWork)));
        }

        /// <summary>
        /// The rows of part <paramref name="part"/>: contiguous, in order, as even as whole chunks of
        /// <paramref name="granularity"/> rows allow.
        /// </summary>
        /// <param name="batchSize">The rows of the whole batch.</param>
        /// <param name="part">The part, 0 .. <paramref name="parts"/> - 1.</param>
        /// <param name="parts">The number of parts.</param>
        /// <param name="granularity">Parts start on multiples of this many rows.</param>
        /// <returns>The part's first row and its number of rows.</returns>
        public static (int First, int Count) PartRows(int batchSize, int part, int parts, int granularity)
        {
            long chunks = (batchSize + (long)granularity - 1) / granularity;
            long first = chunks * part / parts * granularity;
            long end = Math.Min(batchSize, chunks * (part + 1) / parts * granularity);
            return ((int)first, (int)(end - first));
        }

        /// <summary>Checks a network's <c>MaxDegreeOfParallelism</c>: null, or at least 1.</summary>
        /// <param name="value">The value to set.</param>
        /// <returns><paramref name="value"/>.</returns>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is below 1.</exception>
        public static int? CheckDegree(int? value) => value is int v ? Parallelism.Check(v, nameof(value)) : null;

        /// <summary>
        /// Runs <paramref name="body"/> for parts 0 .. <paramref name="parts"/> - 1 and returns when all are done: on the
        /// pool's threads and the calling thread, or only on the calling thread when <paramref name="parts"/> is 1 or the
        /// pool is busy. The spans are pinned meanwhile. An exception thrown by a part is rethrown here, after every part
        /// has finished.
        /// </summary>
        /// <param name="parts">The number of parts; at least 1.</param>
        /// <param name="body">A static method, cached in a delegate so that the call allocates nothing.</param>
        /// <param name="state">Handed to every part.</param>
        /// <param name="parameters">The network's parameters.</param>
        /// <param name="inputs">The batch's inputs.</param>
        /// <param name="targets">The batch's targets, or empty.</param>
        /// <param name="sampleWeights">The batch's sample weights, or empty.</param>
        /// <param name="outputs">The batch's outputs, or empty.</param>
        /// <param name="batchSize">The number of samples.</param>
        /// <param name="stream">The dropout stream, or 0.</param>
        public static unsafe void Run(
            int parts, BatchPart body, object? state, Span<float> parameters, ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets,
            ReadOnlySpan<float> sampleWeights, Span<float> outputs, int batchSize, ulong stream)
        {
            ArgumentNullException.ThrowIfNull(body);
            if (parts < 1 || parts > MaxParts)
            {
                throw new ArgumentOutOfRangeException(nameof(parts), parts, "Expected 1 to " + MaxParts + " parts.");
            }

            fixed (float* p = parameters, x = inputs, t = targets, w = sampleWeights, y = outputs)
            {
                var arguments = new BatchArguments(
                    p, parameters.Length, x, inputs.Length, t, targets.Length, w, sampleWeights.Length, y, outputs.Length, batchSize, stream);
                Pool? pool = parts > 1 ? s_pool ?? CreatePool() : null;
                if (pool is null || !pool.TryRun(parts, body, state, arguments))
                {
                    for (int part = 0; part < parts; part++)
                    {
                        body(state, in arguments, part, parts);
                    }
                }
            }
        }

        /// <summary>The number of background threads the pool runs (one less than the cores; 0 on one core).</summary>
        internal static int WorkerCount => (s_pool ?? CreatePool())?.Workers ?? 0;

        private static Pool? CreatePool()
        {
            int workers = Math.Min(Environment.ProcessorCount, MaxParts) - 1;
            if (workers < 1)
            {
                return null;
            }

            var pool = new Pool(workers);
            // Two first calls may race to create it: threads start only once their pool is the published one.
            Pool winner = Interlocked.CompareExchange(ref s_pool, pool, null) ?? pool;
            if (winner == pool)
            {
                pool.Start();
            }

            return winner;
        }

        private sealed class Pool
        {
            // Ticks a worker spins (yielding) after a job before it sleeps: 1 ms covers the optimizer step and the next
            // batch's gather between two TrainBatch calls, so a training loop wakes no sleeping thread. With 0.2 ms,
            // 784-256-128-10 + Adam at batch 64 slept through each step and gained 0.89-0.97x on two cores; with 1 ms, 1.2-1.4x.
            private static readonly long SpinTicks = Stopwatch.Frequency / 1000;

            // Generation (high 32 bits), parts (bits 16..31) and the next part to claim (bits 0..15), in one word: a
            // worker claims a part with one compare-exchange that also proves the job is still the one it saw.
            private long _job;
            private int _remaining;
            private int _busy;
            private int _sleepers;
            private BatchPart? _body;
            private object? _state;
            private BatchArguments _arguments;
            private Exception? _error;
            private readonly SemaphoreSlim _wake = new(0);
            private readonly Thread[] _threads;

            public Pool(int workers)
            {
                _threads = new Thread[workers];
                for (int i = 0; i < workers; i++)
                {
                    _threads[i] = new Thread(WorkerLoop) { IsBackground = true, Name = "GenNN worker " + (i + 1) };
                }
            }

            public int Workers => _threads.Length;

            public void Start()
            {
                foreach (Thread thread in _threads)
                {
                    thread.Start();
                }
            }

            public bool TryRun(int parts, BatchPart body, object? state, BatchArguments arguments)
            {
                if (Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
                {
                    return false;
                }

                try
                {
                    _body = body;
                    _state = state;
                    _arguments = arguments;
                    _error = null;
                    Volatile.Write(ref _remaining, parts);
                    int generation = (int)(Volatile.Read(ref _job) >> 32) + 1;
                    Interlocked.Exchange(ref _job, ((long)generation << 32) | ((long)parts << 16));
                    int sleepers = Interlocked.Exchange(ref _sleepers, 0);
                    if (sleepers > 0)
                    {
                        _wake.Release(sleepers);
                    }

                    Work(generation);
                    // Every part is claimed; wait for the ones other threads run (never Sleep(1): they are short).
                    SpinWait spin = default;
                    while (Volatile.Read(ref _remaining) != 0)
                    {
                        spin.SpinOnce(sleep1Threshold: -1);
                    }

                    Exception? error = _error;
                    _body = null;
                    _state = null;
                    _arguments = default;
                    _error = null;
                    if (error is not null)
                    {
                        ExceptionDispatchInfo.Throw(error);
                    }

                    return true;
                }
                finally
                {
                    Volatile.Write(ref _busy, 0);
                }
            }

            /// <summary>Claims and runs parts of job <paramref name="generation"/> until none is left.</summary>
            /// <remarks>
            /// Fully optimised from the first call, as the kernels are, so that tiered compilation does not recompile this
            /// and <see cref="WorkerLoop"/> (entered once, looping for the process's life) while training runs: a
            /// thread-safety trial saw 24-64 bytes allocated process-wide, now and then, during warm multi-part calls, and
            /// none with tiered compilation off.
            /// </remarks>
            [MethodImpl(MethodImplOptions.AggressiveOptimization)]
            private void Work(int generation)
            {
                while (true)
                {
                    long job = Volatile.Read(ref _job);
                    int parts = (int)(job >> 16) & 0xFFFF, next = (int)job & 0xFFFF;
                    if ((int)(job >> 32) != generation || next >= parts)
                    {
                        return;
                    }

                    if (Interlocked.CompareExchange(ref _job, job + 1, job) != job)
                    {
                        continue;
                    }

                    try
                    {
                        _body!(_state, in _arguments, next, parts);
                    }
                    catch (Exception e)
                    {
                        Interlocked.CompareExchange(ref _error, e, null);
                    }

                    Interlocked.Decrement(ref _remaining);
                }
            }

            [MethodImpl(MethodImplOptions.AggressiveOptimization)]
            private void WorkerLoop()
            {
                int seen = 0;
                while (true)
                {
                    int generation = (int)(Volatile.Read(ref _job) >> 32);
                    if (generation != seen)
                    {
                        seen = generation;
                        Work(generation);
                        continue;
                    }

                    // SpinWait yields the core after a few rounds, so on a busy machine the spin does not take it from the
                    // thread that will publish the next job.
                    long deadline = Stopwatch.GetTimestamp() + SpinTicks;
                    SpinWait spin = default;
                    while ((int)(Volatile.Read(ref _job) >> 32) == seen && Stopwatch.GetTimestamp() < deadline)
                    {
                        spin.SpinOnce(sleep1Threshold: -1);
                    }

                    if ((int)(Volatile.Read(ref _job) >> 32) != seen)
                    {
                        continue;
                    }

                    // Announce the sleep, then look once more: a job published in between either sees this count and
                    // wakes us, or is seen here. A wake-up that finds no new job just loops.
                    Interlocked.Increment(ref _sleepers);
                    if ((int)(Volatile.Read(ref _job) >> 32) == seen)
                    {
                        _wake.Wait();
                    }
                }
            }
        }
    }
}
