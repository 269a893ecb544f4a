using System;
using System.Collections.Generic;

namespace GenNN
{
    /// <summary>
    /// The per-epoch metrics of a <see cref="Trainer.Fit"/> run, like Keras' <c>history.history</c>:
    /// <c>history.Loss[e]</c> is the training loss of epoch <c>e + 1</c>.
    /// </summary>
    /// <remarks>
    /// <see cref="Accuracy"/> is empty for regression; <see cref="ValidationLoss"/> and <see cref="ValidationAccuracy"/>
    /// are empty without a validation set. Otherwise every list has one entry per completed epoch.
    /// </remarks>
    public sealed class History
    {
        private readonly List<EpochResult> _epochs = new();
        private readonly List<double> _loss = new();
        private readonly List<double> _accuracy = new();
        private readonly List<double> _validationLoss = new();
        private readonly List<double> _validationAccuracy = new();

        internal History()
        {
        }

        /// <summary>Every completed epoch, in order.</summary>
        public IReadOnlyList<EpochResult> Epochs => _epochs;

        /// <summary>The training loss per epoch (Keras' <c>loss</c>).</summary>
        public IReadOnlyList<double> Loss => _loss;

        /// <summary>The training accuracy per epoch for classification (Keras' <c>accuracy</c>); empty for regression.</summary>
        public IReadOnlyList<double> Accuracy => _accuracy;

        /// <summary>The validation loss per epoch (Keras' <c>val_loss</c>); empty without a validation set.</summary>
        public IReadOnlyList<double> ValidationLoss => _validationLoss;

        /// <summary>The validation accuracy per epoch (Keras' <c>val_accuracy</c>); empty without a validation set or for regression.</summary>
        public IReadOnlyList<double> ValidationAccuracy => _validationAccuracy;

        /// <summary>The total wall-clock time of the completed epochs.</summary>
        public TimeSpan Elapsed { get; private set; }

        /// <summary>The last completed epoch, or <see langword="null"/> before the first.</summary>
        public EpochResult? Last => _epochs.Count == 0 ? null : _epochs[^1];

        /// <summary>Summarises the run with its last epoch.</summary>
        public override string ToString() => Last is EpochResult last
            ? Dataset.Format("History({0} epochs; last: {1})", _epochs.Count, last)
            : "History(0 epochs)";

        internal void Add(EpochResult result)
        {
            _epochs.Add(result);
            _loss.Add(result.Loss);
            if (result.Accuracy is double accuracy)
            {
                _accuracy.Add(accuracy);
            }

            if (result.ValidationLoss is double validationLoss)
            {
                _validationLoss.Add(validationLoss);
            }

            if (result.ValidationAccuracy is double validationAccuracy)
            {
                _validationAccuracy.Add(validationAccuracy);
            }

            Elapsed += result.Elapsed;
        }
    }
}
