using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace GenNN.Generator.Tests;

/// <summary>
/// A class whose attributes have errors gets the network's members with no code, so that a user sees the GNN error
/// and not also one compile error at each use of the class.
/// </summary>
public class ShellTests
{
    /// <summary>A program using the class the way the README does: constructor, Fit, Predict, Save, Load, constants.</summary>
    private const string Uses = """
        using System;
        using GenNN;

        namespace Tests;

        public static class Program
        {
            public static void Main()
            {
                var model = new Net(seed: 42);
                Console.WriteLine(Net.Topology + Net.ParameterCount + Net.Summary() + Net.KernelPath);
                var data = new Dataset(new float[Net.InputSize * 2], Net.InputSize, new float[Net.TargetSize * 2], Net.TargetSize);
                History history = Trainer.Fit(model, data, new Adam(0.01f), epochs: 1, batchSize: 2);
                Console.WriteLine(Trainer.Evaluate(model, data));
                Span<float> output = stackalloc float[Net.OutputSize];
                model.Predict(new float[Net.InputSize], output);
                model.PredictBatch(new float[Net.InputSize * 2], new float[Net.OutputSize * 2], 2);
                model.Save("net.safetensors");
                Net loaded = Net.Load("net.safetensors");
                loaded.MaxDegreeOfParallelism = 1;
                Console.WriteLine(loaded.Preprocessing is null ? model.PredictClassName(new float[Net.InputSize]) : "");
            }
        }
        """;

    [Theory]
    [InlineData("[Input(4)] [Dense(16, Activation.Softmax)] [Dense(3, Activation.Softmax)]", "GNN0005")]
    [InlineData("[Input(4)] [Dense(0)] [Dense(3, Activation.Softmax)]", "GNN0004")]
    [InlineData("[Dense(3, Activation.Softmax)]", "GNN0002")]
    [InlineData("[Input(4)]", "GNN0003")]
    [InlineData("[Input(8, 8, 1)] [Conv2D(4, 9)] [Flatten] [Dense(3, Activation.Softmax)]", "GNN0023")]
    public void An_attribute_error_is_the_only_error(string attributes, string id)
    {
        string network = $$"""
            using GenNN;
            namespace Tests;

            [Network(Loss = Loss.SoftmaxCrossEntropy)]
            {{attributes}}
            public partial class Net { }
            """;
        var input = GeneratorHarness.CreateCompilation(new[] { ("Net.cs", network), ("Program.cs", Uses) });
        GeneratorHarness.CreateDriver().RunGeneratorsAndUpdateCompilation(input, out var output, out var generatorDiagnostics);

        Assert.Equal(id, Assert.Single(generatorDiagnostics).Id);
        var compilerErrors = output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
        Assert.True(compilerErrors.Length == 0, "Each use of the class added an error:\n" + GeneratorHarness.Format(compilerErrors));
    }

    /// <summary>Without the members, the same program shows the uses' errors (what the shell saves a user from).</summary>
    [Fact]
    public void Without_the_members_each_use_is_an_error()
    {
        var input = GeneratorHarness.CreateCompilation(new[] { ("Net.cs", "namespace Tests; public partial class Net { }"), ("Program.cs", Uses) });
        Assert.True(input.GetDiagnostics().Count(d => d.Severity == DiagnosticSeverity.Error) >= 10);
    }

    /// <summary>A declaration that cannot take members (not partial, nested, generic, a record) gets none: they would add errors.</summary>
    [Theory]
    [InlineData("public class Net { }")]
    [InlineData("public static partial class Outer { [Network] [Input(4)] [Dense(2)] public partial class Net { } }")]
    [InlineData("public partial class Net<T> { }")]
    [InlineData("public partial record Net { }")]
    [InlineData("public abstract partial class Net { }")]
    public void A_declaration_that_cannot_take_members_gets_none(string declaration)
    {
        string network = "using GenNN;\nnamespace Tests;\n\n" + (declaration.Contains("Outer", StringComparison.Ordinal) ? declaration : "[Network]\n[Input(4)]\n[Dense(2)]\n" + declaration);
        var run = GeneratorHarness.Run(network);
        Assert.NotEmpty(run.Diagnostics);
        Assert.True(run.Sources.IsEmpty, string.Join(", ", run.Sources.Select(s => s.HintName)));
    }

    /// <summary>
    /// Every public member of a generated class (a classifier with BatchNorm and Dropout, a regressor, a binary
    /// classifier) is declared by the shell too, with the same signature, apart from the per-layer constants.
    /// </summary>
    [Theory]
    [InlineData("[Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(6, 5, 3)] [Conv2D(4, 3)] [BatchNorm(Activation.ReLU)] [MaxPool2D] [Flatten] [Dense(8, Activation.ReLU)] [Dropout(0.2)] [Dense(3, Activation.Softmax)]")]
    [InlineData("[Network] [Input(4)] [Dense(8, Activation.Tanh)] [Dense(2)]")]
    [InlineData("[Network(Loss = Loss.BinaryCrossEntropy)] [Input(4)] [Dense(1, Activation.Sigmoid)]")]
    public void The_shell_declares_every_member_of_a_generated_class(string attributes)
    {
        string[] real = PublicMembers($"using GenNN;\nnamespace Tests;\n{attributes}\npublic partial class Net {{ }}");
        string[] shell = PublicMembers("using GenNN;\nnamespace Tests;\n[Network] [Input(4)] [Dense(0)]\npublic partial class Net { }");

        string[] missing = real.Where(m => !Regex.IsMatch(m, @"\.Layer\d+") && !shell.Contains(m)).ToArray();
        Assert.True(missing.Length == 0, "The shell (ShellEmitter) lacks: " + string.Join(", ", missing));
    }

    private static string[] PublicMembers(string source)
    {
        var run = GeneratorHarness.Run(source);
        INamedTypeSymbol type = run.Output.GetTypeByMetadataName("Tests.Net")!;
        Assert.Single(run.Sources);
        return type.GetMembers()
            .Where(m => m.DeclaredAccessibility == Accessibility.Public && !m.IsImplicitlyDeclared && m is not IMethodSymbol { AssociatedSymbol: not null })
            .Select(m => m.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat))
            .ToArray();
    }
}
