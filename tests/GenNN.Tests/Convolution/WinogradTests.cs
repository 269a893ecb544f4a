using System.Globalization;
using GenNN.Kernels;
using GenNN.Tests.Numerics;

namespace GenNN.Tests.Convolution;

// Each network is one 3 x 3 stride-1 convolution with at least 8 channels in and out, which Predict and PredictBatch run
// as Winograd F(2x2, 3x3), then a Dense layer as wide as the convolution's output: set to the identity, it hands the
// convolution's outputs through exactly. Odd output heights and widths (the last tiles reach past the input), channel
// counts that are not multiples of any vector width, Same and Valid padding, and each way an activation is applied.

[Network]
[Input(7, 5, 11)]
[Conv2D(13, 3, Activation.ReLU, Padding = Padding.Same)]
[Flatten]
[Dense(455)]
public partial class WinogradSameReLU { }

[Network]
[Input(8, 9, 10)]
[Conv2D(9, 3, Activation.LeakyReLU)]
[Flatten]
[Dense(378)]
public partial class WinogradValidLeaky { }

[Network]
[Input(6, 6, 8)]
[Conv2D(8, 3, Activation.Tanh, Padding = Padding.Same)]
[Flatten]
[Dense(288)]
public partial class WinogradSameTanh { }

[Network]
[Input(8, 6, 16)]
[Conv2D(24, 3, Padding = Padding.Same)]
[Flatten]
[Dense(1152)]
public partial class WinogradSameLinear { }

/// <summary>110 tiles of 40 + 48 channels: Predict walks them in two blocks (90 and 20).</summary>
[Network]
[Input(20, 21, 40)]
[Conv2D(48, 3, Activation.ReLU, Padding = Padding.Same)]
[Flatten]
[Dense(5)]
public partial class WinogradBlocks { }

/// <summary>
/// Predict and PredictBatch of 3 x 3 stride-1 convolutions (Winograd's F(2x2, 3x3), see GenNN.Kernels.Winograd) against
/// a plain convolution summed in double, on every ISA path the suite runs with; and against TrainBatch's forward pass,
/// which stays the direct convolution.
/// </summary>
public class WinogradTests
{
    public static TheoryData<string> Names => new() { nameof(WinogradSameReLU), nameof(WinogradValidLeaky), nameof(WinogradSameTanh), nameof(WinogradSameLinear) };

    public static TheoryData<string> AllNames => new() { nameof(WinogradSameReLU), nameof(WinogradValidLeaky), nameof(WinogradSameTanh), nameof(WinogradSameLinear), nameof(WinogradBlocks) };

    private static (INetwork Network, int Height, int Width, int Channels, int Filters, int Pad, Activation Activation) Create(string name) => name switch
    {
        nameof(WinogradSameReLU) => (new WinogradSameReLU(3), 7, 5, 11, 13, 1, Activation.ReLU),
        nameof(WinogradValidLeaky) => (new WinogradValidLeaky(3), 8, 9, 10, 9, 0, Activation.LeakyReLU),
        nameof(WinogradSameTanh) => (new WinogradSameTanh(3), 6, 6, 8, 8, 1, Activation.Tanh),
        nameof(WinogradBlocks) => (new WinogradBlocks(3), 20, 21, 40, 48, 1, Activation.ReLU),
        _ => (new WinogradSameLinear(3), 8, 6, 16, 24, 1, Activation.Linear),
    };

