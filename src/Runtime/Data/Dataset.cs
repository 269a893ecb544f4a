using System;
using System.Collections.Generic;
using System.Globalization;

namespace GenNN
{
    /// <summary>
    /// An in-memory data set: <see cref="Count"/> samples of <see cref="FeatureCount"/> features and
    /// <see cref="TargetSize"/> targets, both stored row-major in flat arrays.
    /// </summary>
    /// <remarks>
    /// <para>Targets follow <see cref="INetwork.TargetSize"/>: one class index per sample (stored as a float) for
    /// <see cref="Loss.SoftmaxCrossEntropy"/>, one value in [0, 1] for <see cref="Loss.BinaryCrossEntropy"/>, one
    /// value per output for <see cref="Loss.MeanSquaredError"/>.</para>
    /// <para>A data set is immutable: the constructor and <c>FromArrays</c> copy the caller's arrays, and
    /// <see cref="Features"/> and <see cref="Targets"/> are read-only views, so the values checked on construction
    /// (finite features and targets) cannot change behind that check. Every method that returns a data set
    /// (<see cref="Split"/>, <see cref="Subset"/>, <see cref="Standardizer.Transform(Dataset)"/>) returns a new one.</para>
    /// </remarks>
    public sealed class Dataset
    {
        private readonly IReadOnlyList<string>? _classNames;
        private readonly IReadOnlyList<string>? _featureNames;
        private readonly float[] _features;
        private readonly float[] _targets;

        /// <summary>Creates a data set from copies of row-major arrays: changing the arrays afterwards does not change it.</summary>
        /// <param name="features"><c>Count * featureCount</c> features, row-major.</param>
        /// <param name="featureCount">The number of features per sample; at least 1.</param>
        /// <param name="targets"><c>Count * targetSize</c> targets, row-major.</param>
        /// <param name="targetSize">The number of targets per sample; at least 1.</param>
        /// <exception cref="ArgumentException">The lengths do not describe the same number of samples, or a
        /// feature or target is NaN or infinite (the message names the row and column).</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="featureCount"/> or <paramref name="targetSize"/> is less than 1.</exception>
        public Dataset(float[] features, int featureCount, float[] targets, int targetSize = 1)
            : this(features, featureCount, targets, targetSize, copy: true)
        {
        }

        /// <summary>The constructor; <paramref name="copy"/> is false for arrays the caller made for this data set alone.</summary>
        internal Dataset(float[] features, int featureCount, float[] targets, int targetSize, bool copy)
        {
            ArgumentNullException.ThrowIfNull(features);
            ArgumentNullException.ThrowIfNull(targets);
            if (featureCount < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(featureCount), featureCount, "Expected at least 1 feature per sample.");
            }

            if (targetSize < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(targetSize), targetSize, "Expected at least 1 target per sample.");
            }

            if (features.Length % featureCount != 0)
            {
                throw new ArgumentException(
                    Format("Expected a multiple of featureCount = {0} features, got {1}.", featureCount, features.Length),
                    nameof(features));
            }

            int count = features.Length / featureCount;
            if (targets.Length != (long)count * targetSize)
            {
                throw new ArgumentException(
                    Format("{0} features of {1} per sample make {2} samples, which need {2} x {3} = {4} targets; got {5}.",
                        features.Length, featureCount, count, targetSize, (long)count * targetSize, targets.Length),
                    nameof(targets));
            }

            // Copy first, then check the copy: another thread changing the caller's array cannot slip past the check.
            if (copy)
            {
                features = (float[])features.Clone();
                targets = (float[])targets.Clone();
            }

            CheckFinite(features, featureCount, nameof(features), "Feature");
            CheckFinite(targets, targetSize, nameof(targets), "Target");

