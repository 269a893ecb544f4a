namespace GenNN
{
    /// <summary>How a pooling or convolution window treats the input's edges (Keras' <c>padding=</c>).</summary>
    /// <remarks>The numeric values are part of the generator's contract; do not reorder.</remarks>
    public enum Padding
    {
        /// <summary>No padding: windows lie inside the input, and the output is <c>floor((n - window) / stride) + 1</c> long.</summary>
        Valid = 0,

        /// <summary>
        /// Padding so that the output is <c>ceil(n / stride)</c> long, split as Keras splits it (the odd cell after the input).
        /// A pool never reads padded cells: a max ignores them, an average divides by the cells inside the input. A
        /// convolution reads them as zeros (PyTorch's <c>padding='same'</c> for stride 1, and Keras' split for any stride).
        /// </summary>
        Same = 1,
    }
}
