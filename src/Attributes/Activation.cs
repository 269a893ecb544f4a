namespace GenNN
{
    /// <summary>The activation function applied to a layer's output (Keras' <c>activation=</c>).</summary>
    /// <remarks>The numeric values are part of the generator's contract; do not reorder.</remarks>
    public enum Activation
    {
        /// <summary>Identity: <c>f(z) = z</c>.</summary>
        Linear = 0,

        /// <summary>Rectified linear unit: <c>f(z) = max(z, 0)</c>.</summary>
        ReLU = 1,

        /// <summary>
        /// Leaky ReLU: <c>f(z) = z &gt; 0 ? z : slope z</c>, with the slope from <see cref="DenseAttribute.NegativeSlope"/>
        /// (PyTorch's default, 0.01, unless set).
        /// </summary>
        LeakyReLU = 2,

        /// <summary>Logistic sigmoid: <c>f(z) = 1 / (1 + e^-z)</c>.</summary>
        Sigmoid = 3,

        /// <summary>Hyperbolic tangent.</summary>
        Tanh = 4,

        /// <summary>Softmax over the layer's units; allowed on the last layer only.</summary>
        Softmax = 5,

        /// <summary>
        /// Exponential linear unit with alpha 1 (Keras' <c>elu</c>, PyTorch's <c>ELU()</c>):
        /// <c>f(z) = z &gt; 0 ? z : e^z - 1</c>.
        /// </summary>
        ELU = 6,

        /// <summary>
        /// Gaussian error linear unit, the exact form (PyTorch's <c>GELU()</c> default, Keras' <c>gelu</c> with
        /// <c>approximate=False</c>): <c>f(z) = z Φ(z) = z (1 + erf(z / √2)) / 2</c>. Not the tanh approximation.
        /// </summary>
        GELU = 7,

        /// <summary>Sigmoid linear unit, also called swish (PyTorch's <c>SiLU</c>, Keras' <c>silu</c>): <c>f(z) = z / (1 + e^-z)</c>.</summary>
        SiLU = 8,

        /// <summary>Softplus (PyTorch's <c>Softplus()</c>, Keras' <c>softplus</c>): <c>f(z) = log(1 + e^z)</c>, computed stably.</summary>
        Softplus = 9,

        /// <summary>
        /// Hard sigmoid as PyTorch defines it (<c>Hardsigmoid</c>, and Keras 3's <c>hard_sigmoid</c>):
        /// <c>f(z) = relu6(z + 3) / 6 = clamp(z / 6 + 1/2, 0, 1)</c>; not Keras 2's <c>clamp(0.2 z + 0.5, 0, 1)</c>.
        /// </summary>
        HardSigmoid = 10,
    }
}
