using System;

namespace GenNN
{
    /// <summary>
    /// A pooling layer (Keras' <c>MaxPooling1D</c>, PyTorch's <c>nn.MaxPool1d</c>): the maximum of each channel over a window of steps (NaN when the window holds one, as PyTorch). Its input has shape <c>(length, channels)</c>; the channels are kept. No parameters.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class MaxPool1DAttribute : Attribute
    {
        /// <summary>Creates the attribute.</summary>
        /// <param name="poolSize">The window's size along each spatial dimension; at least 1 (GNN0023). Keras' default is 2.</param>
        public MaxPool1DAttribute(int poolSize = 2) => PoolSize = poolSize;

        /// <summary>The window's size along each spatial dimension.</summary>
        public int PoolSize { get; }

        /// <summary>The step between windows; <see cref="PoolSize"/> unless set (Keras' and PyTorch's default). At least 1 (GNN0004).</summary>
        public int Stride { get; set; }

        /// <summary><see cref="GenNN.Padding.Valid"/> (the default) or <see cref="GenNN.Padding.Same"/>.</summary>
        public Padding Padding { get; set; }
    }
}
