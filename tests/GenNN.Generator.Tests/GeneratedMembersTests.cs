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

    /// <summary>
    /// BatchNorm is accepted wherever its input has channels (the last dimension): after a Dense layer, after Flatten,
    /// after a convolution, as the first layer on a flat or shaped input. The summary shows each BatchNorm's output shape
    /// (its input's) and, as Keras' does, 4 x channels parameters in its row: its weight and bias (trainable) and its running
    /// mean and variance (non-trainable), all in the total; the generated code compiles without a warning.
    /// </summary>
    [Theory]
    [InlineData("[Input(4)] [Dense(6, Activation.ReLU)] [BatchNorm]", "layers.1 (BatchNorm) (None, 6) Linear 24", 12)]
    [InlineData("[Input(3, 2, 5)] [Flatten] [BatchNorm(Activation.Tanh)]", "layers.1 (BatchNorm) (None, 30) Tanh 120", 60)]
    [InlineData("[Input(10, 3)] [Conv1D(4, 3)] [BatchNorm(Activation.ReLU)] [Flatten]", "layers.1 (BatchNorm) (None, 8, 4) ReLU 16", 8)]
    [InlineData("[Input(6, 5, 3)] [Conv2D(4, 3)] [BatchNorm(Activation.ReLU)] [Flatten]", "layers.1 (BatchNorm) (None, 4, 3, 4) ReLU 16", 8)]
    [InlineData("[Input(6, 5, 3)] [BatchNorm] [Conv2D(4, 3)] [Flatten]", "layers.0 (BatchNorm) (None, 6, 5, 3) Linear 12", 6)]
    [InlineData("[Input(10, 3)] [BatchNorm(Activation.Sigmoid)] [Flatten]", "layers.0 (BatchNorm) (None, 10, 3) Sigmoid 12", 6)]
    [InlineData("[Input(7)] [BatchNorm]", "layers.0 (BatchNorm) (None, 7) Linear 28", 14)]
    [InlineData("[Input(6, 5, 3)] [BatchNorm] [Conv2D(4, 3)] [BatchNorm(Activation.ReLU)] [Flatten] [Dense(5)] [BatchNorm(Activation.Tanh)]",
        "layers.0 (BatchNorm) (None, 6, 5, 3) Linear 12|layers.2 (BatchNorm) (None, 4, 3, 4) ReLU 16|layers.5 (BatchNorm) (None, 5) Tanh 20", 6 + 8 + 10)]
    public void BatchNormIsAcceptedAndSummarised(string layers, string rows, int stateSize)
    {
        var run = GeneratorHarness.Run($"using GenNN;\nnamespace Tests;\n/// <summary>A network.</summary>\n[Network]\n{layers}\n[Dense(2)]\npublic partial class Net {{ }}\n", GeneratorHarness.DocumentationParseOptions);
        Assert.True(run.Diagnostics.IsEmpty, GeneratorHarness.Format(run.Diagnostics));
        var net = run.Output.GetTypeByMetadataName("Tests.Net");
        Assert.NotNull(net);

        // The summary's columns are padded to the widest cell: compare its rows with single spaces.
        string[] summary = Constant<string>(net, "SummaryText").Split('\n').Select(line => Regex.Replace(line, " +", " ")).ToArray();
        Assert.Equal(rows.Split('|'), summary.Where(line => line.Contains("(BatchNorm)", StringComparison.Ordinal)));
        int parameters = Constant<int>(net, "ParameterCount");
        Assert.Contains(summary, line => line.StartsWith($"Total params: {parameters + stateSize} (", StringComparison.Ordinal));
        Assert.Contains(summary, line => line.StartsWith($"Trainable params: {parameters} (", StringComparison.Ordinal));
        Assert.Contains($"Non-trainable params: {stateSize} ({4 * stateSize}.00 B)", summary);
        Assert.Equal(stateSize, Constant<int>(net, "StateSize"));

        var problems = run.Output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToArray();
        Assert.True(problems.Length == 0, GeneratorHarness.Format(problems));
    }

    /// <summary>The topology names a BatchNorm's activation and the options that differ from PyTorch's defaults, and nothing for the defaults.</summary>
    [Theory]
    [InlineData("BatchNorm", "BatchNorm")]
    [InlineData("BatchNorm(Activation.Linear, Momentum = 0.1f, Epsilon = 1e-5f)", "BatchNorm")]
    [InlineData("BatchNorm(Activation.ReLU, Momentum = 0.01f, Epsilon = 0.001f)", "BatchNorm(ReLU, Momentum = 0.01, Epsilon = 0.001)")]
    [InlineData("BatchNorm(Activation.Tanh)", "BatchNorm(Tanh)")]
    [InlineData("BatchNorm(Epsilon = 0.001f)", "BatchNorm(Epsilon = 0.001)")]
    public void TopologyDescribesBatchNorm(string attribute, string shown)
    {
        var run = GeneratorHarness.Run($"using GenNN;\nnamespace Tests;\n[Network]\n[Input(4)]\n[Dense(6)]\n[{attribute}]\n[Dense(2)]\npublic partial class Net {{ }}\n");
        Assert.True(run.Diagnostics.IsEmpty, GeneratorHarness.Format(run.Diagnostics));

        var net = run.Output.GetTypeByMetadataName("Tests.Net")!;
        Assert.Equal($"Input(4) -> Dense(6, Linear) -> {shown} -> Dense(2, Linear)", Constant<string>(net, "Topology"));
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
