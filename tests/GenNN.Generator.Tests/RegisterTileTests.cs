using System.Text.RegularExpressions;

namespace GenNN.Generator.Tests;

/// <summary>
/// The register tiles of each ISA path: AVX2 runs 6-row tiles whose partial tiles fit its 16 registers and walks a B of
/// more than 64 K floats in K blocks; AVX-512 and Vector128 keep their 8- and 4-row tiles and single K walks.
/// </summary>
public class RegisterTileTests
{
    private const string Wide = """
        using GenNN;
        namespace Tests;

        [Network(Loss = Loss.SoftmaxCrossEntropy)]
        [Input(784)]
        [Dense(256, Activation.ReLU)]
        [Dense(10, Activation.Softmax)]
        public partial class WideNet { }
        """;

    private static readonly string Source = Assert.Single(GeneratorHarness.Run(Wide).Sources).SourceText.ToString();

    /// <summary>The text of one generated method, up to the next member.</summary>
    private static string Body(string method)
    {
        int start = Source.IndexOf("private static void " + method + "(", StringComparison.Ordinal);
        Assert.True(start >= 0, method + " not generated.");
        int end = Source.IndexOf("\n        }\n", start, StringComparison.Ordinal);
        return Source.Substring(start, end - start);
    }

    /// <summary>Each tile's rows and column vectors, from the comment the emitter writes above it.</summary>
    private static IEnumerable<(int Rows, int Vectors)> Tiles(string body)
        => Regex.Matches(body, @"// (?:Row m|Rows m\.\.m\+(\d+)); (\d+) vector\(s\)")
            .Select(m => (m.Groups[1].Success ? int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) + 1 : 1,
                int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture)));

    [Theory]
    [InlineData("Layer0Forward256", 6)]
    [InlineData("Layer0Forward512", 8)]
    [InlineData("Layer0Forward128", 4)]
    [InlineData("Layer0WeightGradient256", 6)]
    [InlineData("Layer1InputGradient256", 6)]
    public void The_full_tile_has_the_paths_rows(string method, int rows)
    {
        Assert.Equal(rows, Tiles(Body(method)).Max(t => t.Rows));
    }

    [Theory]
    [InlineData("Layer0Forward256")]
    [InlineData("Layer1Forward256")]
    [InlineData("Layer0WeightGradient256")]
    [InlineData("Layer1InputGradient256")]
    public void Every_AVX2_tile_of_several_rows_fits_16_registers(string method)
    {
        foreach ((int rows, int vectors) in Tiles(Body(method)).Where(t => t.Rows > 1))
        {
            // Accumulators, one B vector per column and the broadcast.
            Assert.True(rows * vectors + vectors + 1 <= 16, $"{method}: a {rows} x {vectors} tile needs {rows * vectors + vectors + 1} registers.");
        }
    }

    [Fact]
    public void The_AVX2_row_remainders_are_4_2_and_1_rows()
    {
        string body = Body("Layer0Forward256");
        Assert.Contains("for (; m + 6 <= rows; m += 6)", body, StringComparison.Ordinal);
        Assert.Contains("if (m + 4 <= rows)", body, StringComparison.Ordinal);
        Assert.Contains("if (m + 2 <= rows)", body, StringComparison.Ordinal);
        Assert.Contains("for (; m < rows; m++)", body, StringComparison.Ordinal);
    }

    [Fact]
    public void Only_the_AVX2_forward_of_the_wide_layer_walks_K_in_blocks()
    {
        // 784 x 256 floats of B: four blocks of 196 rows, each 196 KB.
        Assert.Contains("for (nuint k0 = 0; k0 < 784; k0 += 196)", Body("Layer0Forward256"), StringComparison.Ordinal);
        Assert.Contains("if (last)", Body("Layer0Forward256"), StringComparison.Ordinal);
        Assert.DoesNotContain("k0", Body("Layer0Forward512"), StringComparison.Ordinal);
        Assert.DoesNotContain("k0", Body("Layer0Forward128"), StringComparison.Ordinal);
        // 256 x 10 floats fit the budget.
        Assert.DoesNotContain("k0", Body("Layer1Forward256"), StringComparison.Ordinal);
    }
}