            _features = features;
            FeatureCount = featureCount;
            _targets = targets;
            TargetSize = targetSize;
            Count = count;
        }

        /// <summary>The features, <see cref="Count"/> rows of <see cref="FeatureCount"/>, row-major; read-only.</summary>
        public ReadOnlySpan<float> Features => _features;

        /// <summary>The targets, <see cref="Count"/> rows of <see cref="TargetSize"/>, row-major; read-only.</summary>
        public ReadOnlySpan<float> Targets => _targets;

        /// <summary>The number of features per sample.</summary>
        public int FeatureCount { get; }

        /// <summary>The number of targets per sample (1 for class labels).</summary>
        public int TargetSize { get; }

        /// <summary>The number of samples.</summary>
        public int Count { get; }

        /// <summary>
        /// The class names for a classification data set (<c>ClassNames[k]</c> is the name of class index <c>k</c>),
        /// or <see langword="null"/> when unknown. Setting it checks that every target is a class index below its count.
        /// </summary>
        /// <exception cref="ArgumentException">On init: <see cref="TargetSize"/> is not 1, two names are the same, or a target is not a valid index.</exception>
        public IReadOnlyList<string>? ClassNames
        {
            get => _classNames;
            init
            {
                if (value is not null)
                {
                    if (TargetSize != 1)
                    {
                        throw new ArgumentException(Format("Class names need one target per sample; this data set has {0}.", TargetSize), nameof(ClassNames));
                    }

                    if (ModelPreprocessing.DuplicateClassName(value) is string duplicate)
                    {
                        throw new ArgumentException(duplicate, nameof(ClassNames));
                    }

                    for (int r = 0; r < Count; r++)
                    {
                        float t = _targets[r];
                        if (!(t >= 0f && t < value.Count) || t != MathF.Floor(t))
                        {
                            throw new ArgumentException(
                                Format("Target of row {0} is {1}; with {2} class names expected an integer class index from 0 to {3}.",
                                    r, t, value.Count, value.Count - 1),
                                nameof(ClassNames));
                        }
                    }
                }

                _classNames = value;
            }
        }

        /// <summary>The feature (column) names, e.g. from a CSV header, or <see langword="null"/> when unknown.</summary>
        /// <exception cref="ArgumentException">On init: the count differs from <see cref="FeatureCount"/>.</exception>
        public IReadOnlyList<string>? FeatureNames
        {
            get => _featureNames;
            init
            {
                if (value is not null && value.Count != FeatureCount)
                {
                    throw new ArgumentException(
                        Format("Expected {0} feature names (one per feature), got {1}.", FeatureCount, value.Count), nameof(FeatureNames));
                }

                _featureNames = value;
            }
        }

        /// <summary>The number of classes: the count of <see cref="ClassNames"/> if known, otherwise 0.</summary>
        public int ClassCount => _classNames?.Count ?? 0;

        /// <summary>The features of one sample.</summary>
        /// <param name="row">The sample index, 0 .. <see cref="Count"/> - 1.</param>
        public ReadOnlySpan<float> GetFeatures(int row)
        {
            CheckRow(row);
            return _features.AsSpan(row * FeatureCount, FeatureCount);
        }

        /// <summary>The targets of one sample.</summary>
        /// <param name="row">The sample index, 0 .. <see cref="Count"/> - 1.</param>
        public ReadOnlySpan<float> GetTargets(int row)
        {
            CheckRow(row);
            return _targets.AsSpan(row * TargetSize, TargetSize);
        }

        /// <summary>A new data set holding copies of the given rows, in the given order (repeats allowed).</summary>
        /// <param name="rows">Row indices, each in 0 .. <see cref="Count"/> - 1.</param>
        /// <exception cref="ArgumentOutOfRangeException">A row index is out of range.</exception>
        public Dataset Subset(ReadOnlySpan<int> rows)
        {
            var features = new float[rows.Length * FeatureCount];
            var targets = new float[rows.Length * TargetSize];
            for (int i = 0; i < rows.Length; i++)
            {
                int r = rows[i];
                CheckRow(r);
                _features.AsSpan(r * FeatureCount, FeatureCount).CopyTo(features.AsSpan(i * FeatureCount));
                _targets.AsSpan(r * TargetSize, TargetSize).CopyTo(targets.AsSpan(i * TargetSize));
            }

            return WithArrays(features, targets);
        }

        /// <summary>
        /// Splits the samples at random into a training and a test set (scikit-learn's <c>train_test_split</c>).
        /// The test set gets <c>ceil(testFraction * Count)</c> samples; both keep a shuffled order.
        /// </summary>
        /// <param name="testFraction">The fraction of samples for the test set, strictly between 0 and 1.</param>
        /// <param name="seed">Seeds the shuffle: the same seed gives the same split. <see langword="null"/> for a random split.</param>
        /// <param name="stratify">Keep each class's share the same in both sets (targets must be single class labels), as
        /// scikit-learn's <c>train_test_split(stratify=y)</c>: the test set still gets <c>ceil(testFraction * Count)</c>
        /// samples, shared among the classes in proportion to their sizes (the largest remainders rounded up, ties in the
        /// seeded order). Every class needs at least 2 samples, and each set at least as many samples as there are classes.</param>
        /// <returns>The two disjoint sets, which together hold every sample once.</returns>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="testFraction"/> is not strictly between 0 and 1.</exception>
        /// <exception cref="InvalidOperationException">The data set has fewer than 2 samples, or the fraction would leave a set empty;
        /// stratified, a class has a single sample, or a set would get fewer samples than there are classes.</exception>
        public (Dataset Train, Dataset Test) Split(double testFraction, int? seed = null, bool stratify = false)
        {
            var (train, test) = SplitRows(testFraction, seed, stratify);
            return (Subset(train), Subset(test));
        }

        /// <summary>The rows <see cref="Split"/> puts in each set, in the order they get there.</summary>
        internal (int[] Train, int[] Test) SplitRows(double testFraction, int? seed, bool stratify)
        {
            if (!(testFraction > 0.0 && testFraction < 1.0))
            {
                throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, "Expected a test fraction strictly between 0 and 1.");
            }

            if (Count < 2)
            {
                throw new InvalidOperationException(Format("Cannot split a data set of {0} sample(s); need at least 2.", Count));
            }

            if (stratify && TargetSize != 1)
            {
                throw new InvalidOperationException(Format("Stratified splits need one class label per sample; this data set has {0} targets per sample.", TargetSize));
            }

            Random random = seed is int s ? new Random(s) : new Random();
            int[] order = new int[Count];
            for (int i = 0; i < order.Length; i++)
            {
                order[i] = i;
            }

            Shuffle(order, random);
            int testCount = (int)Math.Ceiling(testFraction * Count - 1e-9);
            testCount = Math.Max(1, testCount);
            if (testCount >= Count)
            {
                throw new InvalidOperationException(Format("A test fraction of {0} leaves no training samples out of {1}.", testFraction, Count));
            }

            int[] train, test;
            if (!stratify)
            {
                test = order[..testCount];
                train = order[testCount..];
            }
            else
            {
                // Group the shuffled rows by label (in order of first appearance in the shuffle), take a share of each.
                var groups = new Dictionary<float, List<int>>();
                var labels = new List<float>();
                foreach (int r in order)
                {
                    float label = _targets[r];
                    if (!groups.TryGetValue(label, out List<int>? list))
                    {
                        list = new List<int>();
                        groups.Add(label, list);
                        labels.Add(label);
                    }

                    list.Add(r);
                }

                labels.Sort();
                var sizes = new int[labels.Count];
                for (int k = 0; k < sizes.Length; k++)
                {
                    sizes[k] = groups[labels[k]].Count;
                    if (sizes[k] < 2)
                    {
                        throw new InvalidOperationException(Format(
                            "Class {0} has a single sample; a stratified split needs at least 2 samples of every class (as scikit-learn's).", labels[k]));
                    }
                }

                if (testCount < labels.Count || Count - testCount < labels.Count)
                {
                    throw new InvalidOperationException(Format(
                        "A stratified test fraction of {0} gives {1} test and {2} training samples for {3} classes; expected at least one sample per class in each set.",
                        testFraction, testCount, Count - testCount, labels.Count));
                }

                int[] trainShares = Shares(sizes, Count - testCount, random);
                var testList = new List<int>(testCount);
                var trainList = new List<int>(Count - testCount);
                for (int k = 0; k < sizes.Length; k++)
                {
                    List<int> rows = groups[labels[k]];
                    int take = sizes[k] - trainShares[k];
                    testList.AddRange(rows.GetRange(0, take));
                    trainList.AddRange(rows.GetRange(take, rows.Count - take));
                }

                test = testList.ToArray();
                train = trainList.ToArray();
                Shuffle(test, random);
                Shuffle(train, random);
            }

            return (train, test);
        }

        /// <summary>
        /// Mini-batches of this data set for a custom training loop. The returned loader reuses its buffers:
        /// enumerating it allocates nothing per batch, and each enumeration is one epoch (reshuffled when
        /// <paramref name="shuffle"/> is set).
        /// </summary>
        /// <param name="batchSize">The samples per batch; the last batch of an epoch may be smaller.</param>
        /// <param name="shuffle">Visit the samples in a new random order each epoch.</param>
        /// <param name="random">The source of the shuffles; <see langword="null"/> for an unseeded one.</param>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchSize"/> is less than 1.</exception>
        public BatchLoader Batches(int batchSize, bool shuffle = false, Random? random = null)
            => new BatchLoader(this, batchSize, shuffle, random);

        /// <summary>Mini-batches shuffled with a seeded generator: the same seed gives the same batches, epoch after epoch.</summary>
        /// <param name="batchSize">The samples per batch; the last batch of an epoch may be smaller.</param>
        /// <param name="shuffle">Visit the samples in a new random order each epoch.</param>
        /// <param name="seed">Seeds the shuffles.</param>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchSize"/> is less than 1.</exception>
        public BatchLoader Batches(int batchSize, bool shuffle, int seed)
            => new BatchLoader(this, batchSize, shuffle, new Random(seed));

        /// <summary>Creates a data set from a rectangular feature matrix and one target per sample.</summary>
        /// <param name="features">One row per sample.</param>
        /// <param name="targets">One target (a class index, a binary label or a regression value) per sample.</param>
        /// <param name="classNames">Optional class names, see <see cref="ClassNames"/>.</param>
        /// <exception cref="ArgumentException">The row counts differ or a value is not finite.</exception>
        public static Dataset FromArrays(float[,] features, float[] targets, IReadOnlyList<string>? classNames = null)
        {
            ArgumentNullException.ThrowIfNull(features);
            ArgumentNullException.ThrowIfNull(targets);
            CheckRows(features.GetLength(0), targets.Length, nameof(targets));
            return new Dataset(Flatten(features), features.GetLength(1), (float[])targets.Clone(), 1, copy: false) { ClassNames = classNames };
        }

        /// <summary>Creates a data set from a rectangular feature matrix and a rectangular target matrix.</summary>
        /// <param name="features">One row per sample.</param>
        /// <param name="targets">One row of targets per sample.</param>
        /// <exception cref="ArgumentException">The row counts differ or a value is not finite.</exception>
        public static Dataset FromArrays(float[,] features, float[,] targets)
        {
            ArgumentNullException.ThrowIfNull(features);
            ArgumentNullException.ThrowIfNull(targets);
            CheckRows(features.GetLength(0), targets.GetLength(0), nameof(targets));
            return new Dataset(Flatten(features), features.GetLength(1), Flatten(targets), targets.GetLength(1), copy: false);
        }

        /// <summary>Creates a data set from jagged feature rows and one target per sample.</summary>
        /// <param name="features">One array per sample, all of the same length.</param>
        /// <param name="targets">One target (a class index, a binary label or a regression value) per sample.</param>
        /// <param name="classNames">Optional class names, see <see cref="ClassNames"/>.</param>
        /// <exception cref="ArgumentException">The rows are ragged, the row counts differ or a value is not finite.</exception>
        public static Dataset FromArrays(float[][] features, float[] targets, IReadOnlyList<string>? classNames = null)
        {
            ArgumentNullException.ThrowIfNull(features);
            ArgumentNullException.ThrowIfNull(targets);
            CheckRows(features.Length, targets.Length, nameof(targets));
            return new Dataset(Flatten(features, nameof(features)), Width(features), (float[])targets.Clone(), 1, copy: false) { ClassNames = classNames };
        }

        /// <summary>Creates a data set from jagged feature rows and jagged target rows.</summary>
        /// <param name="features">One array per sample, all of the same length.</param>
        /// <param name="targets">One array of targets per sample, all of the same length.</param>
        /// <exception cref="ArgumentException">The rows are ragged, the row counts differ or a value is not finite.</exception>
        public static Dataset FromArrays(float[][] features, float[][] targets)
        {
            ArgumentNullException.ThrowIfNull(features);
            ArgumentNullException.ThrowIfNull(targets);
            CheckRows(features.Length, targets.Length, nameof(targets));
            return new Dataset(Flatten(features, nameof(features)), Width(features), Flatten(targets, nameof(targets)), Width(targets), copy: false);
        }

        /// <summary>Creates a classification data set from a feature matrix and integer class labels.</summary>
        /// <param name="features">One row per sample.</param>
        /// <param name="labels">One class index (0 .. classes - 1) per sample.</param>
        /// <param name="classNames">Optional class names, see <see cref="ClassNames"/>.</param>
        /// <exception cref="ArgumentException">The row counts differ, a feature is not finite, or a label is outside the class names.</exception>
        public static Dataset FromArrays(float[,] features, int[] labels, IReadOnlyList<string>? classNames = null)
        {
            ArgumentNullException.ThrowIfNull(labels);
            return FromArrays(features, ToFloats(labels), classNames);
        }

        /// <summary>Describes the shape of the data set.</summary>
        public override string ToString() => ClassNames is null
            ? Format("Dataset({0} samples, {1} features, {2} target(s) per sample)", Count, FeatureCount, TargetSize)
            : Format("Dataset({0} samples, {1} features, {2} classes)", Count, FeatureCount, ClassNames.Count);

        /// <summary>A data set with the same column metadata over new arrays, which it keeps (the caller made them for it).</summary>
        internal Dataset WithArrays(float[] features, float[] targets)
            => new Dataset(features, FeatureCount, targets, TargetSize, copy: false) { ClassNames = ClassNames, FeatureNames = FeatureNames };

        /// <summary>
        /// <paramref name="draws"/> shared among groups of the given sizes in proportion to them: each gets the floor of
        /// its exact share, and the groups with the largest remainders one more (ties in a random order), so that the
        /// shares add up to <paramref name="draws"/> (scikit-learn's <c>_approximate_mode</c>).
        /// </summary>
        private static int[] Shares(int[] sizes, int draws, Random random)
        {
            long total = 0;
            foreach (int size in sizes)
            {
                total += size;
            }

            var shares = new int[sizes.Length];
            var remainders = new double[sizes.Length];
            int left = draws;
            for (int k = 0; k < sizes.Length; k++)
            {
                double exact = (double)sizes[k] * draws / total;
                shares[k] = (int)Math.Floor(exact);
                remainders[k] = exact - shares[k];
                left -= shares[k];
            }

            if (left > 0)
            {
                int[] ranked = new int[sizes.Length];
                for (int k = 0; k < ranked.Length; k++)
                {
                    ranked[k] = k;
                }

                Shuffle(ranked, random);
                int[] place = new int[ranked.Length];
                for (int i = 0; i < ranked.Length; i++)
                {
                    place[ranked[i]] = i;
                }

                // The largest remainders first; equal ones keep their shuffled order.
                Array.Sort(ranked, (x, y) => remainders[x] != remainders[y] ? remainders[y].CompareTo(remainders[x]) : place[x] - place[y]);
                for (int k = 0; k < left; k++)
                {
                    shares[ranked[k]]++;
                }
            }

            return shares;
        }

        /// <summary>Fisher-Yates shuffle drawing from <paramref name="random"/>; the same generator state gives the same order.</summary>
        internal static void Shuffle(Span<int> values, Random random)
        {
            for (int i = values.Length - 1; i > 0; i--)
            {
                int j = random.Next(i + 1);
                (values[i], values[j]) = (values[j], values[i]);
            }
        }

        internal static string Format(string format, params object?[] args) => string.Format(CultureInfo.InvariantCulture, format, args);

        private void CheckRow(int row)
        {
            if ((uint)row >= (uint)Count)
            {
                throw new ArgumentOutOfRangeException(nameof(row), row, Format("Expected a row index from 0 to {0}.", Count - 1));
            }
        }

        private static void CheckFinite(float[] values, int width, string paramName, string what)
        {
            for (int i = 0; i < values.Length; i++)
            {
                if (!float.IsFinite(values[i]))
                {
                    throw new ArgumentException(
                        Format("{0} {1} of row {2} is {3}; expected a finite value.", what, i % width, i / width, values[i]),
                        paramName);
                }
            }
        }

        private static void CheckRows(int featureRows, int targetRows, string paramName)
        {
            if (featureRows != targetRows)
            {
                throw new ArgumentException(Format("Expected one target row per feature row ({0}), got {1}.", featureRows, targetRows), paramName);
            }
        }

        private static float[] Flatten(float[,] matrix)
        {
            int rows = matrix.GetLength(0), cols = matrix.GetLength(1);
            var flat = new float[rows * cols];
            for (int r = 0; r < rows; r++)
            {
                for (int c = 0; c < cols; c++)
                {
                    flat[r * cols + c] = matrix[r, c];
                }
            }

            return flat;
        }

        private static int Width(float[][] rows) => rows.Length == 0 ? 1 : rows[0]?.Length ?? 0;

        private static float[] Flatten(float[][] rows, string paramName)
        {
            int width = Width(rows);
            var flat = new float[rows.Length * width];
            for (int r = 0; r < rows.Length; r++)
            {
                float[]? row = rows[r];
                if (row is null || row.Length != width)
                {
                    throw new ArgumentException(
                        Format("Row {0} has {1} values; expected {2} like row 0.", r, row is null ? "no" : row.Length.ToString(CultureInfo.InvariantCulture), width),
                        paramName);
                }

                row.CopyTo(flat, r * width);
            }

            return flat;
        }

        private static float[] ToFloats(int[] labels)
        {
            var result = new float[labels.Length];
            for (int i = 0; i < labels.Length; i++)
            {
                result[i] = labels[i];
            }

            return result;
        }
    }
}
