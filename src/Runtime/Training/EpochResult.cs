using System;
using System.Globalization;
using System.Text;

namespace GenNN
{
    /// <summary>The metrics of one training epoch, as <see cref="Trainer.Fit"/> reports them after each epoch.</summary>
    public sealed record EpochResult
    {
        /// <summary>The 1-based number of this epoch.</summary>
        public int Epoch { get; init; }

        /// <summary>The number of epochs the training runs for.</summary>
        public int Epochs { get; init; }

        /// <summary>The mean training loss over the epoch's batches, weighted by batch size (as Keras reports it: each
        /// batch's loss is measured before that batch's update).</summary>
        public double Loss { get; init; }

        /// <summary>The training accuracy over the epoch (measured before each batch's update), for classification losses; otherwise <see langword="null"/>.</summary>
        public double? Accuracy { get; init; }

        /// <summary>The loss on the validation set after the epoch, if one was given.</summary>
        public double? ValidationLoss { get; init; }

        /// <summary>The accuracy on the validation set after the epoch, for classification losses when a validation set was given.</summary>
        public double? ValidationAccuracy { get; init; }

        /// <summary>The wall-clock time of the epoch, validation included.</summary>
        public TimeSpan Elapsed { get; init; }

        /// <summary>Formats the epoch like Keras' progress line, e.g. <c>Epoch 3/10 - loss: 0.4321 - accuracy: 0.8750 - val_loss: 0.5012 - val_accuracy: 0.8000 - 12 ms</c>.</summary>
        public override string ToString()
        {
            var text = new StringBuilder();
            text.Append(CultureInfo.InvariantCulture, $"Epoch {Epoch}/{Epochs} - loss: {Loss:0.0000}");
            if (Accuracy is double accuracy)
            {
                text.Append(CultureInfo.InvariantCulture, $" - accuracy: {accuracy:0.0000}");
            }

            if (ValidationLoss is double validationLoss)
            {
                text.Append(CultureInfo.InvariantCulture, $" - val_loss: {validationLoss:0.0000}");
            }

            if (ValidationAccuracy is double validationAccuracy)
            {
                text.Append(CultureInfo.InvariantCulture, $" - val_accuracy: {validationAccuracy:0.0000}");
            }

            text.Append(CultureInfo.InvariantCulture, $" - {Elapsed.TotalMilliseconds:0} ms");
            return text.ToString();
        }
    }
}