    [Theory]
    [MemberData(nameof(Names))]
    public void Predict_matches_a_direct_convolution_in_double(string name)
    {
        (INetwork network, int height, int width, int channels, int filters, int pad, Activation activation) = Create(name);
        int weights = 9 * channels * filters;
        int outputHeight = height + 2 * pad - 2, outputWidth = width + 2 * pad - 2, outputs = outputHeight * outputWidth * filters;
        Assert.Equal(outputs, network.OutputSize);
        Span<float> p = network.Parameters;
        var random = new Random(17);
        for (int k = 0; k < filters; k++)
        {
            p[weights + k] = (float)(random.NextDouble() - 0.5); // a bias that is not zero
        }

        // The Dense layer after it: the identity (its weights are symmetric, so either layout) and no bias.
        Span<float> dense = p.Slice(weights + filters);
        Assert.Equal(outputs * outputs + outputs, dense.Length);
        dense.Clear();
        for (int k = 0; k < outputs; k++)
        {
            dense[k * outputs + k] = 1f;
        }

        const int batch = 3;
        int n = network.InputSize;
        float[] inputs = Enumerable.Range(0, batch * n).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray();
        float[] batchOut = new float[batch * outputs], one = new float[outputs];
        network.PredictBatch(inputs, batchOut, batch);
        float[] w = p.Slice(0, weights).ToArray(), bias = p.Slice(weights, filters).ToArray();
        for (int s = 0; s < batch; s++)
        {
            network.Predict(inputs.AsSpan(s * n, n), one);
            for (int oy = 0; oy < outputHeight; oy++)
            {
                for (int ox = 0; ox < outputWidth; ox++)
                {
                    for (int o = 0; o < filters; o++)
                    {
                        double sum = bias[o], size = Math.Abs(bias[o]);
                        for (int ky = 0; ky < 3; ky++)
                        {
                            for (int kx = 0; kx < 3; kx++)
                            {
                                int y = oy + ky - pad, x = ox + kx - pad;
                                if (y < 0 || y >= height || x < 0 || x >= width)
                                {
                                    continue;
                                }

                                for (int c = 0; c < channels; c++)
                                {
                                    double term = (double)inputs[s * n + (y * width + x) * channels + c] * w[((ky * 3 + kx) * channels + c) * filters + o];
                                    sum += term;
                                    size += Math.Abs(term);
                                }
                            }
                        }

                        double expected = activation switch
                        {
                            Activation.ReLU => Math.Max(0, sum),
                            Activation.LeakyReLU => sum > 0 ? sum : 0.01 * sum,
                            Activation.Tanh => Math.Tanh(sum),
                            _ => sum,
                        };
                        int at = (oy * outputWidth + ox) * filters + o;
                        double tolerance = 1e-6 * (1 + size);
                        string where = string.Format(CultureInfo.InvariantCulture, "{0} sample {1} output ({2}, {3}, {4})", name, s, oy, ox, o);
                        Assert.True(Math.Abs(one[at] - expected) <= tolerance, $"{where}: Predict {one[at]}, expected {expected} (within {tolerance})");
                        Assert.True(Math.Abs(batchOut[s * outputs + at] - expected) <= tolerance, $"{where}: PredictBatch {batchOut[s * outputs + at]}, expected {expected}");
                    }
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(AllNames))]
    public void Predict_agrees_with_TrainBatch_s_direct_forward_pass(string name)
    {
        INetwork network = Create(name).Network;
        const int batch = 4;
        var random = new Random(5);
        float[] inputs = Enumerable.Range(0, batch * network.InputSize).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        float[] targets = new float[batch * network.TargetSize];
        float[] direct = new float[batch * network.OutputSize], winograd = new float[batch * network.OutputSize];
        network.TrainBatch(inputs, targets, batch, direct);
        network.PredictBatch(inputs, winograd, batch);
        for (int k = 0; k < direct.Length; k++)
        {
            Assert.True(Math.Abs(winograd[k] - direct[k]) <= 1e-5 * (1 + Math.Abs(direct[k])), $"{name} [{k}]: Predict {winograd[k]}, TrainBatch {direct[k]}");
        }
    }

    [Theory]
    [MemberData(nameof(AllNames))]
    public void Predict_and_PredictBatch_allocate_nothing(string name)
    {
        const int batch = 5;
        INetwork network = Create(name).Network;
        float[] inputs = new float[batch * network.InputSize], outputs = new float[batch * network.OutputSize];

        void Run(int iterations)
        {
            for (int i = 0; i < iterations; i++)
            {
                network.Predict(inputs.AsSpan(0, network.InputSize), outputs.AsSpan(0, network.OutputSize));
                network.PredictBatch(inputs, outputs, batch);
            }
        }

        long allocated = Allocation.InLastWindow(Run);
        Assert.True(allocated == 0, $"{name}: Predict and PredictBatch allocated {allocated} bytes.");
    }

    [Theory]
    [InlineData(7, 5, 11, 13, 1, float.NaN)]
    [InlineData(8, 9, 10, 9, 0, float.NaN)]
    [InlineData(6, 7, 16, 24, 1, float.PositiveInfinity)]
    [InlineData(8, 9, 10, 9, 0, float.NegativeInfinity)]
    public void A_non_finite_cell_reaches_exactly_the_outputs_whose_windows_hold_it(int height, int width, int channels, int filters, int pad, float poison)
    {
        // The runtime's transforms around a plain GEMM (the networks' Dense layers would spread a NaN to every output).
        // As in the direct convolution, the outputs over the cell are NaN (or, for an infinity, infinite or NaN: the
        // transforms subtract cells, so where a direct sum is infinite Winograd may give NaN), and every other output keeps
        // its bits, even in the same 2 x 2 tile.
        int outputHeight = height + 2 * pad - 2, outputWidth = width + 2 * pad - 2;
        var g = new ConvGeometry(height, width, channels, 3, 3, 1, 1, pad, pad, outputHeight, outputWidth);
        int tiles = Winograd.Tiles(g);
        var random = new Random(8);
        float[] weights = Enumerable.Range(0, 9 * channels * filters).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        float[] bias = Enumerable.Range(0, filters).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        float[] input = Enumerable.Range(0, height * width * channels).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        float[] u = new float[16 * channels * filters];
        Winograd.TransformFilters(g, filters, weights, u, channels * filters);

        float[] Convolve(float[] x)
        {
            float[] padded = new float[g.PaddedSize], v = new float[16 * tiles * channels], m = new float[16 * tiles * filters];
            float[] y = new float[outputHeight * outputWidth * filters];
            GenNN.Kernels.Convolution.Pad(g, x, padded);
            Winograd.TransformInput(g, padded, v, tiles * channels, 0, tiles);
            for (int i = 0; i < 16; i++)
            {
                for (int t = 0; t < tiles; t++)
                {
                    for (int o = 0; o < filters; o++)
                    {
                        float sum = 0;
                        for (int c = 0; c < channels; c++)
                        {
                            sum += v[(i * tiles + t) * channels + c] * u[(i * channels + c) * filters + o];
                        }

                        m[(i * tiles + t) * filters + o] = sum;
                    }
                }
            }

            Winograd.TransformOutput(g, filters, m, tiles * filters, bias, y, 0, 0f, 0, tiles);
            return y;
        }

        float[] clean = Convolve(input);
        Assert.All(clean, v => Assert.True(float.IsFinite(v)));
        for (int cy = 0; cy < height; cy++)
        {
            for (int cx = 0; cx < width; cx++)
            {
                float[] poisoned = (float[])input.Clone();
                poisoned[(cy * width + cx) * channels + channels / 2] = poison;
                float[] actual = Convolve(poisoned);
                for (int k = 0; k < actual.Length; k++)
                {
                    int oy = k / filters / outputWidth, ox = k / filters % outputWidth;
                    bool over = cy + pad - oy is >= 0 and <= 2 && cx + pad - ox is >= 0 and <= 2;
                    string where = $"{poison} at ({cy}, {cx}), output ({oy}, {ox}, {k % filters}): {actual[k]} (clean {clean[k]})";
                    if (over)
                    {
                        Assert.True(float.IsNaN(poison) ? float.IsNaN(actual[k]) : !float.IsFinite(actual[k]), where);
                    }
                    else
                    {
                        Assert.True(BitConverter.SingleToInt32Bits(actual[k]) == BitConverter.SingleToInt32Bits(clean[k]), where);
                    }
                }
            }
        }
    }

    /// <summary>
    /// The three transforms against their formulas written out one float at a time, in the implementation's order of
    /// operations: the same bits whatever vector width the path takes (16 lanes with AVX-512, 8 with AVX2, 4, or 1), for
    /// channel counts below, at and between the widths (the last vector of a row then overlaps the one before it), odd
    /// output sizes (the last tiles reach past the input) and each activation.
    /// </summary>
    [Theory]
    [InlineData(5, 7, 1, 3, 1, 0)]
    [InlineData(6, 5, 4, 9, 1, 1)]
    [InlineData(7, 6, 16, 17, 0, 2)]
    [InlineData(5, 5, 17, 16, 1, 1)]
    [InlineData(6, 7, 24, 33, 1, 0)]
    [InlineData(4, 5, 40, 48, 1, 2)]
    public void The_transforms_give_the_bits_of_their_formulas_on_every_vector_width(int height, int width, int channels, int filters, int pad, int activation)
    {
        int outputHeight = height + 2 * pad - 2, outputWidth = width + 2 * pad - 2;
        var g = new ConvGeometry(height, width, channels, 3, 3, 1, 1, pad, pad, outputHeight, outputWidth);
        int tiles = Winograd.Tiles(g), size = channels * filters, tilesWide = (outputWidth + 1) / 2;
        var random = new Random(height * 100 + channels);
        float Next() => (float)(random.NextDouble() * 2 - 1);
        float[] weights = Enumerable.Range(0, 9 * size).Select(_ => Next()).ToArray();
        float[] padded = Enumerable.Range(0, g.PaddedSize).Select(_ => Next()).ToArray();
        float[] m = Enumerable.Range(0, 16 * tiles * filters).Select(_ => Next()).ToArray();
        float[] bias = Enumerable.Range(0, filters).Select(_ => Next()).ToArray();
        const float Slope = 0.3f;

        float[] u = new float[16 * size], v = new float[16 * tiles * channels], y = new float[outputHeight * outputWidth * filters];
        Winograd.TransformFilters(g, filters, weights, u, size);
        Winograd.TransformInput(g, padded, v, tiles * channels, 0, tiles);
        Winograd.TransformOutput(g, filters, m, tiles * filters, bias, y, activation, Slope, 0, tiles);

        // U = G g G^T: h = G g column by column, then each row of h times G^T.
        float[] expectedU = new float[16 * size];
        for (int at = 0; at < size; at++)
        {
            var h = new float[4, 3];
            for (int kx = 0; kx < 3; kx++)
            {
                float g0 = weights[kx * size + at], g1 = weights[(3 + kx) * size + at], g2 = weights[(6 + kx) * size + at];
                float sum = g0 + g2;
                (h[0, kx], h[1, kx], h[2, kx], h[3, kx]) = (g0, (sum + g1) * 0.5f, (sum - g1) * 0.5f, g2);
            }

            for (int i = 0; i < 4; i++)
            {
                float sum = h[i, 0] + h[i, 2];
                float[] row = { h[i, 0], (sum + h[i, 1]) * 0.5f, (sum - h[i, 1]) * 0.5f, h[i, 2] };
                for (int j = 0; j < 4; j++) expectedU[(4 * i + j) * size + at] = row[j];
            }
        }

        // V = B^T d B over each tile's 4 x 4 window of the padded input (zeros past its edge).
        float[] expectedV = new float[16 * tiles * channels];
        for (int t = 0; t < tiles; t++)
        {
            int ty = t / tilesWide, tx = t % tilesWide;
            for (int ch = 0; ch < channels; ch++)
            {
                float D(int r, int c) => 2 * ty + r < g.PaddedHeight && 2 * tx + c < g.PaddedWidth ? padded[((2 * ty + r) * g.PaddedWidth + 2 * tx + c) * channels + ch] : 0f;
                for (int j = 0; j < 4; j++)
                {
                    float E(int r) => j switch { 0 => D(r, 0) - D(r, 2), 1 => D(r, 1) + D(r, 2), 2 => D(r, 2) - D(r, 1), _ => D(r, 1) - D(r, 3) };
                    float[] column = { E(0) - E(2), E(1) + E(2), E(2) - E(1), E(1) - E(3) };
                    for (int i = 0; i < 4; i++) expectedV[(4 * i + j) * tiles * channels + t * channels + ch] = column[i];
                }
            }
        }

        // Y = A^T M A plus the bias, activated, for the cells inside the output.
        float[] expectedY = new float[y.Length];
        for (int t = 0; t < tiles; t++)
        {
            int ty = t / tilesWide, tx = t % tilesWide;
            for (int o = 0; o < filters; o++)
            {
                float M(int i, int j) => m[(4 * i + j) * tiles * filters + t * filters + o];
                float S0(int j) => M(0, j) + M(1, j) + M(2, j);
                float S1(int j) => M(1, j) - M(2, j) - M(3, j);
                float Activate(float x) => activation switch { 1 => x < 0f ? 0f : x, 2 => x > 0f ? x : x * Slope, _ => x };
                void Put(int dy, int dx, float value)
                {
                    if (2 * ty + dy < outputHeight && 2 * tx + dx < outputWidth) expectedY[((2 * ty + dy) * outputWidth + 2 * tx + dx) * filters + o] = Activate(value + bias[o]);
                }

                Put(0, 0, S0(0) + S0(1) + S0(2));
                Put(0, 1, S0(1) - S0(2) - S0(3));
                Put(1, 0, S1(0) + S1(1) + S1(2));
                Put(1, 1, S1(1) - S1(2) - S1(3));
            }
        }

        Assert.Equal(expectedU.Select(BitConverter.SingleToInt32Bits), u.Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(expectedV.Select(BitConverter.SingleToInt32Bits), v.Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(expectedY.Select(BitConverter.SingleToInt32Bits), y.Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void The_transforms_reject_other_kernels_short_buffers_and_tiles_outside_the_layer()
    {
        var g = new ConvGeometry(6, 5, 8, 3, 3, 1, 1, 1, 1, 6, 5); // 3 x 3 tiles
        var strided = g with { StrideHeight = 2, StrideWidth = 2, OutputHeight = 3, OutputWidth = 3 };
        float[] weights = new float[9 * 8 * 9], u = new float[16 * 72], padded = new float[g.PaddedSize], v = new float[16 * 9 * 8];
        float[] m = new float[16 * 9 * 9], bias = new float[9], y = new float[6 * 5 * 9];
        Assert.Contains("3 x 3 kernel at stride 1", Assert.Throws<ArgumentException>(() => Winograd.TransformFilters(strided, 9, weights, u, 72)).Message);
        Assert.Contains("weights holds 647 floats; the layer's geometry needs 648", Assert.Throws<ArgumentException>(() => Winograd.TransformFilters(g, 9, weights.AsSpan(1), u, 72)).Message);
        Assert.Contains("u holds 1151 floats", Assert.Throws<ArgumentException>(() => Winograd.TransformFilters(g, 9, weights, u.AsSpan(1), 72)).Message);
        Assert.Contains("71 floats apart, but each holds 72", Assert.Throws<ArgumentOutOfRangeException>(() => Winograd.TransformFilters(g, 9, weights, u, 71)).Message);
        Assert.Contains("Tiles [5, 5 + 5) lie outside the layer's 9 tiles", Assert.Throws<ArgumentOutOfRangeException>(() => Winograd.TransformInput(g, padded, v, 72, 5, 5)).Message);
        Assert.Contains("padded holds", Assert.Throws<ArgumentException>(() => Winograd.TransformInput(g, padded.AsSpan(1), v, 72, 0, 9)).Message);
        Assert.Contains("output holds 269 floats", Assert.Throws<ArgumentException>(() => Winograd.TransformOutput(g, 9, m, 81, bias, y.AsSpan(1), 1, 0f, 0, 9)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Winograd.TransformOutput(g, 9, m, 81, bias, y, 3, 0f, 0, 9));
        Assert.All(y, value => Assert.Equal(0f, value)); // nothing written before a throw
    }
}
