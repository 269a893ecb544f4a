using System;
using System.Collections.Generic;

namespace GenNN
{
    /// <summary>
    /// The settings of a <see cref="Trainer.Fit(INetwork, Dataset, Optimizer, FitOptions?, System.Threading.CancellationToken)"/>
    /// run, with Keras' defaults (<c>model.fit(epochs=1, batch_size=32, shuffle=True, verbose=1)</c>).
    /// </summary>
    /// <example>
    /// <code>
    /// var history = Trainer.Fit(model, train, new Adam(1e-3f), new FitOptions
    /// {
    ///     Epochs = 50,
    ///     BatchSize = 64,
    ///     ValidationSplit = 0.1,
    ///     Seed = 42,
    ///     Callbacks = [new EarlyStopping { Patience = 5, RestoreBestWeights = true }],
    /// });
    /// </code>
    /// </example>
    public sealed record FitOptions
    {
        /// <summary>The default for <see cref="DivergenceFactor"/>.</summary>
        public const double DefaultDivergenceFactor = 1000;

        /// <summary>The number of passes over the training set; at least 1. Keras' default is 1.</summary>
        public int Epochs { get; init; } = 1;

        /// <summary>The samples per batch; at least 1 (a size above the sample count means one batch per epoch).</summary>
        public int BatchSize { get; init; } = 32;

        /// <summary>Visit the training samples in a new random order every epoch (Keras' default); otherwise in data set order.</summary>
        public bool Shuffle { get; init; } = true;

        /// <summary>
        /// Seeds the per-epoch shuffles and a stratified <see cref="ValidationSplit"/>, so that runs are reproducible:
        /// the same seed, network initialisation and optimizer give bit-identical parameters and the same
        /// <see cref="History"/>. <see langword="null"/> for a random order.
        /// </summary>
        public int? Seed { get; init; }

        /// <summary>
        /// The fraction of the training set, strictly between 0 and 1, held out for validation; 0 (the default) for none.
        /// As in Keras, the last <c>Count - floor(Count * (1 - ValidationSplit))</c> samples are taken, before any shuffling,
        /// unless <see cref="StratifyValidationSplit"/> is set. Cannot be combined with <see cref="ValidationData"/>.
        /// </summary>
        public double ValidationSplit { get; init; }

        /// <summary>
        /// Hold out <see cref="ValidationSplit"/> with <see cref="Dataset.Split(double, int?, bool)"/>'s stratified,
        /// <see cref="Seed"/>-ed split (each class keeps its share) instead of taking the last samples. Needs one class
        /// label per sample.
        /// </summary>
        public bool StratifyValidationSplit { get; init; }

        /// <summary>A validation set evaluated after each epoch (Keras' <c>validation_data</c>); <see langword="null"/> for none.</summary>
        public Dataset? ValidationData { get; init; }

        /// <summary>
        /// How much <see cref="Trainer.Fit(INetwork, Dataset, Optimizer, FitOptions?, System.Threading.CancellationToken)"/>
        /// reports, as Keras' <c>verbose</c>: 0 nothing; 1 (the default) a progress bar redrawn within each epoch when the
        /// output is a terminal, or one line per epoch when it is redirected; 2 one line per epoch. Reports go to
        /// <see cref="Progress"/> when it is set, otherwise to the console.
        /// </summary>
        public int Verbose { get; init; } = 1;

        /// <summary>
        /// Receives the progress reports instead of the console (e.g. a GUI's <see cref="Progress{T}"/>, or a
        /// <see cref="ConsoleProgress"/> on another <see cref="System.IO.TextWriter"/>); <see langword="null"/> for the console.
        /// Reports are made on the training thread.
        /// </summary>
        public IProgress<TrainingProgress>? Progress { get; init; }

        /// <summary>
        /// The least time between two in-epoch (<see cref="TrainingProgressKind.Batch"/>) reports; 100 ms (ten redraws a
        /// second) by default. Between reports the loop only reads the clock: no formatting, no allocation.
        /// </summary>
        public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromMilliseconds(100);

        /// <summary>Called in order at each training event (Keras' <c>callbacks</c>); empty by default.</summary>
        public IReadOnlyList<Callback> Callbacks { get; init; } = Array.Empty<Callback>();

        /// <summary>
        /// The bound on loss growth, on top of Keras' <c>TerminateOnNaN</c> (a NaN or infinite loss always stops training):
        /// after each epoch, training stops with <see cref="TrainingDivergedException"/> when the epoch's mean training loss
        /// exceeds <c>DivergenceFactor</c> times the reference loss, the loss of the run's first batch (measured before any
        /// update, so for a new network its untrained loss; the rule is off when that loss is 0). Default
        /// <see cref="DefaultDivergenceFactor"/> (1000): Adam at a learning rate of 1000 on standardized iris starts near
        /// 1.4 and exceeds 10^6 in its first epoch, while learning rates up to 10 stay under the bound.
        /// <see langword="null"/> disables the rule.
        /// </summary>
        public double? DivergenceFactor { get; init; } = DefaultDivergenceFactor;
    }
}
