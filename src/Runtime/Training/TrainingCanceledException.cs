using System;
using System.Threading;

namespace GenNN
{
    /// <summary>
    /// <see cref="Trainer.Fit(INetwork, Dataset, Optimizer, FitOptions?, CancellationToken)"/> was cancelled through its
    /// token. An <see cref="OperationCanceledException"/>, so <c>catch (OperationCanceledException)</c> and
    /// <c>Task</c> cancellation work as usual, that also carries the <see cref="History"/> of the epochs completed.
    /// The network keeps the parameters of the last step taken.
    /// </summary>
    public sealed class TrainingCanceledException : OperationCanceledException
    {
        /// <summary>Creates an exception with a default message and an empty history.</summary>
        public TrainingCanceledException()
            : this("Training was canceled.")
        {
        }

        /// <summary>Creates an exception with an empty history.</summary>
        /// <param name="message">What was cancelled.</param>
        public TrainingCanceledException(string message)
            : base(message)
        {
            History = new History { StopReason = StopReason.Canceled };
        }

        /// <summary>Creates an exception with an empty history that wraps another.</summary>
        /// <param name="message">What was cancelled.</param>
        /// <param name="innerException">The cause.</param>
        public TrainingCanceledException(string message, Exception innerException)
            : base(message, innerException)
        {
            History = new History { StopReason = StopReason.Canceled };
        }

        /// <summary>Creates an exception for a point in a training run.</summary>
        /// <param name="message">The full message.</param>
        /// <param name="history">The epochs completed before the cancellation.</param>
        /// <param name="epoch">The 1-based epoch during which it was noticed.</param>
        /// <param name="batch">The 1-based batch that was about to run.</param>
        /// <param name="cancellationToken">The token that was cancelled.</param>
        public TrainingCanceledException(string message, History history, int epoch, int batch, CancellationToken cancellationToken)
            : base(message, cancellationToken)
        {
            ArgumentNullException.ThrowIfNull(history);
            History = history;
            Epoch = epoch;
            Batch = batch;
        }

        /// <summary>The epochs completed before training stopped, with <see cref="History.StopReason"/> <see cref="StopReason.Canceled"/>.</summary>
        public History History { get; }

        /// <summary>The 1-based epoch during which the cancellation was noticed; 0 when unknown.</summary>
        public int Epoch { get; }

        /// <summary>The 1-based batch that was about to run when the cancellation was noticed; 0 when unknown.</summary>
        public int Batch { get; }
    }
}
