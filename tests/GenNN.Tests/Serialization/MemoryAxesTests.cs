using System.Buffers.Binary;
using GenNN.Serialization;
using static GenNN.Tests.Serialization.SafeTensorsTestFiles;

namespace GenNN.Tests.Serialization;

/// <summary>
/// <see cref="TensorLayout.MemoryAxes"/>: a tensor whose buffer holds the file's axes in another order, as a channels-last
/// convolution holds PyTorch's <c>[out, in, kh, kw]</c> weight as <c>[kh, kw, in, out]</c>. The file stays PyTorch's
/// row-major order; loading puts every element back where the buffer wants it.
/// </summary>
public class MemoryAxesTests
{
    private const int Out = 3, In = 2, Kh = 2, Kw = 5;

    private static ModelLayout ConvLayout(int[] memoryAxes) => new(
        "Input(4, 6, 2) -> Conv2D(3, 2x5)",
        Loss.MeanSquaredError,
        Out * In * Kh * Kw + Out,
        new[]
        {
            new TensorLayout("layers.0.weight", 0, new[] { Out, In, Kh, Kw }, StoredTransposed: false) { MemoryAxes = memoryAxes },
            new TensorLayout("layers.0.bias", Out * In * Kh * Kw, new[] { Out }, StoredTransposed: false),
        });

    /// <summary>A value that names its element: f * 1000 + c * 100 + ky * 10 + kx.</summary>
    private static float Tag(int f, int c, int ky, int kx) => f * 1000 + c * 100 + ky * 10 + kx;

    [Fact]
    public void A_channels_last_weight_is_saved_in_PyTorch_order_and_loads_back()
    {
        ModelLayout layout = ConvLayout(new[] { 2, 3, 1, 0 });
        var parameters = new float[layout.ParameterCount];
        // The buffer: w[((ky * Kw + kx) * In + c) * Out + f].
        for (int ky = 0; ky < Kh; ky++)
            for (int kx = 0; kx < Kw; kx++)
                for (int c = 0; c < In; c++)
                    for (int f = 0; f < Out; f++)
                        parameters[((ky * Kw + kx) * In + c) * Out + f] = Tag(f, c, ky, kx);
        parameters[^3] = -1f;

        byte[] bytes = Write(layout, parameters);
        Parsed file = Parse(bytes);
        RawTensor weight = file.Tensors.Single(t => t.Name == "layers.0.weight");
        Assert.Equal(new long[] { Out, In, Kh, Kw }, weight.Shape);
        int k = 0;
        for (int f = 0; f < Out; f++)
            for (int c = 0; c < In; c++)
                for (int ky = 0; ky < Kh; ky++)
                    for (int kx = 0; kx < Kw; kx++)
                        Assert.Equal(Tag(f, c, ky, kx), BinaryPrimitives.ReadSingleLittleEndian(file.Data.AsSpan((int)weight.Begin + 4 * k++)));

        Assert.Equal(parameters, Read(bytes, layout));
    }

    [Fact]
    public void The_axes_of_StoredTransposed_are_one_zero()
    {
        var transposed = new TensorLayout("w", 0, new[] { 3, 4 }, StoredTransposed: true);
        Assert.Equal(new[] { 1, 0 }, transposed.MemoryAxes);
        Assert.Null(new TensorLayout("b", 0, new[] { 3 }, StoredTransposed: false).MemoryAxes);

        // The same tensor said both ways is saved to the same bytes.
        var parameters = Enumerable.Range(0, 12).Select(i => (float)i).ToArray();
        ModelLayout Layout(TensorLayout t) => new("T", Loss.MeanSquaredError, 12, new[] { t });
        Assert.Equal(
            Write(Layout(transposed), parameters),
            Write(Layout(new TensorLayout("w", 0, new[] { 3, 4 }, StoredTransposed: false) { MemoryAxes = new[] { 1, 0 } }), parameters));
    }

    [Theory]
    [InlineData(new[] { 0, 0, 1, 2 })]
    [InlineData(new[] { 0, 1, 2 })]
    [InlineData(new[] { 0, 1, 2, 4 })]
    public void Axes_that_are_not_a_permutation_are_refused(int[] axes)
    {
        ModelLayout layout = ConvLayout(axes);
        var error = Assert.Throws<ArgumentException>(() => Write(layout, new float[layout.ParameterCount]));
        Assert.Contains("expected a permutation of its 4 axes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Axes_with_StoredTransposed_are_refused()
    {
        var layout = new ModelLayout("T", Loss.MeanSquaredError, 12, new[]
        {
            new TensorLayout("w", 0, new[] { 3, 4 }, StoredTransposed: true) { MemoryAxes = new[] { 1, 0 } },
        });
        var error = Assert.Throws<ArgumentException>(() => Write(layout, new float[12]));
        Assert.Contains("StoredTransposed unset", error.Message, StringComparison.Ordinal);
    }
}
