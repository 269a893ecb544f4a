namespace GenNN
{
    /// <summary>
    /// How a layer's weights or biases start (Keras' <c>kernel_initializer</c> / <c>bias_initializer</c>), for
    /// <see cref="DenseAttribute.KernelInitializer"/> and <see cref="DenseAttribute.BiasInitializer"/>. Fan-in is the
    /// layer's inputs, fan-out its units. The normal variants draw from a normal truncated at two standard deviations,
    /// with the standard deviation raised so the variance is the one named (as Keras does).
    /// </summary>
    /// <remarks>The numeric values are part of the generator's contract; do not reorder.</remarks>
    public enum Initializer
    {
        /// <summary>The default for weights: <see cref="HeUniform"/> for ReLU and LeakyReLU layers, <see cref="GlorotUniform"/> for the others.</summary>
        Default = 0,

        /// <summary>U(-l, l) with <c>l = sqrt(6 / (fanIn + fanOut))</c>: variance <c>2 / (fanIn + fanOut)</c> (Keras' default).</summary>
        GlorotUniform = 1,

        /// <summary>Truncated normal with variance <c>2 / (fanIn + fanOut)</c>.</summary>
        GlorotNormal = 2,

        /// <summary>U(-l, l) with <c>l = sqrt(6 / fanIn)</c>: variance <c>2 / fanIn</c>.</summary>
        HeUniform = 3,

        /// <summary>Truncated normal with variance <c>2 / fanIn</c>.</summary>
        HeNormal = 4,

        /// <summary>U(-l, l) with <c>l = sqrt(3 / fanIn)</c>: variance <c>1 / fanIn</c>.</summary>
        LeCunUniform = 5,

        /// <summary>Truncated normal with variance <c>1 / fanIn</c> (for SELU-style self-normalising layers).</summary>
        LeCunNormal = 6,

        /// <summary>All zeros: for biases only (the default there).</summary>
        Zeros = 7,

        /// <summary>Every element <see cref="DenseAttribute.BiasValue"/>: for biases only.</summary>
        Constant = 8,
    }
}
