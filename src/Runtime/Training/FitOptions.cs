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
        /// update, so for a new network its untrained loss; the first batch with a sample weight above 0, when
        /// <see cref="SampleWeights"/> or <see cref="ClassWeights"/> zero out whole batches), counted as at least 0.001: a network that starts almost
        /// perfect, when fine-tuning, may rise from 1e-8 to 0.002 without diverging. Default
        /// <see cref="DefaultDivergenceFactor"/> (1000): Adam at a learning rate of 1000 on standardized iris starts near
        /// 1.4 and exceeds 10^6 in its first epoch, while learning rates up to 10 stay under the bound.
        /// <see langword="null"/> disables the rule.
        /// </summary>
        public double? DivergenceFactor { get; init; } = DefaultDivergenceFactor;

        /// <summary>
        /// A weight per sample of the training set given to <c>Fit</c> (Keras' <c>sample_weight</c>), in its row order: each
        /// sample's loss and gradient are multiplied by its weight, and a batch's loss is <c>sum(w_i * loss_i) / batchSize</c>.
        /// Each weight must be finite and at least 0. With a <see cref="ValidationSplit"/>, the held-out rows' weights are
        /// not used (validation metrics are unweighted, as in <see cref="Trainer.Evaluate"/>). Empty (the default) for
        /// all 1. The weights are copied when training starts.
        /// </summary>
        public ReadOnlyMemory<float> SampleWeights { get; init; }

        /// <summary>
        /// A weight per class (Keras' <c>class_weight</c>), e.g. <c>new Dictionary&lt;int, float&gt; { [0] = 1f, [1] = 5f }</c>
        /// to count the rare class 1 five times: every sample's weight is multiplied by its class's weight; classes not
        /// listed weigh 1. The class of a sample is its label for <see cref="Loss.SoftmaxCrossEntropy"/>, the rounded target
        /// (0 or 1) for <see cref="Loss.BinaryCrossEntropy"/>, and the largest target for
        /// <see cref="Loss.CategoricalCrossEntropy"/>. Classification losses only. Combines with <see cref="SampleWeights"/>
        /// by multiplication, as in Keras.
        /// </summary>
        public IReadOnlyDictionary<int, float>? ClassWeights { get; init; }

        /// <summary>
        /// The most threads each training step (and each validation PredictBatch) uses, as <see cref="Parallelism.MaxDegreeOfParallelism"/>
        /// but for this run only, over the network's own <c>MaxDegreeOfParallelism</c>. <see langword="null"/> (the default)
        /// keeps those settings: all cores for batches large enough to gain. 1 pins training to the calling thread, for
        /// results that do not depend on the machine's core count even in theory. The weights are the same bits for every
        /// value, and the loss at most in its last bit, with one exception (approximated activations on widths that are not
        /// a multiple of 4: see <see cref="Parallelism"/>).
        /// </summary>
        public int? MaxDegreeOfParallelism { get; init; }
    }
}
