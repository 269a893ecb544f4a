using System;

namespace GenNN
{
    /// <summary>
    /// Stops training when a monitored metric has stopped improving (Keras' <c>EarlyStopping</c>). Fit then returns
    /// normally, with <see cref="History.StopReason"/> <see cref="GenNN.StopReason.EarlyStopping"/> and
    /// <see cref="History.StoppedEpoch"/> the last epoch run.
    /// </summary>
    /// <remarks>
    /// <para>After each epoch: when the metric improves on the best so far by more than <see cref="MinDelta"/>, it
    /// becomes the best and the wait restarts (unless a <see cref="Baseline"/> is set and not yet beaten); otherwise
    /// the wait grows by one, and training stops once it reaches <see cref="Patience"/>. With <c>Patience = 2</c>
    /// and validation losses 1.0, 0.9, 0.95, 0.93, training stops after epoch 4.</para>
    /// <para>With <see cref="RestoreBestWeights"/>, the network ends with the parameters of its best epoch whether
    /// training stopped early, ran to the end (as in Keras 3) or diverged; the copy is taken once per improvement, never per batch.</para>
    /// </remarks>
    public sealed class EarlyStopping : Callback
    {
        private Monitor _monitor;
        private float[]? _bestParameters;
        private float[]? _bestState;
        private int _wait;

        /// <summary>The metric to watch: <c>val_loss</c> (the default), <c>val_accuracy</c>, <c>loss</c> or <c>accuracy</c>.</summary>
        public string Monitor { get; init; } = "val_loss";

        /// <summary>The least change that counts as an improvement; 0 by default.</summary>
        public double MinDelta { get; init; }

        /// <summary>The number of epochs without improvement after which training stops; 0 by default (stop at the first epoch that does not improve).</summary>
        public int Patience { get; init; }

        /// <summary>Whether lower or higher is better; <see cref="MonitorMode.Auto"/> decides from the name.</summary>
        public MonitorMode Mode { get; init; }

        /// <summary>A value the metric must beat: until it does, improvements do not restart the wait. <see langword="null"/> for none.</summary>
        public double? Baseline { get; init; }

        /// <summary>At the end of training, put back the parameters of the epoch with the best value.</summary>
        public bool RestoreBestWeights { get; init; }

        /// <summary>The best value seen in the current (or last) run.</summary>
        public double BestValue { get; private set; }

        /// <summary>The 1-based epoch that had <see cref="BestValue"/>; 0 before the first.</summary>
        public int BestEpoch { get; private set; }

        /// <summary>The 1-based epoch after which this callback stopped training; 0 if it did not.</summary>
        public int StoppedEpoch { get; private set; }

        /// <inheritdoc/>
        public override void OnTrainBegin(TrainingContext context)
        {
            if (Patience < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(Patience), Patience, "EarlyStopping: expected Patience >= 0.");
            }

            if (Baseline is double baseline && double.IsNaN(baseline))
            {
                // No value beats NaN: the wait would never restart, and training would stop as if nothing improved.
                throw new ArgumentOutOfRangeException(nameof(Baseline), baseline, "EarlyStopping: Baseline is NaN; expected a value the metric must beat, or null for none.");
            }

            _monitor = new Monitor(Monitor, Mode, MinDelta, nameof(EarlyStopping));
            _monitor.CheckReported(context);
            BestValue = _monitor.Worst;
            BestEpoch = 0;
            StoppedEpoch = 0;
            _wait = 0;
            if (RestoreBestWeights && _bestParameters?.Length != context.Network.ParameterCount)
            {
                _bestParameters = new float[context.Network.ParameterCount];
            }

            if (RestoreBestWeights && _bestState?.Length != context.Network.State.Length)
            {
                _bestState = new float[context.Network.State.Length]; // BatchNorm's running statistics go with their weights
            }
        }

        /// <inheritdoc/>
        public override void OnEpochEnd(TrainingContext context, EpochResult result)
        {
            double current = _monitor.Read(result);
            _wait++;
            if (_monitor.IsImprovement(current, BestValue))
            {
                BestValue = current;
                BestEpoch = result.Epoch;
                if (RestoreBestWeights)
                {
                    context.Network.Parameters.CopyTo(_bestParameters);
                    context.Network.State.CopyTo(_bestState);
                }

                if (Baseline is not double baseline || _monitor.IsImprovement(current, baseline))
                {
                    _wait = 0;
                }

                return;
            }

            if (_wait >= Patience && result.Epoch > 1)
            {
                StoppedEpoch = result.Epoch;
                context.StopTraining(StopReason.EarlyStopping, Baseline is double b && !_monitor.IsImprovement(BestValue, b)
                    ? Dataset.Format("{0} did not beat the baseline {1} in {2} epoch(s); best {3:0.0000} at epoch {4}.", _monitor.Metric, b, _wait, BestValue, BestEpoch)
                    : Dataset.Format("{0} did not improve for {1} epoch(s); best {2:0.0000} at epoch {3}.", _monitor.Metric, _wait, BestValue, BestEpoch));
            }
        }

        /// <inheritdoc/>
        public override void OnTrainEnd(TrainingContext context)
        {
            if (RestoreBestWeights && BestEpoch > 0)
            {
                _bestParameters.AsSpan().CopyTo(context.Network.Parameters);
                _bestState.AsSpan().CopyTo(context.Network.State);
            }
        }
    }
}
