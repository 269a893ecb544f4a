using System;

namespace GenNN
{
    /// <summary>
    /// Flattens each sample to one dimension (Keras' <c>Flatten</c>, PyTorch's <c>nn.Flatten</c>), in the channels-last
    /// order the sample is stored in: a <c>(28, 28, 1)</c> input becomes <c>784</c> features. A <see cref="DenseAttribute"/>
    /// layer needs a flat input, so one must follow a shaped input (GNN0020). It has no parameters.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class FlattenAttribute : Attribute
    {
    }
}
