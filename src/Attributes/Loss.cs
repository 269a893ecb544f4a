namespace GenNN
{
    /// <summary>The loss a network is trained on (Keras' <c>loss=</c>).</summary>
    /// <remarks>The numeric values are part of the generator's contract; do not reorder.</remarks>
    public enum Loss
    {
        /// <summary>
        /// Mean squared error, averaged over the batch and the outputs (Keras' <c>mse</c>, PyTorch's
        /// <c>MSELoss</c>). Targets are one float per output.
        /// </summary>
        MeanSquaredError = 0,

        /// <summary>
        /// Binary cross-entropy on a single <see cref="Activation.Sigmoid"/> output, computed from the logit
        /// (PyTorch's <c>BCEWithLogitsLoss</c>). Targets are one float in [0, 1] per sample.
        /// </summary>
        BinaryCrossEntropy = 1,

        /// <summary>
        /// Categorical cross-entropy on a <see cref="Activation.Softmax"/> output with integer class labels
        /// (Keras' <c>sparse_categorical_crossentropy</c>, PyTorch's <c>CrossEntropyLoss</c>). Targets are one
        /// class index (0 .. outputs - 1, stored as a float) per sample.
        /// </summary>
        SoftmaxCrossEntropy = 2,
    }
}
