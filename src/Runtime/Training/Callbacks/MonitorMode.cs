using System;

namespace GenNN
{
    /// <summary>Whether a monitored metric improves by going down or up (Keras' <c>mode</c>).</summary>
    public enum MonitorMode
    {
        /// <summary>Up for metrics whose name contains <c>acc</c> (accuracy), down for the others (losses).</summary>
        Auto = 0,

        /// <summary>Lower is better.</summary>
        Min,

        /// <summary>Higher is better.</summary>
        Max,
    }

    /// <summary>The shared logic of the callbacks that watch a metric: reading it and deciding what counts as better.</summary>
    internal readonly struct Monitor
    {
        private readonly bool _max;
        private readonly double _minDelta;

        public Monitor(string metric, MonitorMode mode, double minDelta, string owner)
        {
            ArgumentException.ThrowIfNullOrEmpty(metric);
            EpochResult.CheckMetricName(metric, owner);
            if (!(minDelta >= 0 && double.IsFinite(minDelta)))
            {
                throw new ArgumentOutOfRangeException(nameof(minDelta), minDelta, Dataset.Format("{0}: expected a finite MinDelta >= 0.", owner));
            }

            Metric = metric;
            _max = mode switch
            {
                MonitorMode.Min => false,
                MonitorMode.Max => true,
                MonitorMode.Auto => metric.Contains("acc", StringComparison.OrdinalIgnoreCase),
                _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, Dataset.Format("{0}: expected Auto, Min or Max.", owner)),
            };
            _minDelta = minDelta;
            Owner = owner;
        }

        public string Metric { get; }

        public string Owner { get; }

        /// <summary>The starting "best": +infinity when lower is better, -infinity otherwise.</summary>
        public double Worst => _max ? double.NegativeInfinity : double.PositiveInfinity;

        /// <summary>Keras' <c>_is_improvement</c>: better than <paramref name="reference"/> by more than MinDelta. NaN never improves.</summary>
        public bool IsImprovement(double value, double reference)
            => _max ? value - _minDelta > reference : value + _minDelta < reference;

        /// <summary>
        /// Throws before training when the run's epochs will not report the metric (a <c>val_</c> metric without validation
        /// data, accuracy without a classification loss): the mistake shows before any epoch changes the network.
        /// </summary>
        public void CheckReported(TrainingContext context) => CheckReported(Metric, Owner, context);

        /// <summary>The same check for a metric that <paramref name="owner"/> reads without a monitor (a checkpoint path's placeholder).</summary>
        public static void CheckReported(string metric, string owner, TrainingContext context)
        {
            bool validation = metric.StartsWith("val_", StringComparison.Ordinal);
            bool accuracy = metric.Contains("acc", StringComparison.Ordinal);
            if ((validation && !context.HasValidation) || (accuracy && !context.HasAccuracy))
            {
                throw new InvalidOperationException(Dataset.Format(
                    "{0} monitors '{1}', which this run's epochs do not report: {2}. {3}",
                    owner, metric,
                    validation && !context.HasValidation ? "it has no validation data" : "its loss is not a classification loss",
                    validation && !context.HasValidation
                        ? "Pass FitOptions.ValidationData or ValidationSplit for the val_ metrics, or monitor another metric."
                        : "Monitor the loss instead."));
            }
        }

        /// <summary>The monitored value of <paramref name="result"/>; throws when the epoch does not have it.</summary>
        public double Read(EpochResult result)
        {
            if (result.GetMetric(Metric) is double value)
            {
                return value;
            }

            throw new InvalidOperationException(Dataset.Format(
                "{0} monitors '{1}', which epoch {2} does not report (it has {3}). Pass FitOptions.ValidationData or ValidationSplit for the val_ metrics, or monitor another metric.",
                Owner, Metric, result.Epoch, string.Join(", ", result.MetricNames())));
        }
    }
}
