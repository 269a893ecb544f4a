using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace GenNN
{
    /// <summary>
    /// Metrics computed from raw predictions and targets, with scikit-learn's definitions: ROC-AUC and top-k accuracy.
    /// <see cref="ClassificationReport"/> and <see cref="RegressionReport"/> gather the rest.
    /// </summary>
    public static class Metrics
    {
        /// <summary>
        /// The area under the ROC curve of binary <paramref name="scores"/> (higher means more likely positive), as
        /// scikit-learn's <c>roc_auc_score</c> computes it: tied scores count one half (the trapezoid between thresholds),
        /// which equals the Mann-Whitney U statistic with mid-ranks divided by <c>positives * negatives</c>.
        /// </summary>
        /// <param name="scores">One score per sample, e.g. the probability of the positive class.</param>
        /// <param name="targets">One target per sample; a target above 0.5 is positive (as <see cref="Trainer.Evaluate"/> counts
        /// binary accuracy), so 0/1 labels and probabilities both work.</param>
        /// <returns>The AUC in [0, 1], or <see cref="double.NaN"/> if any score is NaN (like PyTorch, a NaN prediction is
        /// never hidden behind a plausible value).</returns>
        /// <exception cref="ArgumentException">The lengths differ, or the targets hold only one class (the AUC is then
        /// undefined; scikit-learn raises too).</exception>
        public static double RocAuc(ReadOnlySpan<float> scores, ReadOnlySpan<float> targets)
        {
            if (scores.Length != targets.Length)
            {
                throw new ArgumentException(
                    Dataset.Format("Expected one target per score ({0}), got {1}.", scores.Length, targets.Length), nameof(targets));
            }

            var keys = new float[scores.Length];
            var positive = new bool[scores.Length];
            for (int i = 0; i < scores.Length; i++)
            {
                keys[i] = scores[i];
                positive[i] = targets[i] > 0.5f;
            }

            return RocAucInPlace(keys, positive, nameof(targets));
        }

        /// <summary>The AUC of <paramref name="scores"/>; sorts both arrays.</summary>
        internal static double RocAucInPlace(float[] scores, bool[] positive, string paramName)
        {
            long positives = 0;
            foreach (bool p in positive)
            {
                positives += p ? 1 : 0;
            }

            long negatives = positive.Length - positives;
            if (positives == 0 || negatives == 0)
            {
                throw new ArgumentException(
                    Dataset.Format("ROC-AUC needs both classes; the {0} targets are all {1}.", positive.Length, positives == 0 ? "negative" : "positive"),
                    paramName);
            }

            foreach (float s in scores)
            {
                if (float.IsNaN(s))
                {
                    return double.NaN;
                }
            }

            Array.Sort(scores, positive);
            // Sum of the positives' 1-based ranks, ties sharing their mean rank.
            double rankSum = 0;
            for (int start = 0; start < scores.Length;)
            {
                int end = start + 1;
                while (end < scores.Length && scores[end] == scores[start])
                {
                    end++;
                }

                double meanRank = (start + 1 + end) / 2.0;
                for (int i = start; i < end; i++)
                {
                    if (positive[i])
                    {
                        rankSum += meanRank;
                    }
                }

                start = end;
            }

            return (rankSum - positives * (positives + 1) / 2.0) / ((double)positives * negatives);
        }

        /// <summary>
        /// The fraction of samples whose true class is among the <paramref name="k"/> highest scores (Keras'
        /// <c>top_k_categorical_accuracy</c>, scikit-learn's <c>top_k_accuracy_score</c>).
        /// </summary>
        /// <remarks>
        /// A sample counts when fewer than <paramref name="k"/> classes score strictly higher than its true class, so classes
        /// tied at the boundary are all in the top k (as TensorFlow's <c>in_top_k</c>; scikit-learn breaks such ties by class
        /// index instead). A NaN score for the true class never counts.
        /// </remarks>
        /// <param name="scores"><c>labels.Length</c> rows of <paramref name="classCount"/> scores, row-major.</param>
        /// <param name="labels">The true class of each sample, 0 to <paramref name="classCount"/> - 1.</param>
        /// <param name="classCount">The number of classes (scores per row); at least 1.</param>
        /// <param name="k">How many of the highest scores count; 1 to <paramref name="classCount"/>.</param>
        /// <returns>The top-k accuracy in [0, 1].</returns>
        /// <exception cref="ArgumentException">The lengths do not match, a label is out of range, or there are no samples.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="classCount"/> or <paramref name="k"/> is out of range.</exception>
        public static double TopKAccuracy(ReadOnlySpan<float> scores, ReadOnlySpan<int> labels, int classCount, int k)
        {
            CheckClassCount(classCount);
            if (k < 1 || k > classCount)
            {
                throw new ArgumentOutOfRangeException(nameof(k), k, Dataset.Format("Expected k from 1 to classCount = {0}.", classCount));
            }

            CheckScores(scores, labels.Length, classCount);
            if (labels.IsEmpty)
            {
                throw new ArgumentException("Expected at least one sample.", nameof(labels));
            }

            long hits = 0;
            for (int s = 0; s < labels.Length; s++)
            {
                CheckLabel(labels[s], s, classCount, nameof(labels));
                hits += Rank(scores.Slice(s * classCount, classCount), labels[s]) < k ? 1 : 0;
            }

            return (double)hits / labels.Length;
        }

        /// <summary>The number of classes scoring strictly above <paramref name="label"/>'s score; the class count if that score is NaN.</summary>
        internal static int Rank(ReadOnlySpan<float> row, int label)
        {
            float own = row[label];
            if (float.IsNaN(own))
            {
                return row.Length;
            }

            int above = 0;
            foreach (float x in row)
            {
                above += x > own ? 1 : 0;
            }

            return above;
        }

        internal static void CheckClassCount(int classCount)
        {
            if (classCount < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(classCount), classCount, "Expected at least 1 class.");
            }
        }

        internal static void CheckScores(ReadOnlySpan<float> scores, int count, int classCount)
        {
            if (scores.Length != (long)count * classCount)
            {
                throw new ArgumentException(
                    Dataset.Format("Expected {0} samples x {1} classes = {2} scores, got {3}.", count, classCount, (long)count * classCount, scores.Length),
                    nameof(scores));
            }
        }

        internal static void CheckLabel(int label, int index, int classCount, string paramName)
        {
            if ((uint)label >= (uint)classCount)
            {
                throw new ArgumentException(
                    Dataset.Format("{0}[{1}] is {2}; expected a class index from 0 to {3}.", paramName, index, label, classCount - 1), paramName);
            }
        }
    }

    /// <summary>
    /// Counts of (actual, predicted) class pairs: row <c>i</c> holds the samples of true class <c>i</c>, column <c>j</c> those
    /// predicted as class <c>j</c> (scikit-learn's <c>confusion_matrix</c> layout).
    /// </summary>
    public sealed class ConfusionMatrix
    {
        private readonly long[] _counts;

        internal ConfusionMatrix(long[] counts, int classCount, IReadOnlyList<string>? classNames)
        {
            _counts = counts;
            ClassCount = classCount;
            ClassNames = classNames;
        }

        /// <summary>The number of classes (rows and columns).</summary>
        public int ClassCount { get; }

        /// <summary>The class names used as row and column labels, or <see langword="null"/> to label them by index.</summary>
        public IReadOnlyList<string>? ClassNames { get; }

        /// <summary>The number of samples of true class <paramref name="actual"/> predicted as <paramref name="predicted"/>.</summary>
        /// <param name="actual">The true class (row).</param>
        /// <param name="predicted">The predicted class (column).</param>
        /// <exception cref="ArgumentOutOfRangeException">A class index is outside 0 .. <see cref="ClassCount"/> - 1.</exception>
        public long this[int actual, int predicted]
        {
            get
            {
                if ((uint)actual >= (uint)ClassCount)
                {
                    throw new ArgumentOutOfRangeException(nameof(actual), actual, Dataset.Format("Expected a class from 0 to {0}.", ClassCount - 1));
                }

                if ((uint)predicted >= (uint)ClassCount)
                {
                    throw new ArgumentOutOfRangeException(nameof(predicted), predicted, Dataset.Format("Expected a class from 0 to {0}.", ClassCount - 1));
                }

                return _counts[actual * ClassCount + predicted];
            }
        }

        /// <summary>The counts as a <c>[actual, predicted]</c> array (a copy).</summary>
        public long[,] ToArray()
        {
            var array = new long[ClassCount, ClassCount];
            for (int i = 0; i < ClassCount; i++)
            {
                for (int j = 0; j < ClassCount; j++)
                {
                    array[i, j] = _counts[i * ClassCount + j];
                }
            }

            return array;
        }

        /// <summary>
        /// Prints the matrix with right-aligned columns, rows = actual and columns = predicted. Rows are labelled
        /// <c>index name</c> when there are class names; columns by name when all names fit in 12 characters, else by index.
        /// </summary>
        public override string ToString()
        {
            int n = ClassCount;
            bool namedColumns = ClassNames is not null && AllShort(ClassNames, 12);
            var rowLabels = new string[n];
            var columnLabels = new string[n];
            for (int i = 0; i < n; i++)
            {
                string index = i.ToString(CultureInfo.InvariantCulture);
                rowLabels[i] = ClassNames is null ? index : namedColumns ? ClassNames[i] : index + " " + ClassNames[i];
                columnLabels[i] = namedColumns ? ClassNames![i] : index;
            }

            const string corner = "actual \\ predicted";
            int rowWidth = corner.Length;
            foreach (string label in rowLabels)
            {
                rowWidth = Math.Max(rowWidth, label.Length);
            }

            int cellWidth = 1;
            foreach (long count in _counts)
            {
                cellWidth = Math.Max(cellWidth, count.ToString(CultureInfo.InvariantCulture).Length);
            }

            foreach (string label in columnLabels)
            {
                cellWidth = Math.Max(cellWidth, label.Length);
            }

            var text = new StringBuilder();
            text.Append(corner.PadRight(rowWidth));
            foreach (string label in columnLabels)
            {
                text.Append("  ").Append(label.PadLeft(cellWidth));
            }

            for (int i = 0; i < n; i++)
            {
                text.AppendLine();
                text.Append(rowLabels[i].PadLeft(rowWidth));
                for (int j = 0; j < n; j++)
                {
                    text.Append("  ").Append(_counts[i * n + j].ToString(CultureInfo.InvariantCulture).PadLeft(cellWidth));
                }
            }

            return text.ToString();
        }

        private static bool AllShort(IReadOnlyList<string> names, int max)
        {
            foreach (string name in names)
            {
                if (name.Length > max)
                {
                    return false;
                }
            }

            return true;
        }
    }

    /// <summary>Precision, recall, F1 and support of one class, or an average over the classes.</summary>
    /// <param name="Name">The class name (its index when the data has none), or <c>macro avg</c> / <c>weighted avg</c>.</param>
    /// <param name="Precision">Of the samples predicted as the class, the fraction that belong to it; 0 when none were predicted (scikit-learn's <c>zero_division=0</c>).</param>
    /// <param name="Recall">Of the samples of the class, the fraction predicted as it; 0 when there are none.</param>
    /// <param name="F1">The harmonic mean of precision and recall; 0 when both are 0.</param>
    /// <param name="Support">The number of samples of the class (for an average: of all classes).</param>
    public sealed record ClassMetrics(string Name, double Precision, double Recall, double F1, long Support);
}
