using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace GenNN.Generator.Tests;

/// <summary>
/// The generated code compiles without a single warning (every warning wave, nullable on, documentation
/// diagnostics on) for every activation and loss combination the generator accepts.
/// </summary>
public class GeneratedCodeCompilesTests
{
    private static readonly string[] HiddenActivations = { "Linear", "ReLU", "LeakyReLU", "Sigmoid", "Tanh" };

    /// <summary>Every (loss, output activation, output units) the generator accepts.</summary>
    public static TheoryData<string, string, int> AcceptedHeads => new()
    {
        { "MeanSquaredError", "Linear", 5 },
        { "MeanSquaredError", "ReLU", 5 },
        { "MeanSquaredError", "LeakyReLU", 5 },
        { "MeanSquaredError", "Sigmoid", 5 },
        { "MeanSquaredError", "Tanh", 5 },
        { "MeanSquaredError", "Softmax", 5 },
        { "MeanSquaredError", "Linear", 1 },
        { "BinaryCrossEntropy", "Sigmoid", 1 },
        { "SoftmaxCrossEntropy", "Softmax", 7 },
        { "SoftmaxCrossEntropy", "Softmax", 2 },
    };

    /// <summary>
    /// One compilation per accepted head holds a network per hidden activation (sizes that are and are not
    /// multiples of 8 and 16), a two-hidden-layer network and a network with no hidden layer.
    /// </summary>
    [Theory]
    [MemberData(nameof(AcceptedHeads))]
    public void CompilesWithoutWarnings(string loss, string outputActivation, int outputs)
    {
        var source = new System.Text.StringBuilder("using GenNN;\n\nnamespace Matrix;\n");
        foreach (string hidden in HiddenActivations)
        {
            AppendNetwork(source, $"Hidden{hidden}", loss, 13, new[] { (33, hidden), (outputs, outputActivation) });
        }

        AppendNetwork(source, "TwoHidden", loss, 16, new[] { (32, "ReLU"), (8, "Tanh"), (outputs, outputActivation) });
        AppendNetwork(source, "NoHidden", loss, 3, new[] { (outputs, outputActivation) });
        AppendNetwork(source, "Wide", loss, 64, new[] { (129, "LeakyReLU"), (outputs, outputActivation) });

        var run = GeneratorHarness.Run(source.ToString(), GeneratorHarness.DocumentationParseOptions);
        Assert.True(run.Diagnostics.IsEmpty, "The generator reported diagnostics:\n" + GeneratorHarness.Format(run.Diagnostics));
        Assert.Equal(HiddenActivations.Length + 3, run.Sources.Length);
        AssertNoWarnings(run.Output);
    }

    [Fact]
    public void GlobalNamespaceAndInternalNetworksCompileWithoutWarnings()
    {
        var run = GeneratorHarness.Run("""
            /// <summary>A network in the global namespace.</summary>
            [GenNN.Network(Loss = GenNN.Loss.BinaryCrossEntropy)]
            [GenNN.Input(5)]
            [GenNN.Dense(1, GenNN.Activation.Sigmoid)]
            public partial class GlobalNet { }

            namespace A.B.C
            {
                [GenNN.Network]
                [GenNN.Input(24)]
                [GenNN.Dense(9, GenNN.Activation.Tanh)]
                internal sealed partial class InternalNet { }
            }
            """, GeneratorHarness.DocumentationParseOptions);

        Assert.True(run.Diagnostics.IsEmpty, "The generator reported diagnostics:\n" + GeneratorHarness.Format(run.Diagnostics));
        Assert.Equal(2, run.Sources.Length);
        AssertNoWarnings(run.Output);
    }

    /// <summary>
    /// Guards the guard: with these options an undocumented public member really is reported (CS1591), and a
    /// nullable warning really is reported, so the tests above would catch them in generated code.
    /// </summary>
    [Fact]
    public void TheseCompilationOptionsReportMissingDocsAndNullableWarnings()
    {
        var compilation = GeneratorHarness.CreateCompilation(
            "/// <summary>Documented.</summary>\npublic class Documented { public int Undocumented; public string Field = null; }",
            GeneratorHarness.DocumentationParseOptions);

        var ids = compilation.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).Select(d => d.Id).ToArray();
        Assert.Contains("CS1591", ids);
        Assert.Contains("CS8625", ids);
    }

    private static void AppendNetwork(System.Text.StringBuilder source, string name, string loss, int inputs, (int Units, string Activation)[] layers)
    {
        source.Append($"\n/// <summary>{name}.</summary>\n[Network(Loss = Loss.{loss})]\n[Input({inputs})]\n");
        foreach (var (units, activation) in layers)
        {
            source.Append($"[Dense({units}, Activation.{activation})]\n");
        }

        source.Append($"public partial class {name} {{ }}\n");
    }

    private static void AssertNoWarnings(Compilation output)
    {
        var problems = output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToArray();
        Assert.True(problems.Length == 0, $"The output compilation has {problems.Length} warnings or errors:\n" + GeneratorHarness.Format(problems.Take(50)));
    }
}
