using System;

namespace GenNN
{
    /// <summary>
    /// Adds a fully connected layer (Keras' <c>Dense</c>, PyTorch's <c>Linear</c> plus activation) to a
    /// <see cref="NetworkAttribute"/> class. Layers are applied in the order they are written.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class DenseAttribute : Attribute
    {
        /// <summary>Creates the attribute.</summary>
        /// <param name="units">The number of output units; must be positive.</param>
        /// <param name="activation">The activation applied to the layer's output.</param>
        public DenseAttribute(int units, Activation activation = Activation.Linear)
        {
            Units = units;
            Activation = activation;
        }

        /// <summary>The number of output units.</summary>
        public int Units { get; }

        /// <summary>The activation applied to the layer's output.</summary>
        public Activation Activation { get; }
    }
}
