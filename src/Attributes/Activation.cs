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

        /// <summary>Leaky ReLU with PyTorch's default slope: <c>f(z) = z &gt; 0 ? z : 0.01 z</c>.</summary>
        LeakyReLU = 2,

        /// <summary>Logistic sigmoid: <c>f(z) = 1 / (1 + e^-z)</c>.</summary>
        Sigmoid = 3,

        /// <summary>Hyperbolic tangent.</summary>
        Tanh = 4,

        /// <summary>Softmax over the layer's units; allowed on the last layer only.</summary>
        Softmax = 5,
    }
}
