using GenNN.Kernels;

namespace GenNN.Tests.Kernels;

/// <summary>
/// The runtime's pooling kernels against a plain reference written from the definitions (windows clipped to the input,
/// Keras' Same padding), and their backward passes against finite differences of the forward ones.
/// </summary>
public class PoolingTests
{
    /// <summary>Geometries: Valid and Same, overlapping windows (stride below the window), one channel and odd channel counts.</summary>
    public static TheoryData<int, int, int, int, int, bool> Geometries => new()
    {
        { 4, 4, 1, 2, 2, false },
        { 5, 7, 3, 2, 2, true },
        { 6, 5, 17, 3, 2, false },
        { 7, 7, 2, 3, 2, true },
        { 5, 6, 4, 3, 1, true },
        { 1, 9, 5, 3, 2, true }, // a 1-D signal: height 1
    };

    /// <summary>The geometry the generator writes for a square window of <paramref name="pool"/> and <paramref name="stride"/>.</summary>
    internal static PoolGeometry Geometry(int h, int w, int c, int pool, int stride, bool same)
    {
        int ph = h == 1 ? 1 : pool, sh = h == 1 ? 1 : stride;
        int Out(int n, int p, int s) => same ? (n + s - 1) / s : (n - p) / s + 1;
        int Pad(int n, int p, int s) => same ? Math.Max((Out(n, p, s) - 1) * s + p - n, 0) / 2 : 0;
        return new PoolGeometry(h, w, c, ph, pool, sh, stride, Pad(h, ph, sh), Pad(w, pool, stride), Out(h, ph, sh), Out(w, pool, stride));
    }

    /// <summary>The reference: for each output cell, the max or the mean of the window's cells inside the input, in double.</summary>
    internal static double[] Reference(PoolGeometry g, float[] x, bool max)
    {
        var y = new double[g.OutputSize];
        for (int oy = 0; oy < g.OutputHeight; oy++)
            for (int ox = 0; ox < g.OutputWidth; ox++)
                for (int ch = 0; ch < g.Channels; ch++)
                {
                    double acc = max ? double.NegativeInfinity : 0;
                    int count = 0;
                    for (int ky = 0; ky < g.PoolHeight; ky++)
                        for (int kx = 0; kx < g.PoolWidth; kx++)
                        {
                            int iy = oy * g.StrideHeight - g.PadTop + ky, ix = ox * g.StrideWidth - g.PadLeft + kx;
                            if (iy < 0 || iy >= g.Height || ix < 0 || ix >= g.Width) continue;
                            double v = x[(iy * g.Width + ix) * g.Channels + ch];
                            acc = max ? (double.IsNaN(v) || double.IsNaN(acc) ? double.NaN : Math.Max(acc, v)) : acc + v;
                            count++;
                        }

                    y[(oy * g.OutputWidth + ox) * g.Channels + ch] = max ? acc : acc / count;
                }

        return y;
    }

