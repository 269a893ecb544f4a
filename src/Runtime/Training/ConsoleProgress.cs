using System;
using System.Globalization;
using System.IO;
using System.Text;

namespace GenNN
{
    /// <summary>
    /// Prints <see cref="TrainingProgress"/> reports like Keras' <c>verbose=1</c>. On a terminal: an <c>Epoch 3/10</c>
    /// line, then a progress bar redrawn in place with <c>\r</c> (batches done, ETA, running loss and accuracy), finished
    /// with the epoch's time and metrics. Redirected to a file or a pipe: one plain line per epoch
    /// (<see cref="EpochResult.ToString"/>), no control characters. What <see cref="FitOptions.Verbose"/> = 1 uses by default.
    /// </summary>
    /// <example>
    /// A terminal shows, at the end of an epoch:
    /// <code>
    /// Epoch 3/10
    /// 120/120 [==============================] - 41 ms - loss: 0.4321 - accuracy: 0.8750 - val_loss: 0.5012 - val_accuracy: 0.8000
    /// </code>
    /// and, while it runs, <c> 57/120 [=============&gt;................] - ETA: 2s - loss: 0.4415 - accuracy: 0.8684</c>.
    /// </example>
    public sealed class ConsoleProgress : IProgress<TrainingProgress>
    {
        private const int BarWidth = 30;
        private readonly TextWriter _writer;
        private readonly StringBuilder _line = new();
        private int _barEpoch;
        private bool _lineOpen;
        private int _lineLength;

        /// <summary>Prints to <see cref="Console.Out"/>, with a progress bar unless the output is redirected.</summary>
        public ConsoleProgress()
            : this(Console.Out, !Console.IsOutputRedirected)
        {
        }

        /// <summary>Prints to <paramref name="writer"/>.</summary>
        /// <param name="writer">The destination (flushed after each write).</param>
        /// <param name="interactive">Draw the in-epoch progress bar with <c>\r</c> (for a terminal); otherwise plain lines only.</param>
        public ConsoleProgress(TextWriter writer, bool interactive)
        {
            ArgumentNullException.ThrowIfNull(writer);
            _writer = writer;
            Interactive = interactive;
        }

        /// <summary>Whether the progress bar is drawn.</summary>
        public bool Interactive { get; }

        /// <inheritdoc/>
        public void Report(TrainingProgress value)
        {
            switch (value.Kind)
            {
                case TrainingProgressKind.EpochBegin when Interactive:
                    CloseLine();
                    _writer.Write(string.Create(CultureInfo.InvariantCulture, $"Epoch {value.Epoch}/{value.Epochs}"));
                    _writer.WriteLine();
                    _barEpoch = value.Epoch;
                    break;
                case TrainingProgressKind.Batch when Interactive && _barEpoch == value.Epoch:
                    _line.Clear();
                    AppendBar(value.Batch, value.Batches);
                    _line.Append(" - ETA: ");
                    AppendDuration(value.Eta);
                    _line.Append(" - loss: ").Append(EpochResult.FormatLoss(value.Loss));
                    if (value.Accuracy is double accuracy)
                    {
                        _line.Append(CultureInfo.InvariantCulture, $" - accuracy: {accuracy:0.0000}");
                    }

                    Redraw(newLine: false);
                    break;
                case TrainingProgressKind.EpochEnd when value.Result is EpochResult result:
                    if (Interactive && _barEpoch == value.Epoch)
                    {
                        _line.Clear();
                        AppendBar(value.Batches, value.Batches);
                        _line.Append(CultureInfo.InvariantCulture, $" - {result.Elapsed.TotalMilliseconds:0} ms");
                        result.AppendMetrics(_line);
                        Redraw(newLine: true);
                    }
                    else
                    {
                        CloseLine();
                        _writer.WriteLine(result.ToString());
                    }

                    break;
                case TrainingProgressKind.TrainEnd:
                    CloseLine();
                    if (value.History is { StopReason: StopReason.EarlyStopping or StopReason.CallbackRequest } history)
                    {
                        _writer.WriteLine(Dataset.Format("Stopped after epoch {0} of {1} ({2}): {3}",
                            history.StoppedEpoch, value.Epochs, history.StopReason, history.StopMessage));
                    }

                    break;
            }

            _writer.Flush();
        }

        /// <summary>Keras' bar: <c>current/target [====&gt;.....]</c>, the count right-aligned to the target's width.</summary>
        private void AppendBar(int current, int target)
        {
            int digits = target.ToString(CultureInfo.InvariantCulture).Length;
            _line.Append(current.ToString(CultureInfo.InvariantCulture).PadLeft(digits)).Append('/').Append(target.ToString(CultureInfo.InvariantCulture)).Append(" [");
            int filled = target <= 0 ? BarWidth : (int)((long)BarWidth * current / target);
            if (filled > 0)
            {
                _line.Append('=', filled - 1).Append(current < target ? '>' : '=');
            }

            _line.Append('.', BarWidth - filled).Append(']');
        }

        /// <summary>Keras' ETA format: <c>7s</c>, <c>2:05</c>, <c>1:02:05</c>.</summary>
        private void AppendDuration(TimeSpan duration)
        {
            long seconds = (long)Math.Round(duration.TotalSeconds);
            if (seconds >= 3600)
            {
                _line.Append(CultureInfo.InvariantCulture, $"{seconds / 3600}:{seconds / 60 % 60:00}:{seconds % 60:00}");
            }
            else if (seconds >= 60)
            {
                _line.Append(CultureInfo.InvariantCulture, $"{seconds / 60}:{seconds % 60:00}");
            }
            else
            {
                _line.Append(CultureInfo.InvariantCulture, $"{seconds}s");
            }
        }

        /// <summary>Writes <c>\r</c> and the line, padded with spaces over the rest of a longer previous line.</summary>
        private void Redraw(bool newLine)
        {
            int length = _line.Length;
            if (_lineLength > length)
            {
                _line.Append(' ', _lineLength - length);
            }

            _writer.Write('\r');
            _writer.Write(_line);
            if (newLine)
            {
                _writer.WriteLine();
                _lineOpen = false;
                _lineLength = 0;
            }
            else
            {
                _lineOpen = true;
                _lineLength = length;
            }
        }

        /// <summary>Ends a bar left open (training stopped mid-epoch), so what follows starts on its own line.</summary>
        private void CloseLine()
        {
            if (_lineOpen)
            {
                _writer.WriteLine();
                _lineOpen = false;
                _lineLength = 0;
            }
        }
    }
}
