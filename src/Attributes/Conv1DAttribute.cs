using System;

namespace GenNN
{
    /// <summary>
    /// A 1-D convolution (Keras' <c>Conv1D</c>, PyTorch's <c>nn.Conv1d</c> plus activation), for signals and audio:
    /// <see cref="Filters"/> kernels of <c>KernelSize x channels</c> slide along an input of shape <c>(length, channels)</c>,
    /// and the output has shape <c>(outLength, filters)</c>. Saved as PyTorch saves it: <c>weight</c>
    /// <c>[filters, channels, k]</c> and <c>bias</c> <c>[filters]</c>.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class Conv1DAttribute : Attribute
    {
        /// <summary>Creates the attribute.</summary>
        /// <param name="filters">The output channels; at least 1.</param>
        /// <param name="kernelSize">The kernel's size along the sequence; at least 1, and no larger than the input with <see cref="GenNN.Padding.Valid"/> (GNN0023).</param>
        /// <param name="activation">The activation applied to the layer's output (not Softmax).</param>
        public Conv1DAttribute(int filters, int kernelSize, Activation activation = Activation.Linear)
        {
            Filters = filters;
            KernelSize = kernelSize;
            Activation = activation;
        }

        /// <summary>The output channels (Keras' <c>filters</c>, PyTorch's <c>out_channels</c>).</summary>
        public int Filters { get; }

        /// <summary>The kernel's size along the sequence (Keras' <c>kernel_size</c>).</summary>
        public int KernelSize { get; }

        /// <summary>The activation applied to the layer's output.</summary>
        public Activation Activation { get; }

        /// <summary>The step between windows; 1 unless set. At least 1 (GNN0023).</summary>
        public int Stride { get; set; } = 1;

        /// <summary>
        /// <see cref="GenNN.Padding.Valid"/> (the default: windows lie inside the input) or <see cref="GenNN.Padding.Same"/>
        /// (zeros around the input, so that the output is <c>ceil(n / stride)</c> long).
        /// </summary>
        public Padding Padding { get; set; }

        /// <summary>The slope of <see cref="Activation.LeakyReLU"/> for negative inputs; 0.01 unless set (GNN0014).</summary>
        public float NegativeSlope { get; set; } = 0.01f;
    }
}
