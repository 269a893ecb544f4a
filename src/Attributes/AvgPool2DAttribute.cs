using System;

namespace GenNN
{
    /// <summary>
    /// A pooling layer (Keras' <c>AveragePooling2D</c>, PyTorch's <c>nn.AvgPool2d</c> with <c>count_include_pad=False</c>): the mean of each channel over a window. Its input has shape <c>(height, width, channels)</c>; the channels are kept. No parameters.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class AvgPool2DAttribute : Attribute
    {
        /// <summary>Creates the attribute.</summary>
        /// <param name="poolSize">The window's size along each spatial dimension; at least 1 (GNN0023). Keras' default is 2.</param>
        public AvgPool2DAttribute(int poolSize = 2) => PoolSize = poolSize;

        /// <summary>The window's size along each spatial dimension.</summary>
        public int PoolSize { get; }

        /// <summary>The step between windows; <see cref="PoolSize"/> unless set (Keras' and PyTorch's default). At least 1 (GNN0004).</summary>
        public int Stride { get; set; }

        /// <summary><see cref="GenNN.Padding.Valid"/> (the default) or <see cref="GenNN.Padding.Same"/>.</summary>
        public Padding Padding { get; set; }
    }
}
