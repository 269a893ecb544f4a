using GenNN.Kernels;

namespace GenNN.Tests.Kernels;

/// <summary>
/// <see cref="Panels.Pack"/>, which lays out a layer's deltas for its weight gradient: every element lands where the
/// generated kernels read it, parts of a batch fill disjoint floats, and bad sizes throw before anything is written.
/// (The kernels that read the panels are checked against the reference by the TrainBatch tests of every network with
/// a Dense layer of 64 or more units, a multiple of 16.)
/// </summary>
public class PanelsTests
{
    [Theory]
    [InlineData(1, 16)]
    [InlineData(13, 64)]
    [InlineData(64, 256)]
    public void Pack_puts_each_element_in_its_panel(int totalRows, int columns)
    {
        float[] matrix = Enumerable.Range(0, totalRows * columns).Select(i => (float)i).ToArray();
        float[] panels = Enumerable.Repeat(float.NaN, totalRows * columns + 5).ToArray();

        // Three parts, as TrainBatch's first phase splits the rows (the last may be empty).
        int[] cuts = { 0, totalRows / 3, 2 * totalRows / 3, totalRows };
        for (int p = 0; p < 3; p++)
        {
            int first = cuts[p], rows = cuts[p + 1] - cuts[p];
            Panels.Pack(matrix.AsSpan(first * columns, rows * columns), columns, panels, first, totalRows);
        }

        for (int r = 0; r < totalRows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                Assert.Equal(matrix[r * columns + c], panels[(c / 16) * totalRows * 16 + r * 16 + c % 16]);
            }
        }

        Assert.All(panels.Skip(totalRows * columns), v => Assert.True(float.IsNaN(v))); // nothing past the matrix
    }

    [Fact]
    public void Pack_keeps_NaN_and_infinities_in_place()
    {
        float[] matrix = new float[2 * 32];
        matrix[5] = float.NaN;
        matrix[32 + 20] = float.NegativeInfinity;
        float[] panels = new float[64];

        Panels.Pack(matrix, 32, panels, 0, 2);

        Assert.True(float.IsNaN(panels[5]));
        Assert.Equal(float.NegativeInfinity, panels[2 * 16 + 16 + 4]);
        Assert.Equal(2, panels.Count(v => !float.IsFinite(v)));
    }

    [Theory]
    [InlineData(20, 40, 2, 0, "columns must be a positive multiple of 16, but is 20")]
    [InlineData(32, 40, 2, 0, "rows holds 40 floats, not a whole number of rows of 32")]
    [InlineData(32, 64, 2, 1, "rows 1 to 3 do not fit a matrix of 2 rows")]
    [InlineData(32, 64, 3, 0, "panels holds 64 floats; 3 rows of 32 need 96")]
    public void Pack_rejects_sizes_that_do_not_fit_and_writes_nothing(int columns, int rowFloats, int totalRows, int firstRow, string message)
    {
        float[] panels = new float[64];

        var e = Assert.Throws<ArgumentException>(() => Panels.Pack(Enumerable.Repeat(1f, rowFloats).ToArray(), columns, panels, firstRow, totalRows));

        Assert.Contains(message, e.Message);
        Assert.All(panels, v => Assert.Equal(0f, v));
    }
}
