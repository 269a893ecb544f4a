namespace GenNN
{
    /// <summary>
    /// A hook into <see cref="Trainer.Fit(INetwork, Dataset, Optimizer, FitOptions?, System.Threading.CancellationToken)"/>,
    /// like Keras' <c>keras.callbacks.Callback</c>: override the events you need. Every method gets the
    /// <see cref="TrainingContext"/>, which gives the network, the optimizer and the history so far, and through which
    /// a callback can stop training (<see cref="TrainingContext.StopTraining(string)"/>).
    /// </summary>
    /// <remarks>
    /// <para>Callbacks run on the training thread, in the order of <see cref="FitOptions.Callbacks"/>. The batch hooks
    /// run for every batch: keep them cheap and allocation-free. An exception thrown by a callback ends the run.</para>
    /// <para>Epoch numbers are 1-based, as in <see cref="EpochResult.Epoch"/> and Keras' printed "Epoch 1/10".</para>
    /// <para>A callback object keeps state between events (best value, patience counter); <see cref="OnTrainBegin"/>
    /// resets it, so one instance may serve several runs, one at a time.</para>
    /// </remarks>
    public abstract class Callback
    {
        /// <summary>Called once before the first epoch.</summary>
        /// <param name="context">The run.</param>
        public virtual void OnTrainBegin(TrainingContext context)
        {
        }

        /// <summary>
        /// Called once after the last epoch, also when a callback stopped training early or training diverged (then just
        /// before Fit throws <see cref="TrainingDivergedException"/>); not when Fit throws for anything else.
        /// </summary>
        /// <param name="context">The run; <see cref="History.StopReason"/> says why it ended.</param>
        public virtual void OnTrainEnd(TrainingContext context)
        {
        }

        /// <summary>Called before each epoch's first batch.</summary>
        /// <param name="context">The run; <see cref="TrainingContext.Epoch"/> is the epoch about to start.</param>
        public virtual void OnEpochBegin(TrainingContext context)
        {
        }

        /// <summary>Called after each epoch and its validation, once <paramref name="result"/> is in the history.</summary>
        /// <param name="context">The run.</param>
        /// <param name="result">The epoch's metrics (Keras' <c>logs</c>).</param>
        public virtual void OnEpochEnd(TrainingContext context, EpochResult result)
        {
        }

        /// <summary>Called before each batch's forward pass (a per-batch learning-rate schedule sets the rate here).</summary>
        /// <param name="context">The run; <see cref="TrainingContext.Batch"/> is the batch about to run.</param>
        public virtual void OnBatchBegin(TrainingContext context)
        {
        }

        /// <summary>Called after each batch's optimizer step.</summary>
        /// <param name="context">The run.</param>
        /// <param name="result">The batch's size and loss (measured before its update).</param>
        public virtual void OnBatchEnd(TrainingContext context, BatchResult result)
        {
        }
    }

    /// <summary>One batch's outcome, as <see cref="Callback.OnBatchEnd"/> receives it (Keras' batch <c>logs</c>).</summary>
    /// <param name="Epoch">The 1-based epoch.</param>
    /// <param name="Batch">The 1-based batch within the epoch.</param>
    /// <param name="Size">The number of samples in the batch.</param>
    /// <param name="Loss">The batch's mean loss, measured before its optimizer step.</param>
    public readonly record struct BatchResult(int Epoch, int Batch, int Size, float Loss);
}
