using System;

namespace GenNN
{
    /// <summary>
    /// Adds dropout after the preceding layer (Keras' <c>Dropout(rate)</c>, PyTorch's
    /// <c>nn.Dropout(p)</c>): during <c>TrainBatch</c> each of that layer's outputs is zeroed with probability
    /// <see cref="Rate"/> and the others are scaled by <c>1 / (1 - rate)</c> (inverted dropout), from a seeded,
    /// reproducible mask (<c>INetwork.SeedDropout</c>); <c>Predict</c> and <c>PredictBatch</c> pass the outputs through
    /// unchanged. It has no parameters, so model files hold none for it, but the topology string names it.
    /// </summary>
    /// <example>
    /// <code>
    /// [Network(Loss = Loss.SoftmaxCrossEntropy)]
    /// [Input(784)]
    /// [Dense(256, Activation.ReLU)]
    /// [Dropout(0.2)]
    /// [Dense(10, Activation.Softmax)]
    /// public partial class Mlp { }
    /// </code>
    /// </example>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class DropoutAttribute : Attribute
    {
        /// <summary>Creates the attribute.</summary>
        /// <param name="rate">The fraction of the previous layer's outputs to drop, in [0, 1) (GNN0017).</param>
        public DropoutAttribute(double rate) => Rate = rate;

        /// <summary>The fraction of the previous layer's outputs dropped in training, in [0, 1).</summary>
        public double Rate { get; }
    }
}
