using GenNN.Kernels;

namespace GenNN.Tests.Parallel;

/// <summary>
/// ParameterRows splits a tensor's rows between slices of the parameters: over any set of slices that tile the
/// parameters, every element of the tensor is covered exactly once, by a whole row or by the slice's part of a cut row.
/// </summary>
public class ParameterRowsTests
{
    [Theory]
    [InlineData(0, 16, 10)]     // rows of 16 from 0: slices of 16 never cut one
    [InlineData(3, 7, 9)]       // an unaligned tensor of odd rows
    [InlineData(100, 128, 3)]   // rows longer than a slice: slices inside one row
    [InlineData(5, 1, 40)]      // one float per row
    [InlineData(37, 3, 1)]      // a bias: one row
    public void Slices_that_tile_the_parameters_cover_every_element_once(int start, int width, int count)
    {
        int total = start + width * count + 21;
        foreach (int parts in new[] { 1, 2, 3, 5, 8 })
        {
            var covered = new int[total];
            for (int part = 0; part < parts; part++)
            {
                (int first, int length) = WorkerPool.PartRows(total, part, parts, 16);
                int end = first + length;
                ParameterRows rows = ParameterRows.Of(first, end, start, width, count);
                for (int r = rows.First; r < rows.First + rows.Count; r++)
                {
                    for (int j = 0; j < width; j++)
                    {
                        int index = start + r * width + j;
                        Assert.InRange(index, first, end - 1); // a whole row lies in the slice
                        covered[index]++;
                    }
                }

                foreach (int cut in new[] { rows.Head, rows.Tail })
                {
                    if (cut < 0) continue;
                    Assert.True(cut < rows.First || cut >= rows.First + rows.Count, $"row {cut} is both whole and cut");
                    var whole = Enumerable.Range(0, width).Select(j => (float)(start + cut * width + j)).ToArray();
                    var destination = Enumerable.Repeat(-1f, total).ToArray();
                    ParameterRows.CopyCut(whole, destination, start + cut * width, first, end);
                    for (int i = 0; i < total; i++)
                    {
                        if (destination[i] < 0) continue;
                        Assert.InRange(i, first, end - 1); // only the slice's part is copied
                        Assert.Equal(i, destination[i]);
                        covered[i]++;
                    }
                }

                Assert.True(rows.Head < 0 || rows.Head != rows.Tail);
            }

            for (int i = 0; i < total; i++)
            {
                bool inTensor = i >= start && i < start + width * count;
                Assert.True(covered[i] == (inTensor ? 1 : 0), $"{parts} parts: element {i} covered {covered[i]} times.");
            }
        }
    }

    [Fact]
    public void A_slice_that_misses_the_tensor_holds_nothing()
    {
        ParameterRows rows = ParameterRows.Of(0, 16, 16, 4, 4);
        Assert.Equal((0, -1, -1), (rows.Count, rows.Head, rows.Tail));
        rows = ParameterRows.Of(32, 48, 0, 4, 4);
        Assert.Equal((0, -1, -1), (rows.Count, rows.Head, rows.Tail));
    }
}
