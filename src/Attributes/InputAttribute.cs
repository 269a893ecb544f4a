using System;

namespace GenNN
{
    /// <summary>
    /// Declares the shape of one input sample of a <see cref="NetworkAttribute"/> class (Keras' <c>Input(shape=...)</c>):
    /// <c>[Input(4)]</c> for 4 features, <c>[Input(28, 28, 1)]</c> for a 28 x 28 image with one channel. Shaped inputs are
    /// channels-last (HWC, Keras' default): a sample's floats run along the channels first, then the width, then the height.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
    public sealed class InputAttribute : Attribute
    {
        /// <summary>Creates the attribute for samples of <paramref name="size"/> features.</summary>
        /// <param name="size">The number of input features; must be positive.</param>
        public InputAttribute(int size)
        {
            Size = size;
            Shape = new[] { size };
        }

        /// <summary>Creates the attribute for signals: <paramref name="length"/> steps of <paramref name="channels"/> floats each.</summary>
        /// <param name="length">The number of steps; must be positive.</param>
        /// <param name="channels">The floats per step; must be positive.</param>
        public InputAttribute(int length, int channels)
        {
            Size = length * channels;
            Shape = new[] { length, channels };
        }

        /// <summary>Creates the attribute for images: <paramref name="height"/> rows of <paramref name="width"/> pixels of <paramref name="channels"/> floats.</summary>
        /// <param name="height">The image height; must be positive.</param>
        /// <param name="width">The image width; must be positive.</param>
        /// <param name="channels">The floats per pixel (1 for grey, 3 for RGB); must be positive.</param>
        public InputAttribute(int height, int width, int channels)
        {
            Size = height * width * channels;
            Shape = new[] { height, width, channels };
        }

        /// <summary>The number of floats per sample: the product of <see cref="Shape"/>.</summary>
        public int Size { get; }

        /// <summary>The shape of one sample, channels last.</summary>
        public int[] Shape { get; }
    }
}
