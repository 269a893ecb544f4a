using System;

namespace GenNN
{
    /// <summary>
    /// A 2-D convolution (Keras' <c>Conv2D</c>, PyTorch's <c>nn.Conv2d</c> plus activation): <see cref="Filters"/> kernels of
    /// <c>KernelSize x KernelSize x channels</c> slide over an input of shape <c>(height, width, channels)</c>, channels last,
    /// and the output has shape <c>(outHeight, outWidth, filters)</c>. Saved as PyTorch saves it: <c>weight</c>
    /// <c>[filters, channels, kh, kw]</c> and <c>bias</c> <c>[filters]</c>.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class Conv2DAttribute : Attribute
    {
        /// <summary>Creates the attribute.</summary>
        /// <param name="filters">The output channels; at least 1.</param>
        /// <param name="kernelSize">The kernel's size along each spatial dimension (square kernels); at least 1, and no larger than the input with <see cref="GenNN.Padding.Valid"/> (GNN0023).</param>
        /// <param name="activation">The activation applied to the layer's output (not Softmax).</param>
        public Conv2DAttribute(int filters, int kernelSize, Activation activation = Activation.Linear)
        {
            Filters = filters;
            KernelSize = kernelSize;
            Activation = activation;
        }

        /// <summary>The output channels (Keras' <c>filters</c>, PyTorch's <c>out_channels</c>).</summary>
        public int Filters { get; }

        /// <summary>The kernel's size along each spatial dimension (square kernels) (Keras' <c>kernel_size</c>).</summary>
        public int KernelSize { get; }

        /// <summary>The activation applied to the layer's output.</summary>
        public Activation Activation { get; }

        /// <summary>The step between windows along each spatial dimension; 1 unless set. At least 1 (GNN0023).</summary>
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
