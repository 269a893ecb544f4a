using System;

namespace GenNN
{
    /// <summary>
    /// Global average pooling (Keras' <c>GlobalAveragePooling1D</c>, PyTorch's <c>nn.AdaptiveAvgPool1d(1)</c> then <c>nn.Flatten()</c>): the mean of each channel over the whole input of shape <c>(length, channels)</c>, a flat
    /// output of <c>channels</c> floats. No parameters; a <see cref="DenseAttribute"/> layer may follow it directly.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class GlobalAvgPool1DAttribute : Attribute
    {
    }
}
