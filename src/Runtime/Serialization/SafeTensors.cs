using System;
using System.IO;

namespace GenNN.Serialization
{
    /// <summary>Reads and writes safetensors model files. (Contract placeholder: implementation in progress.)</summary>
    public static class SafeTensors
    {
        /// <summary>Writes the parameters as a safetensors file.</summary>
        public static void Write(Stream stream, ModelLayout layout, ReadOnlySpan<float> parameters) => throw new NotImplementedException();

        /// <summary>Writes the parameters as a safetensors file at <paramref name="path"/>, atomically.</summary>
        public static void WriteFile(string path, ModelLayout layout, ReadOnlySpan<float> parameters) => throw new NotImplementedException();

        /// <summary>Reads and validates a safetensors file into <paramref name="parameters"/>.</summary>
        public static void Read(Stream stream, ModelLayout layout, Span<float> parameters) => throw new NotImplementedException();

        /// <summary>Reads and validates the safetensors file at <paramref name="path"/> into <paramref name="parameters"/>.</summary>
        public static void ReadFile(string path, ModelLayout layout, Span<float> parameters) => throw new NotImplementedException();
    }
}
