using System;

namespace GenNN
{
    /// <summary>
    /// Batch normalisation over the channels (the last dimension) of its input (Keras' <c>BatchNormalization()</c>, PyTorch's
    /// <c>nn.BatchNorm1d</c> or <c>nn.BatchNorm2d</c>): each channel is normalised to zero mean and unit variance, then scaled
    /// by its <c>weight</c> (gamma) and shifted by its <c>bias</c> (beta), then <see cref="Activation"/> applies.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Training (<c>TrainBatch</c>, <c>Fit</c>) normalises with the batch's own mean and biased variance, over every sample and
    /// every position of the channel, and updates the running statistics:
    /// <c>running = (1 - Momentum) running + Momentum batch</c>, with the unbiased variance, as PyTorch does. Inference
    /// (<c>Predict</c>, <c>PredictBatch</c>, <c>Evaluate</c>) normalises with the running statistics, so a sample's output does
    /// not depend on the rest of its batch.
    /// </para>
    /// <para>
    /// Saved as PyTorch saves it: <c>weight</c> and <c>bias</c> <c>[channels]</c> (trainable), and <c>running_mean</c>,
    /// <c>running_var</c> <c>[channels]</c> and the int64 <c>num_batches_tracked</c> (the network's <c>State</c>, which no
    /// optimizer changes). Training needs more than one value per channel in a batch: a batch of 1 after a Dense layer is
    /// rejected, as in PyTorch.
    /// </para>
    /// </remarks>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class BatchNormAttribute : Attribute
    {
        /// <summary>Creates the attribute.</summary>
        /// <param name="activation">The activation applied after the normalisation (not Softmax); Linear, none, unless set.</param>
        public BatchNormAttribute(Activation activation = Activation.Linear)
        {
            Activation = activation;
        }

        /// <summary>The activation applied after the normalisation: <c>[BatchNorm(Activation.ReLU)]</c> is Keras' <c>BatchNormalization()</c> then <c>Activation("relu")</c>.</summary>
        public Activation Activation { get; }

        /// <summary>
        /// The weight of each batch's statistics in the running ones, PyTorch's <c>momentum</c>: 0.1 unless set, from 0 to 1
        /// (GNN0024). Keras' <c>momentum</c> is one minus this: its default 0.99 is 0.01 here.
        /// </summary>
        public float Momentum { get; set; } = 0.1f;

        /// <summary>What is added to the variance before its square root: 1e-5 unless set (PyTorch's <c>eps</c>; Keras' default is 1e-3). Positive and finite (GNN0024).</summary>
        public float Epsilon { get; set; } = 1e-5f;

        /// <summary>The slope of <see cref="Activation.LeakyReLU"/> for negative inputs; 0.01 unless set (GNN0014).</summary>
        public float NegativeSlope { get; set; } = 0.01f;
    }
}
