using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Numerics.Tensors;
using System.Threading;

namespace GenNN
{
    /// <summary>
    /// The training loop (Keras' <c>fit</c> and <c>evaluate</c>) for any <see cref="INetwork"/> and <see cref="Optimizer"/>.
    /// </summary>
    /// <remarks>
    /// <para>Training is deterministic: with a fixed <c>seed</c>, the same network initialisation and the same optimizer
    /// settings, <c>Fit</c> produces bit-identical parameters on every run on the same machine. Buffers are
    /// allocated once per call; the per-batch loop allocates nothing.</para>
    /// <para><c>Fit</c> never returns or leaves NaN or infinite parameters. It checks every batch's loss before
    /// applying the optimizer step (the step for a non-finite loss is not applied), and it copies the parameters before
    /// each step and scans them after it (together about 3% of a 784-64-64-10 batch-64 TrainBatch): a step that makes
    /// any parameter non-finite is undone from that copy. Either way it then throws <see cref="TrainingDivergedException"/>
    /// and the network holds its last finite parameters. The optimizer's own state (momentum, Adam's moments) is not
    /// rolled back: call <see cref="Optimizer.Reset"/> or use a new optimizer before training again. A non-finite
    /// validation loss after an epoch also stops training; the parameters, finite, are those after that epoch. So does an
    /// epoch whose training loss exceeds <see cref="FitOptions.DivergenceFactor"/> times the run's first batch loss.
    /// Last finite is not always good: a loss that grew over several batches before it became NaN leaves parameters
    /// that had diverged already (the message says so). Divergence ends the run for the callbacks too
    /// (<see cref="Callback.OnTrainEnd"/> runs before the exception), so an <see cref="EarlyStopping"/> with
    /// <see cref="EarlyStopping.RestoreBestWeights"/> puts its best epoch's parameters back.</para>
    /// </remarks>
    public static partial class Trainer
    {
        /// <summary>The batch size <see cref="Evaluate"/> and <see cref="Predict(INetwork, Dataset, int)"/> use by default, and <c>Fit</c> uses for validation.</summary>
        public const int DefaultEvaluationBatchSize = 256;

        /// <summary>
        /// Trains <paramref name="network"/> on <paramref name="train"/> for <paramref name="epochs"/> epochs of mini-batch
        /// gradient descent, printing nothing: the original signature, kept for existing code. It runs
        /// <see cref="Fit(INetwork, Dataset, Optimizer, FitOptions?, CancellationToken)"/> with <see cref="FitOptions.Verbose"/> = 0
        /// and <paramref name="onEpoch"/> as a callback.
        /// </summary>
        /// <param name="network">The network to train; its parameters are updated in place.</param>
        /// <param name="train">The training set; its feature count must be the network's <see cref="INetwork.InputSize"/> and
        /// its target size the network's <see cref="INetwork.TargetSize"/>.</param>
        /// <param name="optimizer">The optimizer; its state carries over if <c>Fit</c> is called again.</param>
        /// <param name="epochs">The number of passes over <paramref name="train"/>; at least 1.</param>
        /// <param name="batchSize">The samples per batch; at least 1 (a size above the sample count means one batch per epoch).</param>
        /// <param name="validation">An optional set evaluated after each epoch, as <see cref="Evaluate"/> does.</param>
        /// <param name="seed">Seeds the per-epoch shuffles so that runs are reproducible; <see langword="null"/> for a random order.</param>
        /// <param name="shuffle">Visit the training samples in a new random order every epoch (Keras' default); otherwise in data set order.</param>
        /// <param name="onEpoch">Called after each epoch with its metrics, e.g. <c>r =&gt; Console.WriteLine(r)</c>.</param>
        /// <param name="cancellationToken">Checked before every batch.</param>
        /// <returns>The metrics of every epoch.</returns>
        /// <exception cref="ArgumentException">A data set is empty, does not match the network's sizes, or holds a label the
        /// network's loss cannot take (the message names the row).</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="epochs"/> or <paramref name="batchSize"/> is less than 1.</exception>
        /// <exception cref="TrainingDivergedException">Training diverged; see the other overload.</exception>
        /// <exception cref="TrainingCanceledException"><paramref name="cancellationToken"/> was cancelled (an <see cref="OperationCanceledException"/>).</exception>
        public static History Fit(
            INetwork network,
            Dataset train,
            Optimizer optimizer,
            int epochs,
            int batchSize = 32,
            Dataset? validation = null,
            int? seed = null,
            bool shuffle = true,
            Action<EpochResult>? onEpoch = null,
            CancellationToken cancellationToken = default)
        {
            if (epochs < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(epochs), epochs, "Expected at least 1 epoch.");
            }

            if (batchSize < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "Expected a batch size of at least 1.");
            }

