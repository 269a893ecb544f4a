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
        /// The mean loss over the samples, plus the L1/L2 penalty of the weights (<see cref="INetwork.RegularizationLoss"/>),
        /// the quantity TrainBatch returns and Keras' <c>evaluate</c> reports. The cross-entropies are computed from the
        /// logits, as TrainBatch and PyTorch compute them (log-sum-exp minus the label's logit; <c>BCEWithLogitsLoss</c>),
        /// so a confidently wrong sample counts its whole loss; a network without logits
        /// (<see cref="INetwork.TryPredictLogits"/>) gets <c>-log(clamp(p[label], 1e-7, 1))</c> from its probabilities,
        /// as Keras does. For regression, the mean over outputs of the squared error (mean squared error), the absolute
        /// error (mean absolute error) or the Huber loss.
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
