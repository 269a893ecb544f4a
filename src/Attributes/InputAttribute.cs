using System;

namespace GenNN
{
    /// <summary>Declares the number of input features of a <see cref="NetworkAttribute"/> class (Keras' <c>Input(shape=(n,))</c>).</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
    public sealed class InputAttribute : Attribute
    {
        /// <summary>Creates the attribute.</summary>
        /// <param name="size">The number of input features; must be positive.</param>
        public InputAttribute(int size) => Size = size;

        /// <summary>The number of input features.</summary>
        public int Size { get; }
    }
}
