namespace GenNN.Generator.Model
{
    /// <summary>
    /// Project-wide settings read from MSBuild (<c>build_property.*</c>), reduced to plain values before they meet the specs.
    /// </summary>
    /// <param name="VectorWidth">The widest vectors the kernels use: 512 (Vector512, then Vector256, then scalar, as the CPU
    /// allows) or 256 (Vector256, then scalar). From <c>&lt;GenNNVectorWidth&gt;</c>: <c>Auto</c> (the default) or <c>512</c>
    /// means 512.</param>
    /// <param name="Invalid">The property's text when it is none of the accepted values.</param>
    internal sealed record GeneratorOptions(int VectorWidth, string? Invalid)
    {
        public const string VectorWidthProperty = "build_property.GenNNVectorWidth";

        public static readonly GeneratorOptions Default = new(512, null);

        public static GeneratorOptions Parse(string? vectorWidth)
        {
            switch (vectorWidth?.Trim().ToLowerInvariant())
            {
                case null:
                case "":
                case "auto":
                case "512":
                    return Default;
                case "256":
                    return new GeneratorOptions(256, null);
                default:
                    return new GeneratorOptions(512, vectorWidth);
            }
        }
    }
}
