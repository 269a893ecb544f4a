using System;
using System.Runtime.CompilerServices;

namespace GenNN
{
    /// <summary>
    /// Splits a <see cref="Dataset"/> into mini-batches, like PyTorch's <c>DataLoader</c>. Each <c>foreach</c> over
    /// the loader is one epoch that visits every sample exactly once; with shuffling on, every epoch draws a new
    /// order from the loader's generator.
    /// </summary>
    /// <remarks>
    /// <para>The loader allocates its buffers once, in its constructor; enumerating it allocates nothing. A
    /// <see cref="Batch"/> therefore points into buffers the next batch overwrites: copy what you need to keep.
    /// Without shuffling, batches are slices of the data set itself and nothing is copied.</para>
    /// <para>One enumeration at a time: starting a new <c>foreach</c> invalidates the previous one (its
    /// <c>MoveNext</c> throws <see cref="InvalidOperationException"/>). Not thread-safe.</para>
    /// </remarks>
    public sealed class BatchLoader
    {
        private readonly int[] _order;
        private readonly float[]? _features;
        private readonly float[]? _targets;
        private readonly Random? _random;
        private int _version;

        /// <summary>Creates a loader; see <see cref="Dataset.Batches(int, bool, Random?)"/>.</summary>
        /// <param name="dataset">The data set to read.</param>
        /// <param name="batchSize">The samples per batch; at least 1. The last batch of an epoch may be smaller.</param>
        /// <param name="shuffle">Visit the samples in a new random order each epoch.</param>
        /// <param name="random">The source of the shuffles; <see langword="null"/> for an unseeded one.</param>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchSize"/> is less than 1.</exception>
        public BatchLoader(Dataset dataset, int batchSize, bool shuffle = false, Random? random = null)
        {
            ArgumentNullException.ThrowIfNull(dataset);
            if (batchSize < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "Expected a batch size of at least 1.");
            }

            Dataset = dataset;
            BatchSize = batchSize;
            Shuffle = shuffle;
            _order = new int[dataset.Count];
            for (int i = 0; i < _order.Length; i++)
            {
                _order[i] = i;
            }

            if (shuffle)
            {
                int rows = Math.Min(batchSize, dataset.Count);
                _features = new float[rows * dataset.FeatureCount];
                _targets = new float[rows * dataset.TargetSize];
                _random = random ?? new Random();
            }
        }

        /// <summary>The data set the batches come from.</summary>
        public Dataset Dataset { get; }

        /// <summary>The samples per batch (the last batch of an epoch may hold fewer).</summary>
        public int BatchSize { get; }

        /// <summary>Whether each epoch visits the samples in a new random order.</summary>
        public bool Shuffle { get; }

        /// <summary>The number of batches per epoch: <c>ceil(Count / BatchSize)</c>.</summary>
        public int BatchCount => (Dataset.Count + BatchSize - 1) / BatchSize;

        /// <summary>Starts an epoch (reshuffling when <see cref="Shuffle"/> is set). Allocates nothing.</summary>
        public Enumerator GetEnumerator()
        {
            _version++;
            if (Shuffle)
            {
                Dataset.Shuffle(_order, _random!);
            }

            return new Enumerator(this, _version);
        }

        /// <summary>Walks one epoch of batches. Obtain it through <c>foreach</c>.</summary>
        public struct Enumerator
        {
            private readonly BatchLoader _loader;
            private readonly int _version;
            private int _index;
            private int _start;
            private int _count;

            internal Enumerator(BatchLoader loader, int version)
            {
                _loader = loader;
                _version = version;
                _index = -1;
                _start = 0;
                _count = 0;
            }

            /// <summary>The current batch; valid until the next <see cref="MoveNext"/>.</summary>
            public readonly Batch Current
            {
                get
                {
                    Dataset data = _loader.Dataset;
                    ReadOnlySpan<int> rows = _loader._order.AsSpan(_start, _count);
                    if (_loader.Shuffle)
                    {
                        return new Batch(
                            _loader._features.AsSpan(0, _count * data.FeatureCount),
                            _loader._targets.AsSpan(0, _count * data.TargetSize),
                            rows, _count, _index);
                    }

                    return new Batch(
                        data.Features.Slice(_start * data.FeatureCount, _count * data.FeatureCount),
                        data.Targets.Slice(_start * data.TargetSize, _count * data.TargetSize),
                        rows, _count, _index);
                }
            }

            /// <summary>Advances to the next batch, copying its rows into the loader's buffers when shuffling.</summary>
            /// <returns><see langword="false"/> after the last batch of the epoch.</returns>
            /// <exception cref="InvalidOperationException">Another enumeration of the same loader has started since.</exception>
            [MethodImpl(MethodImplOptions.AggressiveOptimization)]
            public bool MoveNext()
            {
                if (_loader._version != _version)
                {
                    throw new InvalidOperationException("The BatchLoader was enumerated again; an enumeration is valid only until the next one starts.");
                }

                int total = _loader.Dataset.Count;
                int next = _index < 0 ? 0 : _start + _count;
                if (next >= total)
                {
                    _start = total;
                    _count = 0;
                    return false;
                }

                _index++;
                _start = next;
                _count = Math.Min(_loader.BatchSize, total - next);
                if (_loader.Shuffle)
                {
                    Dataset data = _loader.Dataset;
                    int f = data.FeatureCount, t = data.TargetSize;
                    Span<float> features = _loader._features;
                    Span<float> targets = _loader._targets;
                    ReadOnlySpan<float> sourceFeatures = data.Features;
                    ReadOnlySpan<float> sourceTargets = data.Targets;
                    for (int i = 0; i < _count; i++)
                    {
                        int row = _loader._order[_start + i];
                        sourceFeatures.Slice(row * f, f).CopyTo(features.Slice(i * f, f));
                        sourceTargets.Slice(row * t, t).CopyTo(targets.Slice(i * t, t));
                    }
                }

                return true;
            }
        }
    }

    /// <summary>
    /// One mini-batch: <see cref="Count"/> rows of features and targets, row-major, ready for
    /// <see cref="INetwork.TrainBatch(System.ReadOnlySpan{float}, System.ReadOnlySpan{float}, int)"/>. Points into buffers that the next batch overwrites.
    /// </summary>
    public readonly ref struct Batch
    {
        internal Batch(ReadOnlySpan<float> features, ReadOnlySpan<float> targets, ReadOnlySpan<int> rows, int count, int index)
        {
            Features = features;
            Targets = targets;
            Rows = rows;
            Count = count;
            Index = index;
        }

        /// <summary><see cref="Count"/> rows of <see cref="Dataset.FeatureCount"/> features.</summary>
        public ReadOnlySpan<float> Features { get; }

        /// <summary><see cref="Count"/> rows of <see cref="Dataset.TargetSize"/> targets.</summary>
        public ReadOnlySpan<float> Targets { get; }

        /// <summary>The data set row each sample of the batch came from.</summary>
        public ReadOnlySpan<int> Rows { get; }

        /// <summary>The number of samples in this batch (the last batch of an epoch may be smaller than the batch size).</summary>
        public int Count { get; }

        /// <summary>The 0-based position of this batch within its epoch.</summary>
        public int Index { get; }
    }
}
