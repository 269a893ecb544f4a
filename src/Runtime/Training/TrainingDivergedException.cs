using System;

namespace GenNN
{
    /// <summary>
    /// <c>Trainer.Fit</c> stopped because the training or validation loss became NaN or infinite, or an optimizer
    /// step made a parameter NaN or infinite, or an epoch's training loss grew past <see cref="FitOptions.DivergenceFactor"/>
    /// times the first batch's. The network keeps its last finite parameters (the message says which), unless an
    /// <see cref="EarlyStopping"/> with <see cref="EarlyStopping.RestoreBestWeights"/> put its best epoch's back (the
    /// callbacks' <see cref="Callback.OnTrainEnd"/> runs before the exception), and <see cref="History"/> holds the
    /// epochs completed before the failure.
    /// </summary>
    public sealed class TrainingDivergedException : InvalidOperationException
    {
        /// <summary>Creates an exception with a default message and an empty history.</summary>
        public TrainingDivergedException()
            : this("Training diverged.")
        {
        }

        /// <summary>Creates an exception with an empty history.</summary>
        /// <param name="message">What diverged, and where.</param>
        public TrainingDivergedException(string message)
            : base(message)
        {
            History = new History();
        }

        /// <summary>Creates an exception with an empty history that wraps another.</summary>
        /// <param name="message">What diverged, and where.</param>
        /// <param name="innerException">The cause.</param>
        public TrainingDivergedException(string message, Exception innerException)
            : base(message, innerException)
        {
            History = new History();
        }

        /// <summary>Creates an exception for a point in a training run.</summary>
        /// <param name="message">The full message.</param>
        /// <param name="history">The epochs completed so far (including the failing epoch when its validation loss diverged).</param>
        /// <param name="epoch">The 1-based epoch in which training diverged.</param>
        /// <param name="batch">The 1-based batch within <paramref name="epoch"/>, or <see langword="null"/> when the check after the epoch failed.</param>
        /// <param name="loss">The loss that was not finite (or, when a step made the parameters non-finite, that batch's loss).</param>
        public TrainingDivergedException(string message, History history, int epoch, int? batch, double loss)
            : base(message)
        {
            ArgumentNullException.ThrowIfNull(history);
            History = history;
            Epoch = epoch;
            Batch = batch;
            Loss = loss;
        }

        /// <summary>The epochs completed before training stopped (Keras' <c>history</c> of the failed run).</summary>
        public History History { get; }

        /// <summary>The 1-based epoch in which training diverged; 0 when unknown.</summary>
        public int Epoch { get; }

        /// <summary>The 1-based batch within <see cref="Epoch"/>, or <see langword="null"/> when the check after the epoch failed
        /// (a non-finite validation loss, or a training loss past <see cref="FitOptions.DivergenceFactor"/>).</summary>
        public int? Batch { get; }

        /// <summary>The non-finite loss; or, when an optimizer step made the parameters non-finite, the (finite) loss of that batch.</summary>
        public double Loss { get; }
    }
}
