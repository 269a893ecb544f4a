using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace GenNN
{
    /// <summary>The metrics of one training epoch, as <c>Trainer.Fit</c> reports them after each epoch.</summary>
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

        /// <summary>The optimizer's learning rate at the end of the epoch (after any per-batch schedule, before
        /// <see cref="ReduceLROnPlateau"/> reacts to this epoch), or <see langword="null"/> when unknown.</summary>
        public double? LearningRate { get; init; }

        /// <summary>
        /// A metric by its Keras name: <c>loss</c>, <c>accuracy</c> (or <c>acc</c>), <c>val_loss</c>, <c>val_accuracy</c>
        /// (or <c>val_acc</c>), <c>lr</c> (or <c>learning_rate</c>).
        /// </summary>
        /// <param name="name">The metric's name (case-sensitive, as in Keras).</param>
        /// <returns>The value, or <see langword="null"/> when this epoch does not have it (no validation set, a regression).</returns>
        /// <exception cref="ArgumentException"><paramref name="name"/> is not one of the names above.</exception>
        public double? GetMetric(string name) => name switch
        {
            "loss" => Loss,
            "accuracy" or "acc" => Accuracy,
            "val_loss" => ValidationLoss,
            "val_accuracy" or "val_acc" => ValidationAccuracy,
            "lr" or "learning_rate" => LearningRate,
            _ => throw UnknownMetric(name, nameof(name)),
        };

        /// <summary>The names of the metrics this epoch has, in Keras' order.</summary>
        internal IEnumerable<string> MetricNames()
        {
            yield return "loss";
            if (Accuracy is not null)
            {
                yield return "accuracy";
            }

            if (ValidationLoss is not null)
            {
                yield return "val_loss";
            }

            if (ValidationAccuracy is not null)
            {
                yield return "val_accuracy";
            }

            if (LearningRate is not null)
            {
                yield return "lr";
            }
        }

        /// <summary>Whether <see cref="GetMetric"/> knows <paramref name="name"/>.</summary>
        internal static bool IsMetricName(string name)
            => name is "loss" or "accuracy" or "acc" or "val_loss" or "val_accuracy" or "val_acc" or "lr" or "learning_rate";

        /// <summary>Throws for a name <see cref="GetMetric"/> does not know, naming <paramref name="owner"/>.</summary>
        internal static void CheckMetricName(string name, string owner)
        {
            if (!IsMetricName(name))
            {
                throw new ArgumentException(owner + ": " + UnknownMetric(name, "Monitor").Message, "Monitor");
            }
        }

        /// <summary>Formats a loss like Keras' progress bar: four decimals, or scientific below 1e-3, so a tiny loss never shows as 0.0000.</summary>
        internal static string FormatLoss(double loss)
            => Math.Abs(loss) > 1e-3 || !double.IsFinite(loss)
                ? loss.ToString("0.0000", CultureInfo.InvariantCulture)
                : loss.ToString("0.0000e+00", CultureInfo.InvariantCulture);

        /// <summary>Appends <c> - loss: ... - accuracy: ... - val_loss: ... - val_accuracy: ...</c> for the metrics present.</summary>
        internal void AppendMetrics(StringBuilder text)
        {
            text.Append(" - loss: ").Append(FormatLoss(Loss));
            if (Accuracy is double accuracy)
            {
                text.Append(CultureInfo.InvariantCulture, $" - accuracy: {accuracy:0.0000}");
            }

            if (ValidationLoss is double validationLoss)
            {
                text.Append(" - val_loss: ").Append(FormatLoss(validationLoss));
            }

            if (ValidationAccuracy is double validationAccuracy)
            {
                text.Append(CultureInfo.InvariantCulture, $" - val_accuracy: {validationAccuracy:0.0000}");
            }
        }

        private static ArgumentException UnknownMetric(string name, string paramName) => new(
            Dataset.Format("Unknown metric '{0}'; expected loss, accuracy, val_loss, val_accuracy or lr.", name), paramName);

        /// <summary>
        /// Formats the epoch like Keras' progress line, e.g. <c>Epoch 3/10 - loss: 0.4321 - accuracy: 0.8750 - val_loss: 0.5012 - val_accuracy: 0.8000 - 12 ms</c>.
        /// Losses below 1e-3 are written in scientific notation (<c>1.2345e-05</c>), as Keras does.
        /// </summary>
        public override string ToString()
        {
            var text = new StringBuilder();
            text.Append(CultureInfo.InvariantCulture, $"Epoch {Epoch}/{Epochs}");
            AppendMetrics(text);
            text.Append(CultureInfo.InvariantCulture, $" - {Elapsed.TotalMilliseconds:0} ms");
            return text.ToString();
        }
    }
}
