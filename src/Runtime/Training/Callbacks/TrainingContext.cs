using System;

namespace GenNN
{
    /// <summary>
    /// What a <see cref="Callback"/> sees of a running
    /// <see cref="Trainer.Fit(INetwork, Dataset, Optimizer, FitOptions?, System.Threading.CancellationToken)"/>: the
    /// network, the optimizer (whose <see cref="Optimizer.LearningRate"/> a schedule may set), the history so far, the
    /// position in the run, and a way to stop it (Keras' <c>model.stop_training = True</c>).
    /// </summary>
    public sealed class TrainingContext
    {
        internal TrainingContext(INetwork network, Optimizer optimizer, FitOptions options, History history, int batchesPerEpoch)
        {
            Network = network;
            Optimizer = optimizer;
            Options = options;
            History = history;
            BatchesPerEpoch = batchesPerEpoch;
        }

        /// <summary>Whether the run's epochs report the <c>val_</c> metrics: it has validation data or a validation split.</summary>
        internal bool HasValidation { get; init; }

        /// <summary>Whether the run's epochs report accuracy: the network's loss is a classification loss.</summary>
        internal bool HasAccuracy { get; init; }

        /// <summary>The network being trained.</summary>
        public INetwork Network { get; }

        /// <summary>The optimizer; set its <see cref="Optimizer.LearningRate"/> to change the rate from the next step.</summary>
        public Optimizer Optimizer { get; }

        /// <summary>The options of the run.</summary>
        public FitOptions Options { get; }

        /// <summary>The epochs completed so far.</summary>
        public History History { get; }

        /// <summary>The number of epochs requested (<see cref="FitOptions.Epochs"/>).</summary>
        public int Epochs => Options.Epochs;

        /// <summary>The number of batches in each epoch: <c>ceil(training samples / batch size)</c>.</summary>
        public int BatchesPerEpoch { get; }

        /// <summary>The 1-based current epoch; 0 before the first.</summary>
        public int Epoch { get; internal set; }

        /// <summary>The 1-based current batch within <see cref="Epoch"/>; 0 outside the batch loop.</summary>
        public int Batch { get; internal set; }

        /// <summary>The number of batches run since the run began (the optimizer steps of this run), before the current one.</summary>
        public long Step { get; internal set; }

        /// <summary>Whether a callback has asked training to stop.</summary>
        public bool StopRequested => StopReason != StopReason.None;

        internal StopReason StopReason { get; private set; }

        internal string? StopMessage { get; private set; }

        /// <summary>
        /// Asks training to stop after the current batch (the epoch is then closed with the batches it ran, validated and
        /// reported as usual) or, when called from <see cref="Callback.OnEpochEnd"/>, after this epoch. Fit then returns
        /// normally, with <see cref="History.StopReason"/> <see cref="GenNN.StopReason.CallbackRequest"/>. The first
        /// request wins.
        /// </summary>
        /// <param name="message">Why, for <see cref="History.StopMessage"/> and the progress output.</param>
        public void StopTraining(string message) => StopTraining(StopReason.CallbackRequest, message);

        internal void StopTraining(StopReason reason, string message)
        {
            ArgumentNullException.ThrowIfNull(message);
            if (StopReason == StopReason.None)
            {
                StopReason = reason;
                StopMessage = message;
            }
        }
    }
}
