using System;
using System.Collections.Generic;

namespace GenNN.Serialization
{
    /// <summary>Which of a network's buffers a tensor lives in, and so its element type.</summary>
    public enum TensorStorage
    {
        /// <summary>Trainable floats in the parameter buffer (weights, biases); F32 in files.</summary>
        Parameters = 0,

        /// <summary>
        /// Non-trainable floats such as BatchNorm's running statistics, in a separate state buffer: what Keras calls
        /// non-trainable weights and PyTorch buffers. F32 in files.
        /// </summary>
        State = 1,

        /// <summary>
        /// An int64 scalar such as BatchNorm's <c>num_batches_tracked</c>, in a counter buffer of <see cref="long"/>s.
        /// Its shape is <c>[]</c> (one element); I64 in files.
        /// </summary>
        Counter = 2,
    }

    /// <summary>
    /// Where one named tensor lives in one of a network's flat buffers: the parameter buffer unless
    /// <see cref="Storage"/> says otherwise.
    /// </summary>
    /// <param name="Name">The tensor's name in the file, PyTorch <c>state_dict</c> style (<c>layers.0.weight</c>).</param>
    /// <param name="Offset">The index of the tensor's first element in the buffer its <see cref="Storage"/> names.</param>
    /// <param name="Shape">The shape in the file: <c>[out, in]</c> for weights, <c>[out]</c> for biases, <c>[]</c> (an
    /// empty array, one element) for a <see cref="TensorStorage.Counter"/>.</param>
    /// <param name="StoredTransposed">True when the buffer holds the 2-D tensor transposed
    /// (input-major, <c>[in, out]</c>), as generated networks store weights; the same as <see cref="MemoryAxes"/> = <c>[1, 0]</c>.</param>
    public sealed record TensorLayout(string Name, int Offset, int[] Shape, bool StoredTransposed)
    {
        private readonly int[]? _memoryAxes;

        /// <summary>
        /// The buffer the tensor lives in and so its dtype in files: F32 for <see cref="TensorStorage.Parameters"/> (the
        /// default) and <see cref="TensorStorage.State"/>, I64 for <see cref="TensorStorage.Counter"/>.
        /// </summary>
        public TensorStorage Storage { get; init; }

        /// <summary>The number of elements: the product of <see cref="Shape"/> (1 for the shape <c>[]</c>).</summary>
        public int Length
        {
            get
            {
                int n = 1;
                foreach (int d in Shape) n *= d;
                return n;
            }
        }

        /// <summary>
        /// The order of the file's axes in the buffer, outermost first, when it differs from the file's; null when the
        /// buffer holds the file's row-major order (or <see cref="StoredTransposed"/> says <c>[1, 0]</c>). A convolution's
        /// weight is <c>[out, in, kh, kw]</c> in a PyTorch file and <c>[kh, kw, in, out]</c> in the buffer:
        /// <c>MemoryAxes = [2, 3, 1, 0]</c>. It must be a permutation of the axes, and is not set with StoredTransposed.
        /// </summary>
        public int[]? MemoryAxes
        {
            get => _memoryAxes ?? (StoredTransposed ? TransposedAxes : null);
            init => _memoryAxes = value;
        }

        private static readonly int[] TransposedAxes = { 1, 0 };

        /// <summary>Whether <see cref="MemoryAxes"/> was set (rather than implied by <see cref="StoredTransposed"/>).</summary>
        internal bool HasExplicitMemoryAxes => _memoryAxes is not null;

        /// <summary>Whether the buffer's order differs from the file's.</summary>
        internal bool Permuted => MemoryAxes is not null;

        /// <summary>
        /// The buffer index (from <see cref="Offset"/>) of each element in file order, for a permuted tensor: the file
        /// walks its shape row-major; the buffer's strides follow <see cref="MemoryAxes"/>.
        /// </summary>
        internal int[] MemoryIndices()
        {
            int[] axes = MemoryAxes!;
            int rank = Shape.Length;
            var stride = new int[rank]; // the buffer stride of each file axis
            int s = 1;
            for (int j = rank - 1; j >= 0; j--)
            {
                stride[axes[j]] = s;
                s *= Shape[axes[j]];
            }

            var indices = new int[Length];
            var index = new int[rank];
            int memory = 0;
            for (int k = 0; k < indices.Length; k++)
            {
                indices[k] = memory;
                // Next file element: an odometer over the file's axes, last fastest.
                for (int a = rank - 1; a >= 0; a--)
                {
                    memory += stride[a];
                    if (++index[a] < Shape[a]) break;
                    memory -= stride[a] * Shape[a];
                    index[a] = 0;
                }
            }

            return indices;
        }
    }

    /// <summary>
    /// Everything a model file must agree with to load into a network: its topology, loss and tensors.
    /// Generated networks hold one instance, built once.
    /// </summary>
    /// <param name="Topology">The canonical topology string (<see cref="INetwork.Topology"/>).</param>
    /// <param name="Loss">The loss the network trains on; recorded in the file's metadata.</param>
    /// <param name="ParameterCount">The length of the parameter buffer (trainable floats).</param>
    /// <param name="Tensors">The tensors, in layer order.</param>
    public sealed record ModelLayout(string Topology, Loss Loss, int ParameterCount, IReadOnlyList<TensorLayout> Tensors)
    {
        /// <summary>
        /// The number of input features per sample, or 0 when the layout does not say. A file can carry a
        /// <see cref="ModelPreprocessing"/> only for a layout that states both sizes: they give the shapes its
        /// standardizer and names must have.
        /// </summary>
        public int InputSize { get; init; }

        /// <summary>The number of outputs per sample, or 0 when the layout does not say; see <see cref="InputSize"/>.</summary>
        public int OutputSize { get; init; }

        /// <summary>
        /// The length of the state buffer: the non-trainable floats of the <see cref="TensorStorage.State"/> tensors
        /// (BatchNorm's running statistics); 0 for a network without any.
        /// </summary>
        public int StateSize { get; init; }

        /// <summary>
        /// The length of the counter buffer: one <see cref="long"/> per <see cref="TensorStorage.Counter"/> tensor
        /// (BatchNorm's <c>num_batches_tracked</c>); 0 for a network without any.
        /// </summary>
        public int CounterCount { get; init; }
    }
}
