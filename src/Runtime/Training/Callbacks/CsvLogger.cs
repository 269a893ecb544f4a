using System;
using System.IO;
using System.Text;

namespace GenNN
{
    /// <summary>
    /// Writes each epoch's metrics as a CSV row (Keras' <c>CSVLogger</c>), in <see cref="History.Save(TextWriter)"/>'s
    /// format: <c>epoch,loss,accuracy,val_loss,val_accuracy,lr,seconds</c>, 1-based epochs, invariant culture, an empty
    /// field for an absent metric. <see cref="History.Load(string)"/> reads the file back.
    /// </summary>
    /// <remarks>
    /// The file is opened, appended to and closed after every epoch, so its rows survive a crash or a
    /// <see cref="TrainingDivergedException"/>, and no handle stays open when Fit throws. Keras writes 0-based epochs
    /// and no time; here epochs are numbered as Fit prints them, and <c>seconds</c> is the epoch's wall-clock time.
    /// </remarks>
    public sealed class CsvLogger : Callback
    {
        private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);
        private readonly string? _path;
        private readonly TextWriter? _writer;

        /// <summary>Logs to a file.</summary>
        /// <param name="path">The CSV file.</param>
        /// <param name="append">Add rows to an existing file (its header is kept) instead of replacing it at the start of training.</param>
        public CsvLogger(string path, bool append = false)
        {
            ArgumentException.ThrowIfNullOrEmpty(path);
            _path = path;
            Append = append;
        }

        /// <summary>Logs to a writer, flushed after every row; the writer is not closed.</summary>
        /// <param name="writer">The destination.</param>
        /// <param name="append">Write no header at the start of training.</param>
        public CsvLogger(TextWriter writer, bool append = false)
        {
            ArgumentNullException.ThrowIfNull(writer);
            _writer = writer;
            Append = append;
        }

        /// <summary>The file, or <see langword="null"/> when logging to a writer.</summary>
        public string? Path => _path;

        /// <summary>Whether rows are added to existing content rather than replacing it.</summary>
        public bool Append { get; }

        /// <inheritdoc/>
        public override void OnTrainBegin(TrainingContext context)
        {
            if (_path is null)
            {
                if (!Append)
                {
                    _writer!.WriteLine(History.CsvHeader);
                    _writer.Flush();
                }
            }
            else if (!Append || !File.Exists(_path) || new FileInfo(_path).Length == 0)
            {
                File.WriteAllText(_path, History.CsvHeader + Environment.NewLine, Utf8NoBom);
            }
        }

        /// <inheritdoc/>
        public override void OnEpochEnd(TrainingContext context, EpochResult result)
        {
            string row = History.CsvRow(result);
            if (_path is null)
            {
                _writer!.WriteLine(row);
                _writer.Flush();
            }
            else
            {
                File.AppendAllText(_path, row + Environment.NewLine, Utf8NoBom);
            }
        }
    }
}
