using Microsoft.CodeAnalysis;

namespace GenNN.Generator.Tests;

/// <summary>The <c>GenNNVectorWidth</c> MSBuild property: which ISA paths the kernels get.</summary>
public class VectorWidthTests
{
    private const string Iris = """
        using GenNN;
        namespace Tests;

        [Network(Loss = Loss.SoftmaxCrossEntropy)]
        [Input(4)]
        [Dense(16, Activation.ReLU)]
        [Dense(3, Activation.Softmax)]
        public partial class IrisNet { }
        """;

    private static GeneratorRun Run(string? vectorWidth)
        => GeneratorHarness.Run(
            GeneratorHarness.CreateCompilation(Iris),
            GeneratorHarness.CreateDriver(msbuildProperties: vectorWidth is null ? null : new Dictionary<string, string> { ["GenNNVectorWidth"] = vectorWidth }));

    private static string Source(GeneratorRun run) => Assert.Single(run.Sources).SourceText.ToString();

    [Fact]
    public void Width_256_emits_Vector256_Vector128_and_scalar_bodies_only_and_compiles_cleanly()
    {
        var run = Run("256");

        Assert.True(run.Diagnostics.IsEmpty, GeneratorHarness.Format(run.Diagnostics));
        string source = Source(run);
        Assert.DoesNotContain("Forward512(", source, StringComparison.Ordinal);
        Assert.DoesNotContain("Simd.Vector512", source, StringComparison.Ordinal);
        Assert.Contains("KernelPath.Vector256)", source, StringComparison.Ordinal);
        Assert.Contains("Layer0Forward256(", source, StringComparison.Ordinal);
        Assert.Contains("Layer0Forward128(", source, StringComparison.Ordinal);
        Assert.Contains("Layer0ForwardScalar(", source, StringComparison.Ordinal);
        var problems = run.Output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToArray();
        Assert.True(problems.Length == 0, GeneratorHarness.Format(problems));
    }

    [Theory]
    [InlineData("Auto")]
    [InlineData("auto")]
    [InlineData("512")]
    [InlineData("")]
    public void Auto_and_512_are_the_default(string value)
    {
        Assert.Equal(Source(Run(null)), Source(Run(value)));
        Assert.Contains("Layer0Forward512(", Source(Run(value)), StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_width_warns_GNN0013_and_uses_the_default()
    {
        var run = Run("1024");

        var diagnostic = Assert.Single(run.Diagnostics);
        Assert.Equal("GNN0013", diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Warning, diagnostic.Severity);
        Assert.Contains("'1024'", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Assert.Equal(Source(Run(null)), Source(run));
    }
}
