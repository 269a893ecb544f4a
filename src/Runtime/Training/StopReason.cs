namespace GenNN
{
    /// <summary>Why a <see cref="Trainer.Fit(INetwork, Dataset, Optimizer, FitOptions?, System.Threading.CancellationToken)"/> run ended; see <see cref="History.StopReason"/>.</summary>
    public enum StopReason
    {
        /// <summary>Training is still running (the history of a run in progress, as callbacks see it).</summary>
        None = 0,

        /// <summary>Every requested epoch ran.</summary>
        Completed,

        /// <summary>An <see cref="EarlyStopping"/> callback stopped training: the monitored metric stopped improving.</summary>
        EarlyStopping,

        /// <summary>Another callback asked to stop through <see cref="TrainingContext.StopTraining(string)"/>.</summary>
        CallbackRequest,

        /// <summary>The loss became non-finite or grew past <see cref="FitOptions.DivergenceFactor"/>; <see cref="TrainingDivergedException"/> was thrown.</summary>
        Diverged,

        /// <summary>The cancellation token was cancelled; <see cref="TrainingCanceledException"/> was thrown.</summary>
        Canceled,
    }
}