            var options = new FitOptions
            {
                Epochs = epochs,
                BatchSize = batchSize,
                ValidationData = validation,
                Seed = seed,
                Shuffle = shuffle,
                Verbose = 0,
                Callbacks = onEpoch is null ? Array.Empty<Callback>() : new Callback[] { new LambdaCallback(onEpochEnd: onEpoch) },
            };
            return FitCore(network, train, optimizer, options, nameof(validation), cancellationToken);
        }

        /// <summary>
        /// Trains <paramref name="network"/> on <paramref name="train"/> (Keras' <c>model.fit</c>): for each of
        /// <see cref="FitOptions.Epochs"/> epochs, each batch runs <see cref="INetwork.TrainBatch(System.ReadOnlySpan{float}, System.ReadOnlySpan{float}, int)"/>
        /// then <see cref="Optimizer.Step"/> on <see cref="INetwork.Parameters"/>, fused into one pass where the network and the
        /// optimizer allow (<see cref="INetwork.TrainOnBatch(System.ReadOnlySpan{float}, System.ReadOnlySpan{float}, System.ReadOnlySpan{float}, int, Optimizer, System.Span{float})"/>,
        /// bit-identical to the two calls); after each epoch the validation set (if
        /// any) is evaluated, the epoch is added to the <see cref="History"/>, reported (<see cref="FitOptions.Verbose"/>)
        /// and passed to the <see cref="FitOptions.Callbacks"/>.
        /// </summary>
        /// <param name="network">The network to train; its parameters are updated in place.</param>
        /// <param name="train">The training set (a <see cref="FitOptions.ValidationSplit"/> is taken from it); its feature count
        /// must be the network's <see cref="INetwork.InputSize"/> and its target size the network's <see cref="INetwork.TargetSize"/>.</param>
        /// <param name="optimizer">The optimizer; its state carries over if <c>Fit</c> is called again.</param>
        /// <param name="options">The settings; <see langword="null"/> for Keras' defaults (1 epoch, batches of 32, shuffled, progress printed).</param>
        /// <param name="cancellationToken">Checked before every batch.</param>
        /// <returns>
        /// The metrics of every epoch. Training that a callback stopped (e.g. <see cref="EarlyStopping"/>) returns normally:
        /// <see cref="History.StopReason"/> and <see cref="History.StoppedEpoch"/> say why and when.
        /// </returns>
        /// <exception cref="ArgumentException">A data set is empty, does not match the network's sizes, or holds a label the
        /// network's loss cannot take (the message names the row); both a validation split and validation data were given.</exception>
        /// <exception cref="ArgumentOutOfRangeException">An option is outside its range (the message names it).</exception>
        /// <exception cref="TrainingDivergedException">The training loss or the validation loss became NaN or infinite, an
        /// optimizer step made a parameter NaN or infinite (usually a learning rate that is too high), or an epoch's training
        /// loss exceeded <see cref="FitOptions.DivergenceFactor"/> times the first batch's. The exception carries the
        /// <see cref="History"/> so far, the epoch, the batch and the loss; the network keeps finite parameters.</exception>
        /// <exception cref="TrainingCanceledException"><paramref name="cancellationToken"/> was cancelled; an
        /// <see cref="OperationCanceledException"/> that carries the <see cref="History"/> of the completed epochs.</exception>
        public static History Fit(INetwork network, Dataset train, Optimizer optimizer, FitOptions? options = null, CancellationToken cancellationToken = default)
            => FitCore(network, train, optimizer, options ?? new FitOptions(), "options.ValidationData", cancellationToken);

        private static History FitCore(INetwork network, Dataset train, Optimizer optimizer, FitOptions options, string validationName, CancellationToken cancellationToken)
        {
            ArgumentNullException.ThrowIfNull(network);
            ArgumentNullException.ThrowIfNull(optimizer);
            CheckData(network, train, nameof(train));
            CheckOptions(options);
            if (options.ValidationData is not null)
            {
                CheckData(network, options.ValidationData, validationName);
            }

            if (optimizer.ParameterCount != 0 && optimizer.ParameterCount != network.ParameterCount)
            {
                throw new ArgumentException(
                    Dataset.Format("The optimizer holds state for {0} parameters but the network has {1}. Use one optimizer per network, or call Reset() first.",
                        optimizer.ParameterCount, network.ParameterCount),
                    nameof(optimizer));
            }

            var (fitData, trainRows, validation) = SplitValidation(train, options);
            float[]? rowWeights = RowWeights(network, train, fitData, options, trainRows);
            int epochs = options.Epochs;
            int size = Math.Min(options.BatchSize, fitData.Count);
            if (size < network.MinTrainingBatchSize)
            {
                throw new ArgumentException(
                    Dataset.Format("Batches of {0} sample(s) cannot train this network: it has a BatchNorm layer after a Dense layer, which normalises each feature over the batch and needs at least {1} samples (PyTorch rejects such batches too). Use a BatchSize of {1} or more{2}.",
                        size, network.MinTrainingBatchSize, fitData.Count < network.MinTrainingBatchSize ? " and more training samples" : ""),
                    nameof(options));
            }

            var loader = new BatchLoader(fitData, size, options.Shuffle, options.Seed is int s ? new Random(s) : new Random());
            float[]? batchWeights = rowWeights is null ? null : new float[size];
            if (options.Seed is int dropoutSeed)
            {
                // The same seed gives the same dropout masks as well as the same shuffles.
                network.SeedDropout((ulong)(uint)dropoutSeed);
            }

            bool classification = IsClassification(network.Loss);
            int outputSize = network.OutputSize;
            float[]? outputs = classification ? new float[size * outputSize] : null;
            Evaluator? validator = validation is null ? null : new Evaluator(network, validation.Count, DefaultEvaluationBatchSize);
            var history = new History();
            var context = new TrainingContext(network, optimizer, options, history, loader.BatchCount)
            {
                HasValidation = validation is not null,
                HasAccuracy = classification,
            };
            Callback[] callbacks = options.Callbacks.ToArray();
            IProgress<TrainingProgress>? progress = options.Verbose == 0 ? null : options.Progress ?? new ConsoleProgress();
            bool batchReports = progress is not null && options.Verbose == 1;
            long reportInterval = (long)(options.ProgressInterval.TotalSeconds * Stopwatch.Frequency);
            // The loss of the run's first batch, before any update: the reference of the divergence bound.
            double referenceLoss = double.NaN;
            // The last finite batch loss of the run: a non-finite loss after a loss far above the reference means the
            // parameters Fit keeps had diverged already, which the message then says.
            double lastLoss = double.NaN;
            // The parameters before each step, restored if the step makes any of them NaN or infinite. The optimizer copies
            // each range just before it steps it (Optimizer.ArmBackup); until a batch has shown that every parameter moves
            // through the optimizer's steps (a network of one's own might move some itself), Fit also copies them all first.
            var beforeStep = new float[network.ParameterCount];
            bool optimizerStepsAll = false;
            var stateBeforeStep = new float[network.State.Length]; // BatchNorm's running statistics, which the batch moves
            int epoch = 0;
            // FitOptions.MaxDegreeOfParallelism holds for every TrainBatch and PredictBatch on this thread until Fit returns.
            int previousDegree = Parallelism.SetOverride(options.MaxDegreeOfParallelism);

            try
            {
                foreach (Callback callback in callbacks)
                {
                    callback.OnTrainBegin(context);
                }

                for (epoch = 1; epoch <= epochs && !context.StopRequested; epoch++)
                {
                    context.Epoch = epoch;
                    context.Batch = 0;
                    foreach (Callback callback in callbacks)
                    {
                        callback.OnEpochBegin(context);
                    }

                    if (batchReports)
                    {
                        progress!.Report(new TrainingProgress { Kind = TrainingProgressKind.EpochBegin, Epoch = epoch, Epochs = epochs, Batches = loader.BatchCount, History = history });
                    }

                    long started = Stopwatch.GetTimestamp();
                    long nextReport = started + reportInterval;
                    double lossSum = 0;
                    long correct = 0;
                    int seen = 0, done = 0;
                    foreach (Batch batch in loader)
                    {
                        if (context.StopRequested)
                        {
                            break;
                        }

                        if (cancellationToken.IsCancellationRequested)
                        {
                            throw new TrainingCanceledException(
                                Dataset.Format("Training was canceled before batch {0} of epoch {1}; the History holds the {2} completed epoch(s).",
                                    batch.Index + 1, epoch, history.Epochs.Count),
                                history, epoch, batch.Index + 1, cancellationToken);
                        }

                        if (batch.Count < network.MinTrainingBatchSize)
                        {
                            // An epoch's last batch of one sample, which a BatchNorm after a Dense layer cannot normalise:
                            // skipped, as PyTorch's drop_last would (the shuffle gives that sample a batch next epoch).
                            continue;
                        }

                        context.Batch = batch.Index + 1;
                        for (int c = 0; c < callbacks.Length; c++)
                        {
                            callbacks[c].OnBatchBegin(context);
                        }

                        // Keras reports training accuracy on each batch's outputs before that batch's update:
                        // TrainBatch hands them back from its own forward pass.
                        Span<float> batchOutputs = outputs is null ? default : outputs.AsSpan(0, batch.Count * outputSize);
                        ReadOnlySpan<float> sampleWeights = default;
                        if (batchWeights is not null)
                        {
                            ReadOnlySpan<int> rows = batch.Rows;
                            for (int r = 0; r < rows.Length; r++)
                            {
                                batchWeights[r] = rowWeights![rows[r]];
                            }

                            sampleWeights = batchWeights.AsSpan(0, batch.Count);
                        }

                        // The gradient and the optimizer step in one call: generated networks step each slice of the
                        // parameters as soon as its gradients are complete (bit-identical to TrainBatch then Step) unless
                        // gradient clipping needs every gradient first. A NaN or infinite loss applies no step.
                        Span<float> parameters = network.Parameters;
                        bool copiedAll = !optimizerStepsAll;
                        if (copiedAll)
                        {
                            parameters.CopyTo(beforeStep);
                        }

                        network.State.CopyTo(stateBeforeStep);
                        float loss;
                        int backedUp;
                        bool nonFiniteStep;
                        optimizer.ArmBackup(copiedAll ? null : beforeStep);
                        try
                        {
                            loss = network.TrainOnBatch(batch.Features, batch.Targets, sampleWeights, batch.Count, optimizer, batchOutputs);
                        }
                        finally
                        {
                            (backedUp, nonFiniteStep) = optimizer.DisarmBackup();
                        }

                        // Every parameter went through the optimizer's step (copied first), or none did (a NaN loss
                        // applies no step, and a generated network moves its parameters only by its optimizer).
                        bool wholeStep = backedUp == parameters.Length;
                        bool haveCopy = copiedAll || wholeStep; // beforeStep holds every parameter from before the batch
                        if (float.IsFinite(loss))
                        {
                            optimizerStepsAll = wholeStep;
                        }

                        if (outputs is not null)
                        {
                            correct += CountCorrect(network.Loss, batchOutputs, batch.Targets, batch.Count, outputSize);
                        }

                        if (!float.IsFinite(loss))
                        {
                            // Only an L1/L2 penalty that overflows after the step has begun can leave a step applied here.
                            if (haveCopy)
                            {
                                beforeStep.AsSpan().CopyTo(parameters);
                            }

                            ThrowIfUnrestorable(haveCopy || backedUp == 0, epoch, batch.Index + 1, loss, history); // no step: nothing moved
                            stateBeforeStep.AsSpan().CopyTo(network.State);
                            throw new TrainingDivergedException(
                                Dataset.Format(
                                    "The training loss became {0} in epoch {1}, batch {2}. That batch's optimizer step was not applied: the network keeps the parameters it had before it{3}. Lower the learning rate (now {4}) or standardize the features.",
                                    loss, epoch, batch.Index + 1, DivergedAlready(lastLoss, referenceLoss, options), optimizer.LearningRate),
                                history, epoch, batch.Index + 1, loss);
                        }

                        if (wholeStep ? nonFiniteStep : !Kernels.Guard.AllFinite(parameters))
                        {
                            ThrowIfUnrestorable(haveCopy, epoch, batch.Index + 1, loss, history);
                            beforeStep.AsSpan().CopyTo(parameters);
                            stateBeforeStep.AsSpan().CopyTo(network.State);
                            throw new TrainingDivergedException(
                                Dataset.Format(
                                    "The optimizer step of epoch {0}, batch {1} (loss {2}) made parameters NaN or infinite; they were restored to their finite values before that step. Lower the learning rate (now {3}) or standardize the features.",
                                    epoch, batch.Index + 1, loss, optimizer.LearningRate),
                                history, epoch, batch.Index + 1, loss);
                        }

                        // A batch whose weights are all 0 (padded or masked rows first, a class weighted 0) has a loss of
                        // 0 that says nothing about the network: the reference is the first batch that counts.
                        if (double.IsNaN(referenceLoss) && (sampleWeights.IsEmpty || TensorPrimitives.Max(sampleWeights) > 0f))
                        {
                            referenceLoss = loss;
                        }

                        lastLoss = loss;

                        lossSum += (double)loss * batch.Count;
                        seen += batch.Count;
                        done++;
                        if (callbacks.Length > 0)
                        {
                            var batchResult = new BatchResult(epoch, batch.Index + 1, batch.Count, loss);
                            for (int c = 0; c < callbacks.Length; c++)
                            {
                                callbacks[c].OnBatchEnd(context, batchResult);
                            }
                        }

                        context.Step++;
                        if (batchReports)
                        {
                            // One clock read per batch; formatting happens only at a redraw.
                            long now = Stopwatch.GetTimestamp();
                            if (now >= nextReport)
                            {
                                nextReport = now + reportInterval;
                                progress!.Report(new TrainingProgress
                                {
                                    Kind = TrainingProgressKind.Batch,
                                    Epoch = epoch,
                                    Epochs = epochs,
                                    Batch = done,
                                    Batches = loader.BatchCount,
                                    Loss = lossSum / seen,
                                    Accuracy = classification ? (double)correct / seen : null,
                                    Elapsed = Stopwatch.GetElapsedTime(started, now),
                                    History = history,
                                });
                            }
                        }
                    }

                    context.Batch = 0;
                    if (seen == 0)
                    {
                        // A callback stopped training in OnEpochBegin: no batch ran, there is no epoch to record.
                        break;
                    }

                    float learningRate = optimizer.LearningRate;
                    EvaluationResult? validationResult = validator?.Run(network, validation!);
                    var result = new EpochResult
                    {
                        Epoch = epoch,
                        Epochs = epochs,
                        Loss = lossSum / seen,
                        Accuracy = classification ? (double)correct / seen : null,
                        ValidationLoss = validationResult?.Loss,
                        ValidationAccuracy = validationResult?.Accuracy,
                        Elapsed = Stopwatch.GetElapsedTime(started),
                        LearningRate = learningRate,
                    };
                    history.Add(result);
                    progress?.Report(new TrainingProgress
                    {
                        Kind = TrainingProgressKind.EpochEnd,
                        Epoch = epoch,
                        Epochs = epochs,
                        Batch = done,
                        Batches = loader.BatchCount,
                        Loss = result.Loss,
                        Accuracy = result.Accuracy,
                        Elapsed = result.Elapsed,
                        Result = result,
                        History = history,
                    });
                    foreach (Callback callback in callbacks)
                    {
                        callback.OnEpochEnd(context, result);
                    }

                    if (validationResult is { Loss: double validationLoss } && !double.IsFinite(validationLoss))
                    {
                        throw new TrainingDivergedException(
                            Dataset.Format(
                                "The validation loss became {0} after epoch {1}; training stopped. The network keeps its parameters after that epoch (all finite). Lower the learning rate (now {2}) or standardize the features.",
                                validationLoss, epoch, optimizer.LearningRate),
                            history, epoch, null, validationLoss);
                    }

                    if (options.DivergenceFactor is double factor && result.Loss > DivergenceBound(factor, referenceLoss))
                    {
                        throw new TrainingDivergedException(
                            Dataset.Format(
                                "The training loss of epoch {0} was {1:G4}, more than {2} times the loss of the run's first batch ({3:G4}{4}): training diverged and was stopped. The network keeps its (finite) parameters after that epoch. Lower the learning rate (now {5}) or standardize the features; FitOptions.DivergenceFactor sets or disables this bound.",
                                epoch, result.Loss, factor, referenceLoss, referenceLoss < MinReferenceLoss ? Dataset.Format(", counted as {0}", MinReferenceLoss) : string.Empty, optimizer.LearningRate),
                            history, epoch, null, result.Loss);
                    }
                }

                history.StopReason = context.StopReason == StopReason.None ? StopReason.Completed : context.StopReason;
                history.StopMessage = context.StopMessage;
                history.StoppedEpoch = history.Epochs.Count;
                EndCallbacks(callbacks, context);
                return history;
            }
            catch (TrainingDivergedException e) when (ReferenceEquals(e.History, history))
            {
                history.StopReason = StopReason.Diverged;
                history.StopMessage = e.Message;
                history.StoppedEpoch = e.Epoch;

                // Divergence ends the run as Keras' TerminateOnNaN does, so the callbacks see its end: an EarlyStopping
                // with RestoreBestWeights puts its best epoch's parameters back.
                EndCallbacks(callbacks, context);
                throw;
            }
            catch (TrainingCanceledException e) when (ReferenceEquals(e.History, history))
            {
                history.StopReason = StopReason.Canceled;
                history.StopMessage = e.Message;
                history.StoppedEpoch = e.Epoch;
                throw;
            }
            finally
            {
                Parallelism.RestoreOverride(previousDegree);
                progress?.Report(new TrainingProgress
                {
                    Kind = TrainingProgressKind.TrainEnd,
                    Epoch = history.Epochs.Count,
                    Epochs = epochs,
                    Batches = loader.BatchCount,
                    History = history,
                });
            }
        }

        /// <summary>The end of a run, completed, stopped by a callback or diverged: every callback's <see cref="Callback.OnTrainEnd"/>.</summary>
        private static void EndCallbacks(Callback[] callbacks, TrainingContext context)
        {
            foreach (Callback callback in callbacks)
            {
                callback.OnTrainEnd(context);
            }
        }

        /// <summary>
        /// The smallest reference loss of the divergence bound: a network that starts almost perfect (fine-tuning, an
        /// easy first batch) may rise from 1e-8 to 0.002 without diverging.
        /// </summary>
        private const double MinReferenceLoss = 1e-3;

        /// <summary>The loss above which an epoch diverged: <paramref name="factor"/> times the first batch's loss, at least <see cref="MinReferenceLoss"/>; infinite before the first batch.</summary>
        private static double DivergenceBound(double factor, double referenceLoss)
            => double.IsNaN(referenceLoss) ? double.PositiveInfinity : factor * Math.Max(referenceLoss, MinReferenceLoss);

        /// <summary>
        /// Says, for a failure message, that the kept parameters had diverged already: the batch before the failure had a
        /// loss past the divergence bound (or a thousand times the first batch's when the bound is off). Empty otherwise.
        /// </summary>
        private static string DivergedAlready(double lastLoss, double referenceLoss, FitOptions options)
        {
            double factor = options.DivergenceFactor ?? FitOptions.DefaultDivergenceFactor;
            return lastLoss > DivergenceBound(factor, referenceLoss)
                ? Dataset.Format(
                    " (finite, but diverged already: the batch before had a loss of {0:G4} against the first batch's {1:G4}; EarlyStopping with RestoreBestWeights or a ModelCheckpoint keeps a good epoch's parameters)",
                    lastLoss, referenceLoss)
                : string.Empty;
        }

        private static void CheckOptions(FitOptions options)
        {
            if (options.Epochs < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(options), options.Epochs, "Expected FitOptions.Epochs of at least 1.");
            }

            if (options.BatchSize < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(options), options.BatchSize, "Expected FitOptions.BatchSize of at least 1.");
            }

            if (!(options.ValidationSplit >= 0 && options.ValidationSplit < 1))
            {
                throw new ArgumentOutOfRangeException(nameof(options), options.ValidationSplit, "Expected FitOptions.ValidationSplit in [0, 1): the fraction of the training set held out for validation.");
            }

            if (options.ValidationSplit > 0 && options.ValidationData is not null)
            {
                throw new ArgumentException("FitOptions has both a ValidationSplit and ValidationData; give one of them.", nameof(options));
            }

            if (options.StratifyValidationSplit && options.ValidationSplit == 0)
            {
                throw new ArgumentException("FitOptions.StratifyValidationSplit is set but ValidationSplit is 0; give the fraction to hold out.", nameof(options));
            }

            if (options.MaxDegreeOfParallelism is int degree)
            {
                Parallelism.Check(degree, nameof(options) + "." + nameof(FitOptions.MaxDegreeOfParallelism));
            }

            if (options.Verbose is < 0 or > 2)
            {
                throw new ArgumentOutOfRangeException(nameof(options), options.Verbose, "Expected FitOptions.Verbose 0 (silent), 1 (progress bar) or 2 (one line per epoch).");
            }

            if (options.ProgressInterval < TimeSpan.Zero)
            {
                throw new ArgumentOutOfRangeException(nameof(options), options.ProgressInterval, "Expected a FitOptions.ProgressInterval of zero or more.");
            }

            if (options.DivergenceFactor is double factor && !(factor > 1 && double.IsFinite(factor)))
            {
                throw new ArgumentOutOfRangeException(nameof(options), factor, "Expected FitOptions.DivergenceFactor finite and above 1, or null to disable the bound.");
            }

            ArgumentNullException.ThrowIfNull(options.Callbacks, "options.Callbacks");
            for (int i = 0; i < options.Callbacks.Count; i++)
            {
                if (options.Callbacks[i] is null)
                {
                    throw new ArgumentException(Dataset.Format("FitOptions.Callbacks[{0}] is null.", i), nameof(options));
                }
            }
        }

        /// <summary>The training and validation sets for <paramref name="options"/>: Keras' split takes the last samples, the stratified one is seeded.</summary>
        /// <summary>The rows trained on (and their rows in <paramref name="train"/>, <see langword="null"/> for all in order) and the validation set.</summary>
        private static (Dataset Train, int[]? TrainRows, Dataset? Validation) SplitValidation(Dataset train, FitOptions options)
        {
            double fraction = options.ValidationSplit;
            if (fraction == 0)
            {
                return (train, null, options.ValidationData);
            }

            if (options.StratifyValidationSplit)
            {
                var (fitRows, validationRows) = train.SplitRows(fraction, options.Seed, stratify: true);
                return (train.Subset(fitRows), fitRows, train.Subset(validationRows));
            }

            // Keras: split_at = int(num_samples * (1 - validation_split)); train = [:split_at], validation = [split_at:].
            int splitAt = (int)Math.Floor(train.Count * (1.0 - fraction));
            if (splitAt <= 0 || splitAt >= train.Count)
            {
                throw new ArgumentException(
                    Dataset.Format("FitOptions.ValidationSplit = {0} of {1} samples leaves the {2} set empty.",
                        fraction, train.Count, splitAt <= 0 ? "training" : "validation"),
                    "options");
            }

            int[] rows = new int[train.Count];
            for (int i = 0; i < rows.Length; i++)
            {
                rows[i] = i;
            }

            return (train.Subset(rows.AsSpan(0, splitAt)), null, train.Subset(rows.AsSpan(splitAt)));
        }

        /// <summary>
        /// Each trained row's weight, <see cref="FitOptions.SampleWeights"/> times <see cref="FitOptions.ClassWeights"/>, in the
        /// order of <paramref name="fitData"/> (the first rows of <paramref name="train"/>, or its <paramref name="trainRows"/>);
        /// <see langword="null"/> when neither is given.
        /// </summary>
        private static float[]? RowWeights(INetwork network, Dataset train, Dataset fitData, FitOptions options, int[]? trainRows)
        {
            ReadOnlySpan<float> sampleWeights = options.SampleWeights.Span;
            IReadOnlyDictionary<int, float>? classWeights = options.ClassWeights;
            if (sampleWeights.IsEmpty && classWeights is null)
            {
                return null;
            }

            if (!sampleWeights.IsEmpty)
            {
                if (sampleWeights.Length != train.Count)
                {
                    throw new ArgumentException(
                        Dataset.Format("FitOptions.SampleWeights holds {0} weights; expected one per training sample ({1}).", sampleWeights.Length, train.Count),
                        "options");
                }

                for (int i = 0; i < sampleWeights.Length; i++)
                {
                    if (!(sampleWeights[i] >= 0 && float.IsFinite(sampleWeights[i])))
                    {
                        throw new ArgumentException(
                            Dataset.Format("FitOptions.SampleWeights[{0}] is {1}; expected a finite weight of at least 0.", i, sampleWeights[i]),
                            "options");
                    }
                }
            }

            int classes = network.Loss == Loss.BinaryCrossEntropy ? 2 : network.OutputSize;
            if (classWeights is not null)
            {
                if (!IsClassification(network.Loss))
                {
                    throw new ArgumentException(
                        Dataset.Format("FitOptions.ClassWeights needs a classification loss; this network is trained on {0}. Use SampleWeights instead.", network.Loss),
                        "options");
                }

                foreach (KeyValuePair<int, float> pair in classWeights)
                {
                    if (pair.Key < 0 || pair.Key >= classes)
                    {
                        throw new ArgumentException(
                            Dataset.Format("FitOptions.ClassWeights has class {0}; expected classes 0 to {1}.", pair.Key, classes - 1),
                            "options");
                    }

                    if (!(pair.Value >= 0 && float.IsFinite(pair.Value)))
                    {
                        throw new ArgumentException(
                            Dataset.Format("FitOptions.ClassWeights[{0}] is {1}; expected a finite weight of at least 0.", pair.Key, pair.Value),
                            "options");
                    }
                }
            }

            var weights = new float[fitData.Count];
            ReadOnlySpan<float> targets = fitData.Targets;
            int targetSize = fitData.TargetSize;
            for (int i = 0; i < weights.Length; i++)
            {
                float w = sampleWeights.IsEmpty ? 1f : sampleWeights[trainRows is null ? i : trainRows[i]];
                if (classWeights is not null && classWeights.TryGetValue(ClassOf(network.Loss, targets.Slice(i * targetSize, targetSize)), out float cw))
                {
                    w *= cw;
                }

                weights[i] = w;
            }

            return weights;
        }

        /// <summary>The class a sample's targets stand for, for <see cref="FitOptions.ClassWeights"/>.</summary>
        private static int ClassOf(Loss loss, ReadOnlySpan<float> target) => loss switch
        {
            Loss.BinaryCrossEntropy => target[0] > 0.5f ? 1 : 0, // as the accuracy counts it, and Keras' round-half-to-even
            Loss.CategoricalCrossEntropy => TensorPrimitives.IndexOfMax(target),
            _ => (int)target[0],
        };

        /// <summary>
        /// Measures <paramref name="network"/> on <paramref name="data"/> without changing it (Keras' <c>evaluate</c>):
        /// the loss from the predicted outputs, the accuracy for classification, MSE and MAE for regression.
        /// </summary>
        /// <param name="network">The network to measure.</param>
        /// <param name="data">The samples; sizes must match the network as for <c>Fit</c>.</param>
        /// <param name="batchSize">The samples per <see cref="INetwork.PredictBatch"/> call; at least 1.</param>
        /// <returns>The metrics; see <see cref="EvaluationResult"/> for the formulas.</returns>
        /// <exception cref="ArgumentException"><paramref name="data"/> is empty, does not match the network, or holds an invalid label.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchSize"/> is less than 1.</exception>
        public static EvaluationResult Evaluate(INetwork network, Dataset data, int batchSize = DefaultEvaluationBatchSize)
        {
            ArgumentNullException.ThrowIfNull(network);
            CheckData(network, data, nameof(data));
            if (batchSize < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "Expected a batch size of at least 1.");
            }

            return new Evaluator(network, data.Count, batchSize).Run(network, data);
        }

        /// <summary>Runs every sample of <paramref name="data"/> through <paramref name="network"/> (Keras' <c>predict</c>).</summary>
        /// <param name="network">The network.</param>
        /// <param name="data">The samples; only the features are used, and their count must be the network's <see cref="INetwork.InputSize"/>.</param>
        /// <param name="batchSize">The samples per <see cref="INetwork.PredictBatch"/> call; at least 1.</param>
        /// <returns><c>data.Count</c> rows of <see cref="INetwork.OutputSize"/> outputs, row-major.</returns>
        /// <exception cref="ArgumentException">The feature count differs from the network's input size.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchSize"/> is less than 1.</exception>
        public static float[] Predict(INetwork network, Dataset data, int batchSize = DefaultEvaluationBatchSize)
        {
            ArgumentNullException.ThrowIfNull(network);
            ArgumentNullException.ThrowIfNull(data);
            CheckFeatures(network, data, nameof(data));
            if (batchSize < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "Expected a batch size of at least 1.");
            }

            int inputSize = network.InputSize, outputSize = network.OutputSize;
            var outputs = new float[data.Count * outputSize];
            for (int start = 0; start < data.Count; start += batchSize)
            {
                int count = Math.Min(batchSize, data.Count - start);
                network.PredictBatch(
                    data.Features.Slice(start * inputSize, count * inputSize),
                    outputs.AsSpan(start * outputSize, count * outputSize),
                    count);
            }

            return outputs;
        }

        /// <summary>Whether the loss trains a classifier (accuracy is reported) rather than a regression.</summary>
        private static bool IsClassification(Loss loss)
            => loss is Loss.BinaryCrossEntropy or Loss.SoftmaxCrossEntropy or Loss.CategoricalCrossEntropy;

        /// <summary>
        /// The number of samples whose outputs match their targets (arg-max against the label, or against the arg-max of
        /// the target probabilities; the 0.5 threshold for one sigmoid output).
        /// </summary>
        /// <summary>
        /// Throws when a failed batch cannot be undone: Fit had no copy of the parameters from before it, because some
        /// moved outside the optimizer's steps in a batch after earlier ones had all moved through them (a network of
        /// one's own). Generated networks never get here.
        /// </summary>
        private static void ThrowIfUnrestorable(bool restorable, int epoch, int batch, float loss, History history)
        {
            if (!restorable)
            {
                throw new TrainingDivergedException(
                    Dataset.Format(
                        "Epoch {0}, batch {1} (loss {2}) diverged after changing parameters, and Fit could not restore them: the network changed parameters outside its optimizer's Step or StepRange, which Fit copies them in. Keep every parameter update in the optimizer, or save checkpoints.",
                        epoch, batch, loss),
                    history, epoch, batch, loss);
            }
        }

        private static int CountCorrect(Loss loss, ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, int count, int outputSize)
        {
            int correct = 0;
            for (int s = 0; s < count; s++)
            {
                ReadOnlySpan<float> row = outputs.Slice(s * outputSize, outputSize);
                bool hit = loss switch
                {
                    Loss.SoftmaxCrossEntropy => TensorPrimitives.IndexOfMax(row) == (int)targets[s],
                    Loss.CategoricalCrossEntropy => TensorPrimitives.IndexOfMax(row) == TensorPrimitives.IndexOfMax(targets.Slice(s * outputSize, outputSize)),
                    _ => row[0] > 0.5f == targets[s] > 0.5f,
                };
                if (hit)
                {
                    correct++;
                }
            }

            return correct;
        }

        private static void CheckFeatures(INetwork network, Dataset data, string paramName)
        {
            if (data.FeatureCount != network.InputSize)
            {
                throw new ArgumentException(
                    Dataset.Format("{0} has {1} features per sample but the network takes InputSize = {2} ({3}).",
                        paramName, data.FeatureCount, network.InputSize, network.Topology),
                    paramName);
            }
        }

        /// <summary>Checks that <paramref name="data"/> is non-empty, fits the network's sizes, and that every label suits the loss.</summary>
        private static void CheckData(INetwork network, Dataset data, string paramName)
        {
            ArgumentNullException.ThrowIfNull(data, paramName);
            CheckFeatures(network, data, paramName);
            if (data.TargetSize != network.TargetSize)
            {
                throw new ArgumentException(
                    Dataset.Format("{0} has {1} target(s) per sample but the network's {2} loss needs TargetSize = {3}{4}.",
                        paramName, data.TargetSize, network.Loss, network.TargetSize,
                        network.Loss is Loss.SoftmaxCrossEntropy or Loss.BinaryCrossEntropy ? " (one class label per sample)" : " (one per output)"),
                    paramName);
            }

            if (data.Count == 0)
            {
                throw new ArgumentException(Dataset.Format("{0} is empty; expected at least one sample.", paramName), paramName);
            }

            ReadOnlySpan<float> targets = data.Targets;
            if (network.Loss == Loss.SoftmaxCrossEntropy)
            {
                int classes = network.OutputSize;
                for (int r = 0; r < targets.Length; r++)
                {
                    float t = targets[r];
                    if (!(t >= 0f && t < classes) || t != MathF.Floor(t))
                    {
                        throw new ArgumentException(
                            Dataset.Format("Row {0} of {1} has label {2}; the network's SoftmaxCrossEntropy over {3} outputs expects a class index from 0 to {4}.",
                                r, paramName, t, classes, classes - 1),
                            paramName);
                    }
                }
            }
            else if (network.Loss == Loss.BinaryCrossEntropy)
            {
                for (int r = 0; r < targets.Length; r++)
                {
                    float t = targets[r];
                    if (!(t >= 0f && t <= 1f))
                    {
                        throw new ArgumentException(
                            Dataset.Format("Row {0} of {1} has target {2}; BinaryCrossEntropy expects a value in [0, 1].", r, paramName, t),
                            paramName);
                    }
                }
            }
        }

        /// <summary>Evaluates a network batch by batch through one reusable output buffer.</summary>
        private sealed class Evaluator
        {
            private const double ClampMin = 1e-7;
            private readonly float[] _outputs;
            private readonly int _batchSize;

            public Evaluator(INetwork network, int count, int batchSize)
            {
                _batchSize = Math.Max(1, Math.Min(batchSize, count));
                _outputs = new float[_batchSize * network.OutputSize];
            }

            public EvaluationResult Run(INetwork network, Dataset data)
            {
                int inputSize = network.InputSize, outputSize = network.OutputSize, targetSize = network.TargetSize;
                Loss loss = network.Loss;
                double lossSum = 0, absSum = 0, squareSum = 0;
                double huberDelta = network.HuberDelta;
                long correct = 0;
                for (int start = 0; start < data.Count; start += _batchSize)
                {
                    int count = Math.Min(_batchSize, data.Count - start);
                    Span<float> outputs = _outputs.AsSpan(0, count * outputSize);
                    ReadOnlySpan<float> features = data.Features.Slice(start * inputSize, count * inputSize);
                    ReadOnlySpan<float> targets = data.Targets.Slice(start * targetSize, count * targetSize);
                    if (loss is Loss.SoftmaxCrossEntropy or Loss.CategoricalCrossEntropy or Loss.BinaryCrossEntropy
                        && network.TryPredictLogits(features, outputs, count))
                    {
                        // From the logits, as TrainBatch computes it; then the probabilities, with the functions the
                        // generated forward pass applies to the same logits (PredictBatch's bits), for the accuracy.
                        lossSum += CrossEntropyFromLogits(loss, outputs, targets, count, outputSize);
                        if (loss == Loss.BinaryCrossEntropy)
                        {
                            Kernels.Activations.Sigmoid(outputs);
                        }
                        else
                        {
                            for (int s = 0; s < count; s++)
                            {
                                Kernels.Activations.Softmax(outputs.Slice(s * outputSize, outputSize));
                            }
                        }

                        correct += CountCorrect(loss, outputs, targets, count, outputSize);
                        continue;
                    }

                    network.PredictBatch(features, outputs, count);
                    switch (loss)
                    {
                        case Loss.SoftmaxCrossEntropy:
                            for (int s = 0; s < count; s++)
                            {
                                double p = outputs[s * outputSize + (int)targets[s]];
                                lossSum -= Math.Log(Math.Clamp(p, ClampMin, 1.0));
                            }

                            correct += CountCorrect(loss, outputs, targets, count, outputSize);
                            break;
                        case Loss.BinaryCrossEntropy:
                            for (int s = 0; s < count; s++)
                            {
                                double p = Math.Clamp(outputs[s * outputSize], ClampMin, 1.0 - ClampMin);
                                double t = targets[s];
                                lossSum -= t * Math.Log(p) + (1.0 - t) * Math.Log(1.0 - p);
                            }

                            correct += CountCorrect(loss, outputs, targets, count, outputSize);
                            break;
                        case Loss.CategoricalCrossEntropy:
                            for (int i = 0; i < outputs.Length; i++)
                            {
                                if (targets[i] != 0f) lossSum -= targets[i] * Math.Log(Math.Clamp(outputs[i], ClampMin, 1.0));
                            }

                            correct += CountCorrect(loss, outputs, targets, count, outputSize);
                            break;
                        default:
                            for (int i = 0; i < outputs.Length; i++)
                            {
                                double d = (double)outputs[i] - targets[i];
                                double a = Math.Abs(d);
                                squareSum += d * d;
                                absSum += a;
                                lossSum += loss switch
                                {
                                    Loss.MeanAbsoluteError => a,
                                    Loss.Huber => a <= huberDelta ? 0.5 * d * d : huberDelta * (a - 0.5 * huberDelta),
                                    _ => d * d,
                                };
                            }

                            break;
                    }
                }

                // The L1/L2 penalty counts in the loss, as in TrainBatch's (and Keras' evaluate).
                double penalty = network.RegularizationLoss();
                if (!IsClassification(loss))
                {
                    double values = (double)data.Count * outputSize;
                    return new EvaluationResult
                    {
                        Count = data.Count,
                        Loss = lossSum / values + penalty,
                        MeanSquaredError = squareSum / values,
                        MeanAbsoluteError = absSum / values,
                    };
                }

                return new EvaluationResult
                {
                    Count = data.Count,
                    Loss = lossSum / data.Count + penalty,
                    Accuracy = (double)correct / data.Count,
                };
            }

            /// <summary>
            /// The summed cross-entropy of <paramref name="count"/> samples from their logits, in double, as PyTorch's
            /// <c>CrossEntropyLoss</c> and <c>BCEWithLogitsLoss</c>: log-sum-exp minus the label's logit, and
            /// <c>max(z, 0) - z t + log(1 + exp(-|z|))</c>. Exact where the probabilities round to 0 or 1.
            /// </summary>
            private static double CrossEntropyFromLogits(Loss loss, ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, int count, int outputSize)
            {
                double sum = 0;
                for (int s = 0; s < count; s++)
                {
                    if (loss == Loss.BinaryCrossEntropy)
                    {
                        double z = logits[s], t = targets[s];
                        sum += Math.Max(z, 0) - z * t + Math.Log(1 + Math.Exp(-Math.Abs(z)));
                        continue;
                    }

                    ReadOnlySpan<float> row = logits.Slice(s * outputSize, outputSize);
                    double max = double.NegativeInfinity;
                    foreach (float z in row)
                    {
                        max = Math.Max(max, z); // NaN propagates (Math.Max returns NaN)
                    }

                    double exps = 0;
                    foreach (float z in row)
                    {
                        exps += Math.Exp(z - max);
                    }

                    double logSumExp = max + Math.Log(exps);
                    if (loss == Loss.SoftmaxCrossEntropy)
                    {
                        sum += logSumExp - row[(int)targets[s]];
                    }
                    else
                    {
                        ReadOnlySpan<float> t = targets.Slice(s * outputSize, outputSize);
                        for (int i = 0; i < outputSize; i++)
                        {
                            if (t[i] != 0f) sum += t[i] * (logSumExp - row[i]);
                        }
                    }
                }

                return sum;
            }
        }
    }
}
