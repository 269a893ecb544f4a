using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace GenNN
{
    /// <summary>
    /// Per-class precision, recall, F1 and support, their macro and weighted averages, accuracy, the confusion matrix,
    /// top-k accuracy and (for two classes) ROC-AUC: scikit-learn's <c>classification_report</c>,
    /// <c>confusion_matrix</c>, <c>top_k_accuracy_score</c> and <c>roc_auc_score</c>.
    /// </summary>
    /// <remarks>
    /// Build one with <see cref="Trainer.EvaluateClassification"/> from a network and a data set, or from raw spans with
    /// <see cref="FromPredictions"/>, <see cref="FromScores"/> or <see cref="FromBinaryScores"/>. A class with no predicted
    /// samples has precision 0, one with no samples recall 0 (scikit-learn's <c>zero_division=0</c>).
    /// </remarks>
    public sealed class ClassificationReport
    {
        private readonly long[]? _rankCounts;

        private ClassificationReport(Accumulator counts)
        {
            int n = counts.ClassCount;
            ClassCount = n;
            Count = counts.Count;
            ClassNames = counts.ClassNames;
            ConfusionMatrix = new ConfusionMatrix(counts.Confusion, n, counts.ClassNames);
            _rankCounts = counts.RankCounts;

            var classes = new ClassMetrics[n];
            long correct = 0;
            double macroP = 0, macroR = 0, macroF = 0, weightedP = 0, weightedR = 0, weightedF = 0;
            for (int c = 0; c < n; c++)
            {
                long truePositives = counts.Confusion[c * n + c], support = 0, predicted = 0;
                for (int j = 0; j < n; j++)
                {
                    support += counts.Confusion[c * n + j];
                    predicted += counts.Confusion[j * n + c];
                }

                correct += truePositives;
                double precision = predicted == 0 ? 0 : (double)truePositives / predicted;
                double recall = support == 0 ? 0 : (double)truePositives / support;
                double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
                classes[c] = new ClassMetrics(ClassNames?[c] ?? c.ToString(CultureInfo.InvariantCulture), precision, recall, f1, support);
                macroP += precision;
                macroR += recall;
                macroF += f1;
                weightedP += precision * support;
                weightedR += recall * support;
                weightedF += f1 * support;
            }

            Classes = classes;
            Accuracy = (double)correct / Count;
            MacroAverage = new ClassMetrics("macro avg", macroP / n, macroR / n, macroF / n, Count);
            WeightedAverage = new ClassMetrics("weighted avg", weightedP / Count, weightedR / Count, weightedF / Count, Count);
            if (counts.AucScores is not null && counts.AucPositives is not null)
            {
                bool[] positives = counts.AucPositives;
                bool both = Array.IndexOf(positives, true) >= 0 && Array.IndexOf(positives, false) >= 0;
                RocAuc = both ? Metrics.RocAucInPlace(counts.AucScores, positives, "targets") : null;
            }
        }

        /// <summary>The number of samples.</summary>
        public long Count { get; }

        /// <summary>The number of classes.</summary>
        public int ClassCount { get; }

        /// <summary>The class names, or <see langword="null"/> when the data has none (classes are then named by index).</summary>
        public IReadOnlyList<string>? ClassNames { get; }

        /// <summary>The metrics of each class, in class order.</summary>
        public IReadOnlyList<ClassMetrics> Classes { get; }

        /// <summary>The unweighted mean of the per-class metrics (scikit-learn's <c>macro avg</c>).</summary>
        public ClassMetrics MacroAverage { get; }

        /// <summary>The mean of the per-class metrics weighted by support (scikit-learn's <c>weighted avg</c>).</summary>
        public ClassMetrics WeightedAverage { get; }

        /// <summary>The fraction of samples predicted correctly.</summary>
        public double Accuracy { get; }

        /// <summary>The confusion matrix; <see cref="ConfusionMatrix.ToString"/> prints it.</summary>
        public ConfusionMatrix ConfusionMatrix { get; }

        /// <summary>
        /// For two classes, the area under the ROC curve of the positive class's score (class 1; see <see cref="Metrics.RocAuc"/>);
        /// <see langword="null"/> for more classes, without scores, or when the data holds only one class. NaN if a score was NaN.
        /// </summary>
        public double? RocAuc { get; }

        /// <summary>Whether <see cref="TopKAccuracy"/> is available: the report was built from per-class scores.</summary>
        public bool HasScores => _rankCounts is not null;

        /// <summary>The fraction of samples whose true class is among the <paramref name="k"/> highest scores (see <see cref="Metrics.TopKAccuracy"/>).</summary>
        /// <param name="k">1 to <see cref="ClassCount"/>.</param>
        /// <returns>The top-k accuracy; <c>TopKAccuracy(1)</c> is <see cref="Accuracy"/> unless scores tie.</returns>
        /// <exception cref="InvalidOperationException">The report has no per-class scores (<see cref="HasScores"/> is false).</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> is outside 1 .. <see cref="ClassCount"/>.</exception>
        public double TopKAccuracy(int k)
        {
            if (_rankCounts is null)
            {
                throw new InvalidOperationException("Top-k accuracy needs per-class scores: build the report with FromScores or from a softmax network.");
            }

            if (k < 1 || k > ClassCount)
            {
                throw new ArgumentOutOfRangeException(nameof(k), k, Dataset.Format("Expected k from 1 to ClassCount = {0}.", ClassCount));
            }

            long hits = 0;
            for (int r = 0; r < k; r++)
            {
                hits += _rankCounts[r];
            }

            return (double)hits / Count;
        }

        /// <summary>Builds a report from true and predicted class indices (no scores: no top-k accuracy, no ROC-AUC).</summary>
        /// <param name="actual">The true class of each sample.</param>
        /// <param name="predicted">The predicted class of each sample; same length as <paramref name="actual"/>.</param>
        /// <param name="classCount">The number of classes; at least 1.</param>
        /// <param name="classNames">Optional names, one per class.</param>
        /// <returns>The report.</returns>
        /// <exception cref="ArgumentException">The lengths differ or are 0, a class index is out of range, or the names do not match the class count.</exception>
        public static ClassificationReport FromPredictions(ReadOnlySpan<int> actual, ReadOnlySpan<int> predicted, int classCount, IReadOnlyList<string>? classNames = null)
        {
            if (predicted.Length != actual.Length)
            {
                throw new ArgumentException(
                    Dataset.Format("Expected one prediction per label ({0}), got {1}.", actual.Length, predicted.Length), nameof(predicted));
            }

            var counts = new Accumulator(classCount, classNames, withRanks: false, withAuc: false, actual.Length);
            for (int s = 0; s < actual.Length; s++)
            {
                Metrics.CheckLabel(actual[s], s, classCount, nameof(actual));
                Metrics.CheckLabel(predicted[s], s, classCount, nameof(predicted));
                counts.Add(actual[s], predicted[s]);
            }

            return counts.ToReport(nameof(actual));
        }

        /// <summary>
        /// Builds a report from per-class scores (e.g. softmax probabilities): the prediction is the arg-max, top-k accuracy
        /// is available and, for two classes, ROC-AUC on class 1's score.
        /// </summary>
        /// <param name="scores"><c>actual.Length</c> rows of <paramref name="classCount"/> scores, row-major.</param>
        /// <param name="actual">The true class of each sample.</param>
        /// <param name="classCount">The number of classes; at least 1.</param>
        /// <param name="classNames">Optional names, one per class.</param>
        /// <returns>The report.</returns>
        /// <exception cref="ArgumentException">The lengths do not match or are 0, a class index is out of range, or the names do not match the class count.</exception>
        public static ClassificationReport FromScores(ReadOnlySpan<float> scores, ReadOnlySpan<int> actual, int classCount, IReadOnlyList<string>? classNames = null)
        {
            Metrics.CheckClassCount(classCount);
            Metrics.CheckScores(scores, actual.Length, classCount);
            var counts = new Accumulator(classCount, classNames, withRanks: true, withAuc: classCount == 2, actual.Length);
            for (int s = 0; s < actual.Length; s++)
            {
                Metrics.CheckLabel(actual[s], s, classCount, nameof(actual));
                counts.AddScores(scores.Slice(s * classCount, classCount), actual[s]);
            }

            return counts.ToReport(nameof(actual));
        }

        /// <summary>
        /// Builds a two-class report from one score per sample (e.g. a sigmoid output): predicted positive (class 1) when the
        /// score is above <paramref name="threshold"/>; ROC-AUC on the scores.
        /// </summary>
        /// <param name="scores">One score per sample.</param>
        /// <param name="actual">The true class of each sample, 0 or 1.</param>
        /// <param name="threshold">Scores above it are predicted positive; 0.5 for probabilities.</param>
        /// <param name="classNames">Optional names of class 0 and class 1.</param>
        /// <returns>The report.</returns>
        /// <exception cref="ArgumentException">The lengths differ or are 0, a class is not 0 or 1, or the names are not two.</exception>
        public static ClassificationReport FromBinaryScores(ReadOnlySpan<float> scores, ReadOnlySpan<int> actual, float threshold = 0.5f, IReadOnlyList<string>? classNames = null)
        {
            Metrics.CheckScores(scores, actual.Length, 1);
            var counts = new Accumulator(2, classNames, withRanks: false, withAuc: true, actual.Length);
            for (int s = 0; s < actual.Length; s++)
            {
                Metrics.CheckLabel(actual[s], s, 2, nameof(actual));
                counts.AddBinary(scores[s], actual[s], threshold);
            }

            return counts.ToReport(nameof(actual));
        }

        /// <summary>
        /// Formats the report like scikit-learn's <c>classification_report</c> (4 decimals), followed by ROC-AUC and
        /// top-k accuracy when available, and the confusion matrix.
        /// </summary>
        public override string ToString()
        {
            int nameWidth = "weighted avg".Length;
            foreach (ClassMetrics c in Classes)
            {
                nameWidth = Math.Max(nameWidth, c.Name.Length);
            }

            var text = new StringBuilder();
            text.Append(' ', nameWidth).Append(CultureInfo.InvariantCulture, $" {"precision",10} {"recall",10} {"f1-score",10} {"support",10}").AppendLine().AppendLine();
            foreach (ClassMetrics c in Classes)
            {
                Row(text, c, nameWidth);
            }

            text.AppendLine();
            text.Append("accuracy".PadLeft(nameWidth)).Append(CultureInfo.InvariantCulture, $" {"",10} {"",10} {Accuracy,10:0.0000} {Count,10}").AppendLine();
            Row(text, MacroAverage, nameWidth);
            Row(text, WeightedAverage, nameWidth);
            if (RocAuc is double auc)
            {
                text.AppendLine().Append(CultureInfo.InvariantCulture, $"ROC-AUC: {auc:0.0000}").AppendLine();
            }

            if (HasScores && ClassCount > 2)
            {
                text.AppendLine().Append(CultureInfo.InvariantCulture, $"top-2 accuracy: {TopKAccuracy(2):0.0000}");
                if (ClassCount > 5)
                {
                    text.Append(CultureInfo.InvariantCulture, $" - top-5 accuracy: {TopKAccuracy(5):0.0000}");
                }

                text.AppendLine();
            }

            text.AppendLine().AppendLine("Confusion matrix (rows: actual, columns: predicted)").Append(ConfusionMatrix.ToString());
            return text.ToString();
        }

        private static void Row(StringBuilder text, ClassMetrics c, int nameWidth)
            => text.Append(c.Name.PadLeft(nameWidth))
                .Append(CultureInfo.InvariantCulture, $" {c.Precision,10:0.0000} {c.Recall,10:0.0000} {c.F1,10:0.0000} {c.Support,10}")
                .AppendLine();

        /// <summary>Counts predictions batch by batch: allocated once per report, nothing per sample.</summary>
        internal sealed class Accumulator
        {
            private int _aucCount;

            public Accumulator(int classCount, IReadOnlyList<string>? classNames, bool withRanks, bool withAuc, int capacity)
            {
                Metrics.CheckClassCount(classCount);
                if (classNames is not null && classNames.Count != classCount)
                {
                    throw new ArgumentException(
                        Dataset.Format("Expected {0} class names, one per class; got {1}.", classCount, classNames.Count), nameof(classNames));
                }

                ClassCount = classCount;
                ClassNames = classNames;
                Confusion = new long[classCount * classCount];
                RankCounts = withRanks ? new long[classCount + 1] : null;
                AucScores = withAuc ? new float[capacity] : null;
                AucPositives = withAuc ? new bool[capacity] : null;
            }

            public int ClassCount { get; }

            public IReadOnlyList<string>? ClassNames { get; }

            public long[] Confusion { get; }

            /// <summary>How many samples had r classes scoring above their true class (index ClassCount: a NaN score).</summary>
            public long[]? RankCounts { get; }

            public float[]? AucScores { get; }

            public bool[]? AucPositives { get; }

            public long Count { get; private set; }

            public void Add(int actual, int predicted)
            {
                Confusion[actual * ClassCount + predicted]++;
                Count++;
            }

            /// <summary>One sample's class scores: arg-max prediction (the first of equal maxima; NaN wins, as
            /// TensorPrimitives.IndexOfMax), the true class's rank and, for two classes, class 1's score.</summary>
            public void AddScores(ReadOnlySpan<float> row, int actual)
            {
                Add(actual, System.Numerics.Tensors.TensorPrimitives.IndexOfMax(row));
                RankCounts![Metrics.Rank(row, actual)]++;
                if (AucScores is not null)
                {
                    AucScores[_aucCount] = row[1];
                    AucPositives![_aucCount++] = actual == 1;
                }
            }

            public void AddBinary(float score, int actual, float threshold)
            {
                Add(actual, score > threshold ? 1 : 0);
                AucScores![_aucCount] = score;
                AucPositives![_aucCount++] = actual == 1;
            }

            public ClassificationReport ToReport(string paramName)
            {
                if (Count == 0)
                {
                    throw new ArgumentException("Expected at least one sample.", paramName);
                }

                return new ClassificationReport(this);
            }
        }
    }
}
