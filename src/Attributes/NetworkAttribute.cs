using System;

namespace GenNN
{
    /// <summary>
    /// Marks a <c>partial class</c> as a gen-nn network. The source generator reads the class's
    /// <see cref="InputAttribute"/> and <see cref="DenseAttribute"/>s (in source order) and emits its
    /// forward, backward and serialization code.
    /// </summary>
    /// <example>
    /// <code>
    /// [Network(Loss = Loss.SoftmaxCrossEntropy)]
    /// [Input(4)]
    /// [Dense(16, Activation.ReLU)]
    /// [Dense(3, Activation.Softmax)]
    /// public partial class IrisNet { }
    /// </code>
    /// </example>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
    public sealed class NetworkAttribute : Attribute
    {
        /// <summary>The loss the network is trained on. Defaults to <see cref="GenNN.Loss.MeanSquaredError"/>.</summary>
        public Loss Loss { get; set; } = Loss.MeanSquaredError;

        /// <summary>
        /// The threshold of <see cref="GenNN.Loss.Huber"/> (PyTorch's <c>delta</c>, Keras' <c>delta</c>) where the loss turns
        /// from quadratic to linear; 1 unless set. Must be positive and finite, and is only valid with
        /// <see cref="GenNN.Loss.Huber"/> (GNN0015).
        /// </summary>
        public float HuberDelta { get; set; } = 1f;
    }
}
