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

        /// <summary>
        /// Mean absolute error, averaged over the batch and the outputs (Keras' <c>mae</c>, PyTorch's <c>L1Loss</c>).
        /// Targets are one float per output. Its gradient is <c>sign(y - t)</c>, 0 where they are equal.
        /// </summary>
        MeanAbsoluteError = 3,

        /// <summary>
        /// Huber loss, averaged over the batch and the outputs (PyTorch's <c>HuberLoss</c>, Keras' <c>Huber</c>): with
        /// <c>d = y - t</c>, <c>d^2 / 2</c> where <c>|d| &lt;= delta</c> and <c>delta (|d| - delta / 2)</c> elsewhere;
        /// <c>delta</c> is <see cref="NetworkAttribute.HuberDelta"/> (1 unless set). Targets are one float per output.
        /// </summary>
        Huber = 4,

        /// <summary>
        /// Categorical cross-entropy on a <see cref="Activation.Softmax"/> output with one-hot or soft targets (Keras'
        /// <c>categorical_crossentropy</c>, PyTorch's <c>CrossEntropyLoss</c> with class probabilities): <c>-sum t log p</c>,
        /// averaged over the batch, computed from the logits. Targets are one probability per output (per class), each in
        /// [0, 1], summing to 1 per sample. For integer labels use <see cref="SoftmaxCrossEntropy"/>.
        /// </summary>
        CategoricalCrossEntropy = 5,
    }
}
