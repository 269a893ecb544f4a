using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;

namespace GenNN
{
    /// <summary>
    /// The per-epoch metrics of a <see cref="Trainer.Fit(INetwork, Dataset, Optimizer, FitOptions?, System.Threading.CancellationToken)"/>
    /// run, like Keras' <c>history.history</c>: <c>history.Loss[e]</c> is the training loss of epoch <c>e + 1</c>.
    /// It also says how the run ended (<see cref="StopReason"/>, <see cref="StoppedEpoch"/>), and saves as CSV.
    /// </summary>
    /// <remarks>
    /// <see cref="Accuracy"/> is empty for regression; <see cref="ValidationLoss"/> and <see cref="ValidationAccuracy"/>
    /// are empty without a validation set. Otherwise every list has one entry per completed epoch.
    /// </remarks>
    public sealed class History
    {
        /// <summary>The CSV columns of <see cref="Save(TextWriter)"/> and <see cref="CsvLogger"/>, in order.</summary>
        internal const string CsvHeader = "epoch,loss,accuracy,val_loss,val_accuracy,lr,seconds";

        private readonly List<EpochResult> _epochs = new();
        private readonly List<double> _loss = new();
        private readonly List<double> _accuracy = new();
        private readonly List<double> _validationLoss = new();
        private readonly List<double> _validationAccuracy = new();
        private readonly List<double> _learningRate = new();

        internal History()
        {
        }

        /// <summary>Every completed epoch, in order.</summary>
        public IReadOnlyList<EpochResult> Epochs => _epochs;

        /// <summary>The training loss per epoch (Keras' <c>loss</c>).</summary>
        public IReadOnlyList<double> Loss => _loss;

        /// <summary>The training accuracy per epoch for classification (Keras' <c>accuracy</c>); empty for regression.</summary>
        public IReadOnlyList<double> Accuracy => _accuracy;

        /// <summary>The validation loss per epoch (Keras' <c>val_loss</c>); empty without a validation set.</summary>
        public IReadOnlyList<double> ValidationLoss => _validationLoss;

        /// <summary>The validation accuracy per epoch (Keras' <c>val_accuracy</c>); empty without a validation set or for regression.</summary>
        public IReadOnlyList<double> ValidationAccuracy => _validationAccuracy;

        /// <summary>The optimizer's learning rate at the end of each epoch (Keras' <c>lr</c>), so schedules show in the curves.</summary>
        public IReadOnlyList<double> LearningRate => _learningRate;

        /// <summary>The total wall-clock time of the completed epochs.</summary>
        public TimeSpan Elapsed { get; private set; }

        /// <summary>The last completed epoch, or <see langword="null"/> before the first.</summary>
        public EpochResult? Last => _epochs.Count == 0 ? null : _epochs[^1];

        /// <summary>Why the run ended; <see cref="GenNN.StopReason.None"/> while it runs.</summary>
        public StopReason StopReason { get; internal set; }

        /// <summary>The 1-based epoch in which the run ended (the last one run, complete or not; Keras' <c>stopped_epoch</c>, 1-based); 0 while it runs.</summary>
        public int StoppedEpoch { get; internal set; }

        /// <summary>What stopped the run early, in words (e.g. <c>val_loss did not improve for 5 epoch(s); best 0.3120 at epoch 7.</c>), or <see langword="null"/>.</summary>
        public string? StopMessage { get; internal set; }

        /// <summary>Summarises the run with its last epoch.</summary>
        public override string ToString() => Last is EpochResult last
            ? Dataset.Format("History({0} epochs; last: {1})", _epochs.Count, last)
            : "History(0 epochs)";

        /// <summary>
        /// Writes the history as CSV: a header <c>epoch,loss,accuracy,val_loss,val_accuracy,lr,seconds</c>, then one row per
        /// epoch (1-based epoch numbers; invariant culture; values that round-trip exactly; an empty field where a metric
        /// is absent, which pandas reads as NaN).
        /// </summary>
        /// <param name="writer">The destination; it is not closed.</param>
        public void Save(TextWriter writer)
        {
            ArgumentNullException.ThrowIfNull(writer);
            writer.WriteLine(CsvHeader);
            foreach (EpochResult epoch in _epochs)
            {
                writer.WriteLine(CsvRow(epoch));
            }
        }

