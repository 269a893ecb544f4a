using System.Text.Json;
using GenNN.Kernels;

namespace GenNN.Tests.Kernels;

/// <summary>
/// The pooling kernels against PyTorch (Data/make_pooling_golden.py: torch's max_pool2d, avg_pool2d with
/// count_include_pad=False and adaptive_avg_pool2d, on the NCHW permutation of the same inputs): the outputs and the input
/// gradients of sum(upstream * output), for a batch of 13 and for its first sample alone.
/// </summary>
public class PoolingGoldenTests
{
    private static readonly Lazy<JsonDocument> Golden = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Data", "pooling_golden.json"))));

    public static TheoryData<string> Cases
    {
        get
        {
            var names = new TheoryData<string>();
            foreach (JsonElement c in Golden.Value.RootElement.GetProperty("cases").EnumerateArray()) names.Add(c.GetProperty("name").GetString()!);
            return names;
        }
    }

    private static float[] Floats(JsonElement c, string key) => c.GetProperty(key).EnumerateArray().Select(e => e.GetSingle()).ToArray();

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_and_backward_match_PyTorch(string name)
    {
        JsonElement c = Golden.Value.RootElement.GetProperty("cases").EnumerateArray().Single(e => e.GetProperty("name").GetString() == name);
        int[] d = c.GetProperty("geometry").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var g = new PoolGeometry(d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10]);
        bool max = c.GetProperty("kind").GetString() == "max";
        float[] inputs = Floats(c, "inputs"), upstream = Floats(c, "upstream"), outputs = Floats(c, "outputs"), gradients = Floats(c, "input_gradients");
        int batch = inputs.Length / g.InputSize;
        Assert.Equal(13, batch);

        foreach (int rows in new[] { batch, 1 })
        {
            var y = new float[rows * g.OutputSize];
            var dx = new float[rows * g.InputSize];
            if (max)
            {
                Pooling.MaxForward(g, inputs, y, rows);
                Pooling.MaxBackward(g, inputs, y, upstream, dx, rows);
            }
            else
            {
                Pooling.AverageForward(g, inputs, y, rows);
                Pooling.AverageBackward(g, upstream, dx, rows);
            }

            AssertClose(outputs.AsSpan(0, y.Length), y, $"{name} outputs, {rows} row(s)");
            AssertClose(gradients.AsSpan(0, dx.Length), dx, $"{name} input gradients, {rows} row(s)");
        }
    }

    private static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-6f + 1e-5f * Math.Abs(expected[i]), $"{what} [{i}]: {actual[i]} vs PyTorch's {expected[i]}");
        }
    }
}
