using System;
using System.Threading;

namespace GenNN
{
    /// <summary>
    /// How many threads generated networks use inside one <c>PredictBatch</c> or <c>TrainBatch</c> call, like PyTorch's
    /// <c>torch.set_num_threads</c> (intra-op threads) or ONNX Runtime's <c>IntraOpNumThreads</c>.
    /// </summary>
    /// <remarks>
    /// <para>A large call is split into contiguous ranges of rows, one per thread, run on a shared pool of background
    /// threads that the calling thread joins. Small calls (a batch whose work is under about a tenth of a millisecond,
    /// such as iris at batch 32) stay on the calling thread: handing them out would cost more than it saves.</para>
    /// <para>PredictBatch gives every sample the same output, bit for bit, whatever the thread count. TrainBatch splits
    /// the batch's rows for the forward and backward passes, then the parameters for their gradients (each the same sum
    /// over the batch, in the same order, as on one thread) and the fused optimizer step: the gradients and parameters
    /// are one thread's, bit for bit, and the loss may differ in its last bit (see
    /// <see cref="Kernels.TrainingWorkspace"/> for the one exception, approximated activations on widths that are not
    /// a multiple of 4).</para>
    /// <para>When the pool is already serving another call (another thread's PredictBatch, say), a call runs its parts
    /// on its own thread instead of waiting: the results are the same.</para>
    /// </remarks>
    public static class Parallelism
    {
        private static int s_maxDegreeOfParallelism = Environment.ProcessorCount;

        // Set by Trainer.Fit for the duration of a run with FitOptions.MaxDegreeOfParallelism; 0 when unset.
        [ThreadStatic]
        private static int t_override;

        /// <summary>
        /// The most threads one PredictBatch or TrainBatch call uses (the calling thread included), unless the network's
        /// own <c>MaxDegreeOfParallelism</c> or <c>FitOptions.MaxDegreeOfParallelism</c> says otherwise.
        /// <see cref="Environment.ProcessorCount"/> by default; 1 runs everything on the calling thread.
        /// </summary>
        /// <exception cref="ArgumentOutOfRangeException">On set: the value is below 1.</exception>
        public static int MaxDegreeOfParallelism
        {
            get => Volatile.Read(ref s_maxDegreeOfParallelism);
            set => Volatile.Write(ref s_maxDegreeOfParallelism, Check(value, nameof(value)));
        }

        /// <summary>The degree a call uses: the calling thread's override (Fit), else the network's, else the global one.</summary>
        internal static int Resolve(int? network)
        {
            int forced = t_override;
            return forced != 0 ? forced : network ?? MaxDegreeOfParallelism;
        }

        /// <summary>
        /// Makes every call on this thread use <paramref name="degree"/> threads until the returned value is restored; null
        /// keeps the current setting.
        /// </summary>
        /// <returns>The previous override, to hand back to <see cref="RestoreOverride"/>.</returns>
        internal static int SetOverride(int? degree)
        {
            int previous = t_override;
            if (degree is int d)
            {
                t_override = d;
            }

            return previous;
        }

        internal static void RestoreOverride(int previous) => t_override = previous;

        /// <summary>Throws unless <paramref name="value"/> is at least 1.</summary>
        internal static int Check(int value, string paramName)
            => value >= 1
                ? value
                : throw new ArgumentOutOfRangeException(paramName, value, "Expected a MaxDegreeOfParallelism of at least 1 (1 runs on the calling thread only).");
    }
}
