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
    /// it is saved after every epoch. The path may hold Keras' placeholders, to keep one file per epoch:
    /// <c>{epoch}</c> (1-based) and the epoch's metrics <c>{loss}</c>, <c>{accuracy}</c>, <c>{val_loss}</c>,
    /// <c>{val_accuracy}</c> and <c>{lr}</c>, each with an optional format in Python's notation as Keras writes it
    /// (<c>{epoch:02d}</c>, <c>{val_loss:.2f}</c>, <c>{loss:.3e}</c>) or in .NET's (<c>{epoch:000}</c>, <c>{loss:F4}</c>):
    /// <c>model-{epoch:02d}-{val_loss:.2f}.safetensors</c> gives <c>model-07-0.35.safetensors</c>. Any other name in
    /// braces is an error when the callback is created, and a metric the run does not report (<c>val_loss</c> without
    /// validation data) is one before training starts.
    /// </remarks>
    public sealed partial class ModelCheckpoint : Callback
    {
        private Monitor _monitor;

        /// <summary>Creates a checkpoint callback writing to <paramref name="path"/>.</summary>
        /// <param name="path">The safetensors file to write, e.g. <c>best.safetensors</c> or <c>model-{epoch:00}.safetensors</c>.</param>
        /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty, or holds a placeholder that names no metric or has a format that does not fit its value.</exception>
        public ModelCheckpoint(string path)
        {
            ArgumentException.ThrowIfNullOrEmpty(path);
            foreach (Match placeholder in Placeholder().Matches(path))
            {
                string name = placeholder.Groups[1].Value;
                if (name != "epoch" && !EpochResult.IsMetricName(name))
                {
                    throw new ArgumentException(Dataset.Format(
                        "ModelCheckpoint: the path's placeholder '{0}' names no metric; expected {{epoch}}, {{loss}}, {{accuracy}}, {{val_loss}}, {{val_accuracy}} or {{lr}}, with an optional format such as {{epoch:02d}} or {{val_loss:.4f}}.",
                        placeholder.Value), nameof(path));
                }

                try
                {
                    FormatValue(name == "epoch" ? 1 : 0.5, integer: name == "epoch", placeholder.Groups[2].Success ? placeholder.Groups[2].Value : null);
                }
                catch (FormatException e)
                {
                    throw new ArgumentException(Dataset.Format("ModelCheckpoint: the path's placeholder '{0}' has a format that does not fit its value: {1}", placeholder.Value, e.Message), nameof(path), e);
                }
            }

            Path = path;
        }

        /// <summary>The file to write; its placeholders (<c>{epoch}</c>, <c>{val_loss:.2f}</c>, ...) are replaced by each epoch's values.</summary>
        public string Path { get; }

        /// <summary>The metric that decides the best epoch with <see cref="SaveBestOnly"/>: <c>val_loss</c> by default.</summary>
        public string Monitor { get; init; } = "val_loss";

        /// <summary>Save only when <see cref="Monitor"/> improves on the best so far; otherwise after every epoch.</summary>
        public bool SaveBestOnly { get; init; }

        /// <summary>Whether lower or higher is better; <see cref="MonitorMode.Auto"/> decides from the name.</summary>
        public MonitorMode Mode { get; init; }

        /// <summary>
        /// The best monitored value so far, with <see cref="SaveBestOnly"/>: over every <c>Fit</c> this callback has
        /// watched, as Keras keeps its <c>best</c> (a second run with the same callback, to fine-tune, saves only what
        /// beats the first run's best, so the file keeps the best of both). A new callback starts afresh.
        /// </summary>
        public double BestValue { get; private set; }

        /// <summary>The 1-based epoch saved last in the current (or last) run; 0 if none.</summary>
        public int LastSavedEpoch { get; private set; }

        /// <summary>The file written last in the current (or last) run, or <see langword="null"/>.</summary>
        public string? LastSavedPath { get; private set; }

        private bool _watched;

        /// <inheritdoc/>
        public override void OnTrainBegin(TrainingContext context)
        {
            _monitor = new Monitor(Monitor, Mode, 0, nameof(ModelCheckpoint));
            if (SaveBestOnly)
            {
                _monitor.CheckReported(context);
            }

            foreach (Match placeholder in Placeholder().Matches(Path))
            {
                if (placeholder.Groups[1].Value != "epoch")
                {
                    GenNN.Monitor.CheckReported(placeholder.Groups[1].Value, nameof(ModelCheckpoint) + "'s path", context);
                }
            }

            if (!_watched)
            {
                BestValue = _monitor.Worst;
                _watched = true;
            }

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

            string path = FormatPath(Path, result);
            context.Network.Save(path);
            LastSavedEpoch = result.Epoch;
            LastSavedPath = path;
        }

        /// <summary>Replaces every placeholder in <paramref name="path"/> by the value of <paramref name="result"/> it names.</summary>
        internal static string FormatPath(string path, EpochResult result)
            => Placeholder().Replace(path, m =>
            {
                string name = m.Groups[1].Value;
                string? format = m.Groups[2].Success ? m.Groups[2].Value : null;
                return name == "epoch"
                    ? FormatValue(result.Epoch, integer: true, format)
                    : FormatValue(result.GetMetric(name) ?? double.NaN, integer: false, format); // reported: checked before training
            });

        /// <summary>
        /// Formats a placeholder's value: Python's <c>[0][width][d]</c> (integers), <c>[0][width].{digits}f</c> and
        /// <c>.{digits}e</c>, as in Keras' templates, or else a .NET format string. Throws <see cref="FormatException"/>
        /// for a format that does not fit the value (<c>d</c> for a metric).
        /// </summary>
        private static string FormatValue(double value, bool integer, string? format)
        {
            if (format is null)
            {
                return integer ? ((long)value).ToString(CultureInfo.InvariantCulture) : value.ToString(CultureInfo.InvariantCulture);
            }

            Match python = PythonFormat().Match(format);
            if (!python.Success)
            {
                return integer ? ((long)value).ToString(format, CultureInfo.InvariantCulture) : value.ToString(format, CultureInfo.InvariantCulture);
            }

            bool zeros = python.Groups[1].Success;
            int width = python.Groups[2].Success ? int.Parse(python.Groups[2].Value, CultureInfo.InvariantCulture) : 0;
            int digits = python.Groups[3].Success ? int.Parse(python.Groups[3].Value, CultureInfo.InvariantCulture) : 6;
            string text = python.Groups[4].Value switch
            {
                "d" or "" when integer => ((long)value).ToString(CultureInfo.InvariantCulture),
                "d" => throw new FormatException("'d' formats the epoch, an integer; a metric takes '.4f' or '.3e'."),
                "" => value.ToString(CultureInfo.InvariantCulture),
                "f" => value.ToString("F" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture),
                _ => value.ToString((digits > 0 ? "0." + new string('0', digits) : "0") + "e+00", CultureInfo.InvariantCulture),
            };
            if (text.Length >= width)
            {
                return text;
            }

            // Python pads with zeros after the sign, with spaces before it.
            return zeros && text.StartsWith('-') ? "-" + text.Substring(1).PadLeft(width - 1, '0') : text.PadLeft(width, zeros ? '0' : ' ');
        }

        [GeneratedRegex(@"\{(\w+)(?::([^}]*))?\}")]
        private static partial Regex Placeholder();

        // Python's format specs that Keras' templates use: [0][width][.digits][d|f|e] (no type: d for the epoch, the
        // shortest round-trip text for a metric). .NET's custom formats that this does not match ("00", "D3", "F4")
        // keep their .NET meaning.
        [GeneratedRegex(@"^(0)?([1-9][0-9]*)?(?:\.([0-9]+))?([dfe]?)$")]
        private static partial Regex PythonFormat();
    }
}
