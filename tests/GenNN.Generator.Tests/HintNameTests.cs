namespace GenNN.Generator.Tests;

/// <summary>Each network gets one source named <c>{Namespace}.{Class}.g.cs</c> (<c>{Class}.g.cs</c> in the global namespace).</summary>
public class HintNameTests
{
    [Theory]
    [InlineData("namespace Acme.Models;", "Acme.Models.IrisNet.g.cs")]
    [InlineData("namespace Acme.Models { ", "Acme.Models.IrisNet.g.cs")]
    [InlineData("namespace Acme { namespace Models { ", "Acme.Models.IrisNet.g.cs")]
    [InlineData("", "IrisNet.g.cs")]
    public void HintNameIsNamespaceDotClass(string namespaceOpening, string expected)
    {
        int braces = namespaceOpening.Count(c => c == '{');
        var run = GeneratorHarness.Run($$"""
            using GenNN;
            {{namespaceOpening}}
            [Network(Loss = Loss.SoftmaxCrossEntropy)]
            [Input(4)]
            [Dense(3, Activation.Softmax)]
            public partial class IrisNet { }
            {{new string('}', braces)}}
            """);

        Assert.True(run.Diagnostics.IsEmpty, GeneratorHarness.Format(run.Diagnostics));
        Assert.Equal(expected, Assert.Single(run.Sources).HintName);
    }

    [Fact]
    public void SameClassNameInTwoNamespaces_GetsTwoSourcesThatCompile()
    {
        var run = GeneratorHarness.Run("""
            using GenNN;

            namespace First { [Network] [Input(2)] [Dense(1)] public partial class Net { } }
            namespace Second { [Network] [Input(3)] [Dense(2)] public partial class Net { } }
            [Network] [Input(4)] [Dense(3)] public partial class Net { }
            """);

        Assert.True(run.Diagnostics.IsEmpty, GeneratorHarness.Format(run.Diagnostics));
        Assert.Equal(new[] { "First.Net.g.cs", "Net.g.cs", "Second.Net.g.cs" }, run.Sources.Select(s => s.HintName).OrderBy(n => n, StringComparer.Ordinal));
        var errors = run.Output.GetDiagnostics().Where(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error).ToArray();
        Assert.True(errors.Length == 0, GeneratorHarness.Format(errors));
    }

    [Fact]
    public void ClassNamesThatDifferOnlyInCase_GetTwoSourcesThatCompile()
    {
        // Roslyn compares hint names ignoring case: Net and NET (or namespaces A and a) added the same file twice, and the
        // generator stopped for every class in the project (CS8785).
        var run = GeneratorHarness.Run("""
            using GenNN;

            namespace A { [Network] [Input(2)] [Dense(1)] public partial class Net { } [Network] [Input(3)] [Dense(2)] public partial class NET { } }
            namespace a { [Network] [Input(4)] [Dense(3)] public partial class Net { } }
            namespace B { [Network] [Input(4)] [Dense(3)] public partial class Net { } }
            """);

        Assert.True(run.Diagnostics.IsEmpty, GeneratorHarness.Format(run.Diagnostics));
        string[] names = run.Sources.Select(s => s.HintName).OrderBy(n => n, StringComparer.Ordinal).ToArray();
        Assert.Equal(4, names.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.Contains("B.Net.g.cs", names); // a name without a clash stays as it was
        Assert.All(names.Where(n => !n.StartsWith("B.", StringComparison.Ordinal)), n => Assert.Matches(@"^(A|a)\.(Net|NET)\.[0-9a-f]{8}\.g\.cs$", n));
        var errors = run.Output.GetDiagnostics().Where(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error).ToArray();
        Assert.True(errors.Length == 0, GeneratorHarness.Format(errors));
    }
}
