using System.Globalization;
using System.Text;

namespace GenNN
{
    /// <summary>The metrics of a network on a data set, from <see cref="Trainer.Evaluate"/>.</summary>
    public sealed record EvaluationResult
    {
        /// <summary>The number of samples evaluated.</summary>
        public int Count { get; init; }

        /// <summary>
        /// The mean loss over the samples, computed from the predicted outputs: <c>-log(clamp(p[label], 1e-7, 1))</c> for
        /// softmax cross-entropy, <c>-(t log p + (1 - t) log(1 - p))</c> with <c>p</c> clamped to [1e-7, 1 - 1e-7] for
        /// binary cross-entropy, the mean over outputs of the squared error for mean squared error.
        /// </summary>
        public double Loss { get; init; }

        /// <summary>
        /// The fraction of samples classified correctly (arg-max of the outputs for softmax cross-entropy; output &gt; 0.5
        /// against target &gt; 0.5 for binary cross-entropy), or <see langword="null"/> for regression.
        /// </summary>
        public double? Accuracy { get; init; }

        /// <summary>The mean squared error over all outputs, for regression (<see cref="GenNN.Loss.MeanSquaredError"/>); otherwise <see langword="null"/>.</summary>
        public double? MeanSquaredError { get; init; }

        /// <summary>The mean absolute error over all outputs, for regression; otherwise <see langword="null"/>.</summary>
        public double? MeanAbsoluteError { get; init; }

        /// <summary>Formats the metrics like Keras, e.g. <c>loss: 0.1234 - accuracy: 0.9667 (30 samples)</c>.</summary>
        public override string ToString()
        {
            var text = new StringBuilder();
            text.Append(CultureInfo.InvariantCulture, $"loss: {Loss:0.0000}");
            if (Accuracy is double accuracy)
            {
                text.Append(CultureInfo.InvariantCulture, $" - accuracy: {accuracy:0.0000}");
            }

            if (MeanSquaredError is double mse)
            {
                text.Append(CultureInfo.InvariantCulture, $" - mse: {mse:0.0000}");
            }

            if (MeanAbsoluteError is double mae)
            {
                text.Append(CultureInfo.InvariantCulture, $" - mae: {mae:0.0000}");
            }

            text.Append(CultureInfo.InvariantCulture, $" ({Count} samples)");
            return text.ToString();
        }
    }
}
