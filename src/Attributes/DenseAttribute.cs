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

        /// <summary>
        /// The slope of <see cref="Activation.LeakyReLU"/> for negative inputs (PyTorch's <c>negative_slope</c>, Keras'
        /// <c>negative_slope</c>); 0.01, PyTorch's default, unless set. PyTorch models often use 0.2. Only valid with
        /// <see cref="Activation.LeakyReLU"/>, and must be finite (GNN0014).
        /// </summary>
        public float NegativeSlope { get; set; } = 0.01f;

        /// <summary>
        /// L1 regularisation of the layer's weights (Keras' <c>kernel_regularizer=L1(l1)</c>): TrainBatch adds
        /// <c>L1 sum |w|</c> to the loss it returns and <c>L1 sign(w)</c> to the weight gradients. Biases are not
        /// penalised. 0 (none) unless set; must be finite and at least 0 (GNN0016).
        /// </summary>
        public float L1 { get; set; }

        /// <summary>
        /// L2 regularisation of the layer's weights (Keras' <c>kernel_regularizer=L2(l2)</c>), e.g. 1e-4f: TrainBatch adds
        /// <c>L2 sum w^2</c> to the loss it returns (no factor 1/2, as Keras) and <c>2 L2 w</c> to the weight gradients.
        /// Biases are not penalised. 0 (none) unless set; must be finite and at least 0 (GNN0016).
        /// </summary>
        public float L2 { get; set; }

        /// <summary>
        /// How the weights start (Keras' <c>kernel_initializer</c>): <see cref="Initializer.Default"/> (He uniform for
        /// ReLU and LeakyReLU, Glorot uniform otherwise) unless set, or one of the Glorot, He and LeCun initialisers,
        /// uniform or normal. Seeded by the network's constructor seed (GNN0019 for Zeros or Constant).
        /// </summary>
        public Initializer KernelInitializer { get; set; } = Initializer.Default;

        /// <summary>
        /// How the biases start (Keras' <c>bias_initializer</c>): <see cref="Initializer.Zeros"/> unless set, or
        /// <see cref="Initializer.Constant"/> with <see cref="BiasValue"/> (GNN0019 for the others).
        /// </summary>
        public Initializer BiasInitializer { get; set; } = Initializer.Zeros;

        /// <summary>
        /// The biases' starting value with <see cref="BiasInitializer"/> = <see cref="Initializer.Constant"/> (e.g. 0.1f
        /// for ReLU layers); must be finite, and needs that initialiser (GNN0019).
        /// </summary>
        public float BiasValue { get; set; }
    }
}