        /// <summary>Writes the history as CSV to <paramref name="path"/>, replacing the file; see <see cref="Save(TextWriter)"/>.</summary>
        /// <param name="path">The file to write.</param>
        public void Save(string path)
        {
            ArgumentException.ThrowIfNullOrEmpty(path);
            using var writer = new StreamWriter(path, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            Save(writer);
        }

        /// <summary>
        /// Reads a history written by <see cref="Save(TextWriter)"/> or <see cref="CsvLogger"/> (columns found by name; only
        /// <c>epoch</c> and <c>loss</c> are required). <see cref="StopReason"/> is not stored in the file and reads as
        /// <see cref="GenNN.StopReason.None"/>.
        /// </summary>
        /// <param name="reader">The CSV text.</param>
        /// <returns>The history, one epoch per row.</returns>
        /// <exception cref="FormatException">The header lacks <c>epoch</c> or <c>loss</c>, or a field is not a number (the message names the line).</exception>
        public static History Load(TextReader reader)
        {
            ArgumentNullException.ThrowIfNull(reader);
            string header = reader.ReadLine() ?? throw new FormatException("The history CSV is empty; expected the header " + CsvHeader + ".");
            string[] names = header.Split(',');
            int Column(string name) => Array.IndexOf(names, name);
            int epochColumn = Column("epoch"), lossColumn = Column("loss");
            if (epochColumn < 0 || lossColumn < 0)
            {
                throw new FormatException(Dataset.Format("The history CSV header is '{0}'; expected at least the columns epoch and loss ({1}).", header, CsvHeader));
            }

            int accuracyColumn = Column("accuracy"), validationLossColumn = Column("val_loss"), validationAccuracyColumn = Column("val_accuracy");
            int rateColumn = Column("lr"), secondsColumn = Column("seconds");
            var rows = new List<string[]>();
            int lineNumber = 1;
            for (string? line = reader.ReadLine(); line is not null; line = reader.ReadLine())
            {
                lineNumber++;
                if (line.Length == 0)
                {
                    continue;
                }

                string[] fields = line.Split(',');
                if (fields.Length != names.Length)
                {
                    throw new FormatException(Dataset.Format("Line {0} of the history CSV has {1} fields; the header has {2}.", lineNumber, fields.Length, names.Length));
                }

                rows.Add(fields);
            }

            var history = new History();
            lineNumber = 1;
            foreach (string[] fields in rows)
            {
                lineNumber++;
                double? Read(int column)
                {
                    if (column < 0 || fields[column].Length == 0)
                    {
                        return null;
                    }

                    return double.TryParse(fields[column], NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
                        ? value
                        : throw new FormatException(Dataset.Format("Line {0} of the history CSV has '{1}' in column {2}; expected a number.", lineNumber, fields[column], names[column]));
                }

                history.Add(new EpochResult
                {
                    Epoch = (int)(Read(epochColumn) ?? throw new FormatException(Dataset.Format("Line {0} of the history CSV has no epoch.", lineNumber))),
                    Epochs = rows.Count,
                    Loss = Read(lossColumn) ?? double.NaN,
                    Accuracy = Read(accuracyColumn),
                    ValidationLoss = Read(validationLossColumn),
                    ValidationAccuracy = Read(validationAccuracyColumn),
                    LearningRate = Read(rateColumn),
                    Elapsed = Read(secondsColumn) is double seconds ? TimeSpan.FromTicks((long)Math.Round(seconds * TimeSpan.TicksPerSecond)) : TimeSpan.Zero,
                });
            }

            return history;
        }

        /// <summary>Reads a history CSV file; see <see cref="Load(TextReader)"/>.</summary>
        /// <param name="path">The file.</param>
        /// <returns>The history.</returns>
        public static History Load(string path)
        {
            ArgumentException.ThrowIfNullOrEmpty(path);
            using var reader = new StreamReader(path);
            return Load(reader);
        }

        /// <summary>One CSV row of <see cref="CsvHeader"/>'s columns.</summary>
        internal static string CsvRow(EpochResult epoch)
        {
            static string Field(double? value) => value is double v ? v.ToString("R", CultureInfo.InvariantCulture) : string.Empty;
            return string.Join(',',
                epoch.Epoch.ToString(CultureInfo.InvariantCulture),
                Field(epoch.Loss),
                Field(epoch.Accuracy),
                Field(epoch.ValidationLoss),
                Field(epoch.ValidationAccuracy),
                Field(epoch.LearningRate),
                Field(epoch.Elapsed.TotalSeconds));
        }

        internal void Add(EpochResult result)
        {
            _epochs.Add(result);
            _loss.Add(result.Loss);
            if (result.Accuracy is double accuracy)
            {
                _accuracy.Add(accuracy);
            }

            if (result.ValidationLoss is double validationLoss)
            {
                _validationLoss.Add(validationLoss);
            }

            if (result.ValidationAccuracy is double validationAccuracy)
            {
                _validationAccuracy.Add(validationAccuracy);
            }

            if (result.LearningRate is double rate)
            {
                _learningRate.Add(rate);
            }

            Elapsed += result.Elapsed;
        }
    }
}
