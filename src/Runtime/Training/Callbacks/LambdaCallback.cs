using System;

namespace GenNN
{
    /// <summary>A callback made of delegates (Keras' <c>LambdaCallback</c>), e.g. <c>new LambdaCallback(onEpochEnd: Console.WriteLine)</c>.</summary>
    public sealed class LambdaCallback : Callback
    {
        private readonly Action<TrainingContext>? _onTrainBegin;
        private readonly Action<EpochResult>? _onEpochEnd;
        private readonly Action<BatchResult>? _onBatchEnd;
        private readonly Action<History>? _onTrainEnd;

        /// <summary>Creates a callback from the delegates given; the others do nothing.</summary>
        /// <param name="onEpochEnd">Called after each epoch with its metrics.</param>
        /// <param name="onBatchEnd">Called after each batch (keep it cheap: it runs for every batch).</param>
        /// <param name="onTrainBegin">Called before the first epoch.</param>
        /// <param name="onTrainEnd">Called after the last epoch, with the history that says why training ended.</param>
        public LambdaCallback(
            Action<EpochResult>? onEpochEnd = null,
            Action<BatchResult>? onBatchEnd = null,
            Action<TrainingContext>? onTrainBegin = null,
            Action<History>? onTrainEnd = null)
        {
            _onEpochEnd = onEpochEnd;
            _onBatchEnd = onBatchEnd;
            _onTrainBegin = onTrainBegin;
            _onTrainEnd = onTrainEnd;
        }

        /// <inheritdoc/>
        public override void OnTrainBegin(TrainingContext context) => _onTrainBegin?.Invoke(context);

        /// <inheritdoc/>
        public override void OnEpochEnd(TrainingContext context, EpochResult result) => _onEpochEnd?.Invoke(result);

        /// <inheritdoc/>
        public override void OnBatchEnd(TrainingContext context, BatchResult result) => _onBatchEnd?.Invoke(result);

        /// <inheritdoc/>
        public override void OnTrainEnd(TrainingContext context) => _onTrainEnd?.Invoke(context.History);
    }
}
