using System;

namespace GenNN
{
    /// <summary>What a <see cref="TrainingProgress"/> report is about.</summary>
    public enum TrainingProgressKind
    {
        /// <summary>An epoch is about to start (verbosity 1 only).</summary>
        EpochBegin,

        /// <summary>Within an epoch: batches done so far and the running metrics (verbosity 1 only, at most once per <see cref="FitOptions.ProgressInterval"/>).</summary>
        Batch,

        /// <summary>An epoch has ended; <see cref="TrainingProgress.Result"/> holds its metrics.</summary>
        EpochEnd,

        /// <summary>The run has ended, normally or not; <see cref="TrainingProgress.History"/> says why.</summary>
        TrainEnd,
    }

    /// <summary>
    /// One progress report of <see cref="Trainer.Fit(INetwork, Dataset, Optimizer, FitOptions?, System.Threading.CancellationToken)"/>,
    /// sent to <see cref="FitOptions.Progress"/> (or to a <see cref="ConsoleProgress"/> by default). A value type: making
    /// a report allocates nothing.
    /// </summary>
    public readonly struct TrainingProgress
    {
        /// <summary>What the report is about.</summary>
        public TrainingProgressKind Kind { get; init; }

        /// <summary>The 1-based epoch (for <see cref="TrainingProgressKind.TrainEnd"/>, the last one run).</summary>
        public int Epoch { get; init; }

        /// <summary>The number of epochs requested.</summary>
        public int Epochs { get; init; }

        /// <summary>The batches of <see cref="Epoch"/> done so far (all of them at <see cref="TrainingProgressKind.EpochEnd"/>).</summary>
        public int Batch { get; init; }

        /// <summary>The number of batches per epoch.</summary>
        public int Batches { get; init; }

        /// <summary>The mean training loss over the batches done so far in this epoch, weighted by batch size.</summary>
        public double Loss { get; init; }

        /// <summary>The training accuracy over the batches done so far in this epoch, for classification; otherwise <see langword="null"/>.</summary>
        public double? Accuracy { get; init; }

        /// <summary>The time since the epoch began.</summary>
        public TimeSpan Elapsed { get; init; }

        /// <summary>The estimated time to the end of the epoch's batches, from the pace so far (validation not included).</summary>
        public TimeSpan Eta => Batch <= 0 || Batch >= Batches ? TimeSpan.Zero : Elapsed * ((double)(Batches - Batch) / Batch);

        /// <summary>The epoch's metrics, at <see cref="TrainingProgressKind.EpochEnd"/>; otherwise <see langword="null"/>.</summary>
        public EpochResult? Result { get; init; }

        /// <summary>The run's history (still growing until <see cref="TrainingProgressKind.TrainEnd"/>).</summary>
        public History? History { get; init; }
    }
}
