using System;
using System.Collections.Generic;

namespace GenNN.Serialization
{
    /// <summary>
    /// Where one named tensor lives in a network's flat parameter buffer.
    /// </summary>
    /// <param name="Name">The tensor's name in the file, PyTorch <c>state_dict</c> style (<c>layers.0.weight</c>).</param>
    /// <param name="Offset">The index of the tensor's first element in the parameter buffer.</param>
    /// <param name="Shape">The shape in the file: <c>[out, in]</c> for weights, <c>[out]</c> for biases.</param>
    /// <param name="StoredTransposed">True when the buffer holds the 2-D tensor transposed
    /// (input-major, <c>[in, out]</c>), as generated networks store weights.</param>
    public sealed record TensorLayout(string Name, int Offset, int[] Shape, bool StoredTransposed)
    {
        /// <summary>The number of elements: the product of <see cref="Shape"/>.</summary>
        public int Length
        {
            get
            {
                int n = 1;
                foreach (int d in Shape) n *= d;
                return n;
            }
        }
    }

    /// <summary>
    /// Everything a model file must agree with to load into a network: its topology, loss and tensors.
    /// Generated networks hold one instance, built once.
    /// </summary>
    /// <param name="Topology">The canonical topology string (<see cref="INetwork.Topology"/>).</param>
    /// <param name="Loss">The loss the network trains on; recorded in the file's metadata.</param>
    /// <param name="ParameterCount">The length of the parameter buffer.</param>
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
    }
}
