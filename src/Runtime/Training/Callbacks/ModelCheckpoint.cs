using System;
using System.Globalization;
using System.Text.RegularExpressions;

namespace GenNN
{
    /// <summary>
    /// Saves the network after epochs (Keras' <c>ModelCheckpoint</c>), through its atomic
    /// <see cref="INetwork.Save(string)"/>: a crash mid-save never destroys the previous checkpoint.
    /// </summary>
    /// <remarks>
    /// With <see cref="SaveBestOnly"/>, the network is saved only after an epoch whose <see cref="Monitor"/> value beats
    /// the best so far (strictly; NaN never does), so the file always holds the best epoch's parameters. Otherwise
    /// it is saved after every epoch. The path may contain <c>{epoch}</c> or a formatted <c>{epoch:000}</c>, replaced by the
    /// 1-based epoch number, to keep one file per epoch.
    /// </remarks>
    public sealed partial class ModelCheckpoint : Callback
    {
        private Monitor _monitor;

        /// <summary>Creates a checkpoint callback writing to <paramref name="path"/>.</summary>
        /// <param name="path">The safetensors file to write, e.g. <c>best.safetensors</c> or <c>model-{epoch:00}.safetensors</c>.</param>
        /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty.</exception>
        public ModelCheckpoint(string path)
        {
            ArgumentException.ThrowIfNullOrEmpty(path);
            Path = path;
        }

        /// <summary>The file to write; <c>{epoch}</c> (or <c>{epoch:format}</c>) is replaced by the epoch number.</summary>
        public string Path { get; }

        /// <summary>The metric that decides the best epoch with <see cref="SaveBestOnly"/>: <c>val_loss</c> by default.</summary>
        public string Monitor { get; init; } = "val_loss";

        /// <summary>Save only when <see cref="Monitor"/> improves on the best so far; otherwise after every epoch.</summary>
        public bool SaveBestOnly { get; init; }

        /// <summary>Whether lower or higher is better; <see cref="MonitorMode.Auto"/> decides from the name.</summary>
        public MonitorMode Mode { get; init; }

        /// <summary>The best monitored value of the current (or last) run, with <see cref="SaveBestOnly"/>.</summary>
        public double BestValue { get; private set; }

        /// <summary>The 1-based epoch saved last; 0 if none.</summary>
        public int LastSavedEpoch { get; private set; }

        /// <summary>The file written last, or <see langword="null"/>.</summary>
        public string? LastSavedPath { get; private set; }

        /// <inheritdoc/>
        public override void OnTrainBegin(TrainingContext context)
        {
            _monitor = new Monitor(Monitor, Mode, 0, nameof(ModelCheckpoint));
            BestValue = _monitor.Worst;
            LastSavedEpoch = 0;
            LastSavedPath = null;
        }

        /// <inheritdoc/>
        public override void OnEpochEnd(TrainingContext context, EpochResult result)
        {
            if (SaveBestOnly)
            {
                double current = _monitor.Read(result);
                if (!_monitor.IsImprovement(current, BestValue))
                {
                    return;
                }

                BestValue = current;
            }

            string path = FormatPath(Path, result.Epoch);
            context.Network.Save(path);
            LastSavedEpoch = result.Epoch;
            LastSavedPath = path;
        }

        /// <summary>Replaces every <c>{epoch}</c> or <c>{epoch:format}</c> in <paramref name="path"/>.</summary>
        internal static string FormatPath(string path, int epoch)
            => EpochPlaceholder().Replace(path, m => epoch.ToString(m.Groups[1].Success ? m.Groups[1].Value : null, CultureInfo.InvariantCulture));

        [GeneratedRegex(@"\{epoch(?::([^}]*))?\}")]
        private static partial Regex EpochPlaceholder();
    }
}
