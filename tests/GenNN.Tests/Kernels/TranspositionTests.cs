using GenNN.Kernels;

namespace GenNN.Tests.Kernels;

/// <summary>
/// <see cref="Transposition.Transpose"/> against the definition, on sizes that are and are not whole 8 x 8 blocks (the AVX
/// path's) and 16 x 16 blocks (the scalar path's); the suite's runs with <c>DOTNET_EnableAVX2=0</c> and
/// <c>DOTNET_EnableHWIntrinsic=0</c> take the scalar path.
/// </summary>
public class TranspositionTests
{
    /// <summary>A <c>[rows x columns]</c> matrix of random values in [0, 1), seeded by its shape.</summary>
    private static float[] RandomMatrix(int rows, int columns)
    {
        var random = new Random(rows * 1000 + columns);
        return Enumerable.Range(0, rows * columns).Select(_ => (float)random.NextDouble()).ToArray();
    }

    public static TheoryData<int, int> Sizes => new()
    {
        { 0, 0 }, { 0, 5 }, { 1, 1 }, { 1, 9 }, { 9, 1 }, { 8, 8 }, { 7, 9 }, { 16, 24 }, { 13, 130 }, { 64, 10 }, { 256, 128 }, { 27, 33 },
    };

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Transpose_writes_element_i_j_to_j_i_and_nothing_else(int rows, int columns)
    {
        float[] matrix = RandomMatrix(rows, columns);
        // One float of slack after the destination, which must stay as it was.
        float[] transposed = Enumerable.Repeat(-7f, rows * columns + 1).ToArray();

        Transposition.Transpose(matrix, rows, columns, transposed);

        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < columns; j++)
            {
                Assert.True(matrix[i * columns + j] == transposed[j * rows + i], $"({i}, {j}) of {rows} x {columns}");
            }
        }

        Assert.Equal(-7f, transposed[^1]);
    }

    public static TheoryData<int, int> PanelSizes => new()
    {
        { 0, 3 }, { 16, 0 }, { 16, 1 }, { 16, 8 }, { 16, 13 }, { 32, 24 }, { 64, 10 }, { 48, 33 }, { 256, 128 },
    };

    [Theory]
    [MemberData(nameof(PanelSizes))]
    public void TransposeToPanels_writes_element_i_j_where_Panels_Pack_puts_the_transposes_j_i(int rows, int columns)
    {
        float[] matrix = RandomMatrix(rows, columns);
        float[] panels = Enumerable.Repeat(-7f, rows * columns + 1).ToArray();

        Transposition.TransposeToPanels(matrix, rows, columns, panels);

        // The oracle: the plain transpose, [columns x rows], packed by Panels.Pack.
        var transposed = new float[rows * columns];
        Transposition.Transpose(matrix, rows, columns, transposed);
        var expected = new float[rows * columns];
        if (rows > 0)
        {
            Panels.Pack(transposed, rows, expected, 0, columns);
        }

        Assert.Equal(expected, panels[..^1]);
        Assert.Equal(-7f, panels[^1]);
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < columns; j++)
            {
                Assert.True(matrix[i * columns + j] == panels[i / 16 * columns * 16 + j * 16 + i % 16], $"({i}, {j}) of {rows} x {columns}");
            }
        }
    }

    [Fact]
    public void TransposeToPanels_rejects_rows_that_are_not_whole_panels()
    {
        var e = Assert.Throws<ArgumentException>(() => Transposition.TransposeToPanels(new float[24], 12, 2, new float[24]));
        Assert.Equal("rows", e.ParamName);
        Assert.Contains("multiple of 16", e.Message, StringComparison.Ordinal);
        Assert.Equal("panels", Assert.Throws<ArgumentException>(() => Transposition.TransposeToPanels(new float[32], 16, 2, new float[31])).ParamName);
    }

    [Fact]
    public void Transpose_keeps_NaN_and_the_sign_of_zero_bit_for_bit()
    {
        float[] matrix = [float.NaN, -0f, float.PositiveInfinity, 1e-45f, .. Enumerable.Range(0, 60).Select(i => (float)i)];
        float[] transposed = new float[64];

        Transposition.Transpose(matrix, 8, 8, transposed);

        Assert.True(float.IsNaN(transposed[0]));
        Assert.Equal(BitConverter.SingleToInt32Bits(-0f), BitConverter.SingleToInt32Bits(transposed[8]));
        Assert.Equal(float.PositiveInfinity, transposed[16]);
        Assert.Equal(1e-45f, transposed[24]);
    }

    [Fact]
    public void Transpose_rejects_spans_shorter_than_the_matrix_naming_the_sizes()
    {
        var matrix = new float[11];
        var transposed = new float[12];

        var shortMatrix = Assert.Throws<ArgumentException>(() => Transposition.Transpose(matrix, 3, 4, transposed));
        Assert.Equal("matrix", shortMatrix.ParamName);
        Assert.Contains("3 x 4 need 12", shortMatrix.Message, StringComparison.Ordinal);

        var shortTarget = Assert.Throws<ArgumentException>(() => Transposition.Transpose(new float[12], 3, 4, new float[11]));
        Assert.Equal("transposed", shortTarget.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => Transposition.Transpose(matrix, -1, 4, transposed));
    }
}