    private static float[] Random(int n, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray();
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Forward_matches_the_reference_on_every_sample(int h, int w, int c, int pool, int stride, bool same)
    {
        PoolGeometry g = Geometry(h, w, c, pool, stride, same);
        const int Rows = 3;
        float[] x = Random(Rows * g.InputSize, h * 100 + w);
        foreach (bool max in new[] { true, false })
        {
            var y = new float[Rows * g.OutputSize];
            if (max) Pooling.MaxForward(g, x, y, Rows);
            else Pooling.AverageForward(g, x, y, Rows);
            for (int s = 0; s < Rows; s++)
            {
                double[] expected = Reference(g, x.AsSpan(s * g.InputSize, g.InputSize).ToArray(), max);
                for (int i = 0; i < expected.Length; i++)
                {
                    Assert.True(Math.Abs(y[s * g.OutputSize + i] - expected[i]) <= 1e-6 * (1 + Math.Abs(expected[i])),
                        $"{(max ? "max" : "average")} sample {s} output {i}: {y[s * g.OutputSize + i]} vs {expected[i]}");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Backward_is_the_gradient_of_the_forward_pass(int h, int w, int c, int pool, int stride, bool same)
    {
        PoolGeometry g = Geometry(h, w, c, pool, stride, same);
        const int Rows = 2;
        // Distinct values, so a max has one arg max and a small step does not change it.
        float[] x = Enumerable.Range(0, Rows * g.InputSize).Select(i => (float)((i * 7919 % 10007) / 1000.0)).ToArray();
        float[] upstream = Random(Rows * g.OutputSize, 5);
        foreach (bool max in new[] { true, false })
        {
            var y = new float[Rows * g.OutputSize];
            var dx = new float[Rows * g.InputSize];
            if (max)
            {
                Pooling.MaxForward(g, x, y, Rows);
                Pooling.MaxBackward(g, x, y, upstream, dx, Rows);
            }
            else
            {
                Pooling.AverageBackward(g, upstream, dx, Rows);
            }

            // L(x) = sum(upstream * pool(x)), which is linear in x near this point: central differences are exact up to rounding.
            double Loss(float[] input)
            {
                var output = new float[Rows * g.OutputSize];
                if (max) Pooling.MaxForward(g, input, output, Rows);
                else Pooling.AverageForward(g, input, output, Rows);
                return output.Select((v, i) => (double)v * upstream[i]).Sum();
            }

            for (int i = 0; i < x.Length; i++)
            {
                float[] plus = (float[])x.Clone(), minus = (float[])x.Clone();
                plus[i] += 1e-3f;
                minus[i] -= 1e-3f;
                double numeric = (Loss(plus) - Loss(minus)) / (plus[i] - minus[i]);
                Assert.True(Math.Abs(dx[i] - numeric) <= 2e-3 * (1 + Math.Abs(numeric)), $"{(max ? "max" : "average")} input {i}: {dx[i]} vs {numeric}");
            }
        }
    }

    [Fact]
    public void Max_propagates_NaN_and_routes_its_delta_to_the_first_NaN()
    {
        PoolGeometry g = Geometry(2, 2, 1, 2, 2, false);
        float[] x = { 1f, float.NaN, 3f, float.NaN };
        var y = new float[1];
        Pooling.MaxForward(g, x, y, 1);
        Assert.True(float.IsNaN(y[0]));

        var dx = new float[4];
        Pooling.MaxBackward(g, x, y, new[] { 2f }, dx, 1);
        Assert.Equal(new[] { 0f, 2f, 0f, 0f }, dx);
    }

    [Fact]
    public void Max_propagates_NaN_from_any_cell_in_every_lane_and_the_tail()
    {
        // 19 channels: two vectors of 8 (or more of 4) and a scalar tail. Channel ch has a NaN in cell ch % 5 of its
        // 2 x 2 window (none when that is 4), so NaN comes first, later and last, in vector lanes and in the tail.
        const int C = 19;
        PoolGeometry g = Geometry(2, 2, C, 2, 2, false);
        var x = new float[4 * C];
        for (int cell = 0; cell < 4; cell++)
            for (int ch = 0; ch < C; ch++)
                x[cell * C + ch] = ch % 5 == cell ? float.NaN : cell - ch * 0.5f;

        var y = new float[C];
        Pooling.MaxForward(g, x, y, 1);
        for (int ch = 0; ch < C; ch++)
        {
            if (ch % 5 < 4) Assert.True(float.IsNaN(y[ch]), $"channel {ch}: {y[ch]}, expected NaN");
            else Assert.Equal(3 - ch * 0.5f, y[ch]);
        }
    }

    [Fact]
    public void Max_of_equal_zeros_keeps_the_first_as_PyTorch()
    {
        // PyTorch replaces the max only with a greater value (or NaN): -0 then +0 gives -0, +0 then -0 gives +0.
        const int C = 10;
        PoolGeometry g = Geometry(1, 2, C, 2, 2, false);
        var x = new float[2 * C];
        for (int ch = 0; ch < C; ch++)
        {
            x[ch] = ch % 2 == 0 ? -0f : 0f;
            x[C + ch] = ch % 2 == 0 ? 0f : -0f;
        }

        var y = new float[C];
        Pooling.MaxForward(g, x, y, 1);
        for (int ch = 0; ch < C; ch++)
        {
            Assert.Equal(ch % 2 == 0, float.IsNegative(y[ch]));
        }
    }

    [Fact]
    public void Max_rejects_a_geometry_with_a_window_outside_its_input()
    {
        // 4 x 4, window 2, stride 2: two outputs a side. A third would start past the input and hold no cell.
        var g = new PoolGeometry(4, 4, 1, 2, 2, 2, 2, 0, 0, 3, 3);
        var e = Assert.Throws<ArgumentException>(() => Pooling.MaxForward(g, new float[16], new float[9], 1));
        Assert.Contains("has a window with no cell of its input", e.Message);
    }

    [Fact]
    public void Max_routes_a_tie_to_the_first_cell_as_PyTorch()
    {
        PoolGeometry g = Geometry(2, 2, 1, 2, 2, false);
        float[] x = { 1f, 4f, 4f, 2f };
        var y = new float[1];
        Pooling.MaxForward(g, x, y, 1);
        var dx = new float[4];
        Pooling.MaxBackward(g, x, y, new[] { 1f }, dx, 1);
        Assert.Equal(new[] { 0f, 1f, 0f, 0f }, dx);
    }

    [Fact]
    public void Same_padding_splits_as_Keras_with_the_odd_cell_after()
    {
        // Width 5, window 2, stride 2: 3 outputs, 1 cell of padding, after the input.
        PoolGeometry g = Geometry(1, 5, 1, 2, 2, true);
        Assert.Equal((3, 0), (g.OutputWidth, g.PadLeft));
        var y = new float[3];
        Pooling.AverageForward(g, new[] { 1f, 3f, 5f, 7f, 9f }, y, 1);
        Assert.Equal(new[] { 2f, 6f, 9f }, y);
    }
}
