using GenNN;
using GenNN.Tests.Numerics;

namespace GenNN.Tests.Runtime;

public class BatchLoaderTests
{
    private static List<int[]> Epoch(BatchLoader loader)
    {
        var batches = new List<int[]>();
        foreach (Batch batch in loader)
        {
            batches.Add(batch.Rows.ToArray());
        }

        return batches;
    }

    [Theory]
    [InlineData(10, 3, true)]
    [InlineData(10, 5, true)]
    [InlineData(10, 32, true)]
    [InlineData(7, 1, false)]
    [InlineData(10, 3, false)]
    public void Every_row_appears_once_per_epoch_and_only_the_last_batch_is_smaller(int count, int batchSize, bool shuffle)
    {
        BatchLoader loader = DatasetTests.Indexed(count).Batches(batchSize, shuffle, seed: 1);
        Assert.Equal((count + batchSize - 1) / batchSize, loader.BatchCount);
        for (int epoch = 0; epoch < 3; epoch++)
        {
            var rows = new List<int>();
            var sizes = new List<int>();
            int index = 0;
            foreach (Batch batch in loader)
            {
                Assert.Equal(index++, batch.Index);
                sizes.Add(batch.Count);
                Assert.Equal(batch.Count * 3, batch.Features.Length);
                Assert.Equal(batch.Count, batch.Targets.Length);
                for (int i = 0; i < batch.Count; i++)
                {
                    int row = batch.Rows[i];
                    rows.Add(row);
                    // The copied features and targets belong to the row the batch says.
                    Assert.Equal(row, batch.Features[i * 3]);
                    Assert.Equal(row * 10 + 2, batch.Features[i * 3 + 2]);
                    Assert.Equal(row % 3, batch.Targets[i]);
                }
            }

            Assert.Equal(Enumerable.Range(0, count), rows.OrderBy(r => r));
            Assert.Equal(loader.BatchCount, sizes.Count);
            Assert.All(sizes.Take(sizes.Count - 1), s => Assert.Equal(batchSize, s));
            Assert.Equal(count - (sizes.Count - 1) * batchSize, sizes[^1]);
            if (!shuffle)
            {
                Assert.Equal(Enumerable.Range(0, count), rows);
            }
        }
    }

    [Fact]
    public void Shuffling_changes_the_order_each_epoch_and_is_reproducible_with_a_seed()
    {
        Dataset data = DatasetTests.Indexed(40);
        BatchLoader a = data.Batches(8, shuffle: true, seed: 9);
        BatchLoader b = data.Batches(8, shuffle: true, seed: 9);
        List<int> a1 = Epoch(a).SelectMany(x => x).ToList();
        List<int> a2 = Epoch(a).SelectMany(x => x).ToList();
        Assert.NotEqual(a1, a2);
        Assert.NotEqual(Enumerable.Range(0, 40), a1);
        Assert.Equal(a1, Epoch(b).SelectMany(x => x));
        Assert.Equal(a2, Epoch(b).SelectMany(x => x));
        Assert.NotEqual(a1, Epoch(data.Batches(8, shuffle: true, seed: 10)).SelectMany(x => x));
    }

    [Fact]
    public void Unshuffled_batches_are_slices_of_the_data_set()
    {
        Dataset data = DatasetTests.Indexed(10);
        foreach (Batch batch in data.Batches(4))
        {
            Assert.True(batch.Features.Overlaps(data.Features));
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Enumerating_allocates_nothing_after_warm_up(bool shuffle)
    {
        BatchLoader loader = DatasetTests.Indexed(1000, featureCount: 8).Batches(32, shuffle, seed: 3);
        float sum = 0;
        long allocated = Allocation.InLastWindow(epochs =>
        {
            for (int epoch = 0; epoch < epochs; epoch++)
            {
                sum += Consume(loader);
            }
        });
        Assert.True(sum > 0);
        Assert.Equal(0, allocated);
    }

    private static float Consume(BatchLoader loader)
    {
        float sum = 0;
        foreach (Batch batch in loader)
        {
            sum += batch.Features[0] + batch.Targets[batch.Count - 1] + batch.Count;
        }

        return sum;
    }

    [Fact]
    public void A_new_enumeration_invalidates_the_previous_one()
    {
        BatchLoader loader = DatasetTests.Indexed(10).Batches(3, shuffle: true, seed: 1);
        BatchLoader.Enumerator first = loader.GetEnumerator();
        Assert.True(first.MoveNext());
        _ = loader.GetEnumerator();
        Assert.Throws<InvalidOperationException>(() => first.MoveNext());
    }

    [Fact]
    public void Batch_size_must_be_positive()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => DatasetTests.Indexed(3).Batches(0));
        Assert.Equal("batchSize", ex.ParamName);
    }

    [Fact]
    public void An_empty_data_set_yields_no_batches()
    {
        var empty = new Dataset(Array.Empty<float>(), 2, Array.Empty<float>());
        Assert.Empty(Epoch(empty.Batches(4, shuffle: true, seed: 1)));
        Assert.Equal(0, empty.Batches(4).BatchCount);
    }
}
