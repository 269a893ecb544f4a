using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;

namespace GenNN.Generator.Tests;

/// <summary>
/// The generated class has the promised shape, read from the output compilation's symbols: it implements
/// <see cref="INetwork"/>, its constants hold the topology's sizes, and it has the seeded constructors and typed Load.
/// </summary>
public class GeneratedMembersTests
{
    [Theory]
    [InlineData("SoftmaxCrossEntropy", 4, "16:ReLU,3:Softmax", 1, "Input(4) -> Dense(16, ReLU) -> Dense(3, Softmax)")]
    [InlineData("MeanSquaredError", 13, "33:Tanh,17:LeakyReLU,7:Linear", 7, "Input(13) -> Dense(33, Tanh) -> Dense(17, LeakyReLU) -> Dense(7, Linear)")]
    [InlineData("BinaryCrossEntropy", 8, "10:Sigmoid,8:Sigmoid,1:Sigmoid", 1, "Input(8) -> Dense(10, Sigmoid) -> Dense(8, Sigmoid) -> Dense(1, Sigmoid)")]
    public void ConstantsDescribeTheTopology(string loss, int inputs, string layers, int targetSize, string topology)
    {
        var units = layers.Split(',').Select(l => int.Parse(l.Split(':')[0], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        string attributes = string.Join("\n", layers.Split(',').Select(l => $"[Dense({l.Split(':')[0]}, Activation.{l.Split(':')[1]})]"));
        var run = GeneratorHarness.Run($"using GenNN;\nnamespace Tests;\n[Network(Loss = Loss.{loss})]\n[Input({inputs})]\n{attributes}\npublic partial class Net {{ }}\n");
        Assert.True(run.Diagnostics.IsEmpty, GeneratorHarness.Format(run.Diagnostics));

        var net = run.Output.GetTypeByMetadataName("Tests.Net");
        Assert.NotNull(net);

        int parameters = 0;
        int fanIn = inputs;
        foreach (int u in units)
        {
            parameters += (fanIn * u) + u;
            fanIn = u;
        }

        Assert.Equal(inputs, Constant<int>(net, "InputSize"));
        Assert.Equal(units[^1], Constant<int>(net, "OutputSize"));
        Assert.Equal(targetSize, Constant<int>(net, "TargetSize"));
        Assert.Equal(parameters, Constant<int>(net, "ParameterCount"));
        Assert.Equal(units.Length, Constant<int>(net, "LayerCount"));
        Assert.Equal(topology, Constant<string>(net, "Topology"));

        // Layer{k}Units, k = 0 .. LayerCount - 1, nothing else of that shape.
        var layerConstants = net.GetMembers().OfType<IFieldSymbol>().Where(f => Regex.IsMatch(f.Name, @"^Layer\d+Units$")).Select(f => f.Name).OrderBy(n => n, StringComparer.Ordinal);
        Assert.Equal(Enumerable.Range(0, units.Length).Select(k => $"Layer{k}Units").OrderBy(n => n, StringComparer.Ordinal), layerConstants);
        Assert.Equal(units, Enumerable.Range(0, units.Length).Select(k => Constant<int>(net, $"Layer{k}Units")));

        var inetwork = run.Output.GetTypeByMetadataName("GenNN.INetwork");
        Assert.Contains(inetwork, net.AllInterfaces, SymbolEqualityComparer.Default);
        Assert.Contains(net.InstanceConstructors, c => c.Parameters.IsEmpty && c.DeclaredAccessibility == Accessibility.Public);
        Assert.Contains(net.InstanceConstructors, c => c.Parameters.Length == 1 && c.Parameters[0].Type.SpecialType == SpecialType.System_Int32 && c.DeclaredAccessibility == Accessibility.Public);
        var loads = net.GetMembers("Load").OfType<IMethodSymbol>().Where(m => m.IsStatic && m.DeclaredAccessibility == Accessibility.Public).ToArray();
        Assert.Contains(loads, m => m.Parameters.Length == 1 && m.Parameters[0].Type.SpecialType == SpecialType.System_String && SymbolEqualityComparer.Default.Equals(m.ReturnType, net));
        Assert.Contains(loads, m => m.Parameters.Length == 1 && m.Parameters[0].Type.ToDisplayString() == "System.IO.Stream" && SymbolEqualityComparer.Default.Equals(m.ReturnType, net));

        var errors = run.Output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
        Assert.True(errors.Length == 0, GeneratorHarness.Format(errors));
    }

    private static T Constant<T>(INamedTypeSymbol type, string name)
    {
        var field = type.GetMembers(name).OfType<IFieldSymbol>().SingleOrDefault();
        Assert.True(field is { IsConst: true, DeclaredAccessibility: Accessibility.Public }, $"{type.Name} has no public const {name}.");
        return Assert.IsType<T>(field!.ConstantValue);
        }

    /// <summary>Keywords used as names (<c>@event</c>, namespace <c>@new</c>) are escaped in the generated code.</summary>
    [Fact]
    public void KeywordNamesAreEscaped()
    {
        var run = GeneratorHarness.Run("""
            using GenNN;
            namespace Tests.@new;

            [Network]
            [Input(3)]
            [Dense(2)]
            public partial class @event { }
            """);

        Assert.True(run.Diagnostics.IsEmpty, GeneratorHarness.Format(run.Diagnostics));
        var errors = run.Output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToArray();
        Assert.True(errors.Length == 0, GeneratorHarness.Format(errors));
        Assert.Equal(3, Constant<int>(run.Output.GetTypeByMetadataName("Tests.new.event")!, "InputSize"));
    }

    /// <summary>
    /// Attributes on several partial parts all count, in a deterministic order: by file path, then by position
    /// (the generator's documented rule).
    /// </summary>
    [Fact]
    public void LayersOnSeveralPartialPartsAreOrderedByFileThenPosition()
    {
        var compilation = GeneratorHarness.CreateCompilation(new[]
        {
            ("B.cs", "using GenNN;\nnamespace Tests;\n[Network]\n[Input(5)]\n[Dense(2, Activation.Tanh)]\npublic partial class Net { }\n"),
            ("A.cs", "using GenNN;\nnamespace Tests;\n[Dense(9, Activation.ReLU)]\n[Dense(4, Activation.ReLU)]\npublic partial class Net { }\n"),
        });
        var run = GeneratorHarness.Run(compilation, GeneratorHarness.CreateDriver());

        Assert.True(run.Diagnostics.IsEmpty, GeneratorHarness.Format(run.Diagnostics));
        var net = run.Output.GetTypeByMetadataName("Tests.Net")!;
        Assert.Equal("Input(5) -> Dense(9, ReLU) -> Dense(4, ReLU) -> Dense(2, Tanh)", Constant<string>(net, "Topology"));
        var errors = run.Output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
        Assert.True(errors.Length == 0, GeneratorHarness.Format(errors));
    }
}
