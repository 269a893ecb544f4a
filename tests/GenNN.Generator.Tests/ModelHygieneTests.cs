using System.Reflection;
using Microsoft.CodeAnalysis;

namespace GenNN.Generator.Tests;

/// <summary>
/// The pipeline's model is plain data: equal declarations give equal values (so the driver can cache), and no
/// Roslyn object (symbol, syntax, compilation, location, semantic model) is reachable from it, which would
/// both defeat caching and keep whole compilations alive in the IDE.
/// </summary>
public class ModelHygieneTests
{
    private const string Declarations = """
        using GenNN;

        namespace Samples;

        [Network(Loss = Loss.SoftmaxCrossEntropy)]
        [Input(4)]
        [Dense(16, Activation.ReLU)]
        [Dense(3, Activation.Softmax)]
        public partial class IrisNet { }

        [Network(Loss = Loss.BinaryCrossEntropy)]
        [Input(13)]
        [Dense(33, Activation.Tanh)]
        [Dense(1, Activation.Sigmoid)]
        public partial class BinaryNet { }
        """;

    /// <summary>Invalid declarations: the parse and diagnostics steps carry diagnostic information.</summary>
    private const string InvalidDeclarations = """
        using GenNN;

        namespace Samples;

        [Network]
        [Input(4)]
        [Dense(2)]
        public class NotPartial { }

        [Network(Loss = Loss.SoftmaxCrossEntropy)]
        [Input(0)]
        [Dense(8, Activation.Softmax)]
        [Dense(3, (Activation)42)]
        public partial class ManyProblems { }

        [Network]
        [Dense(3)]
        public partial class NoInput<T> { }
        """;

    [Fact]
    public void EqualDeclarations_GiveEqualSpecs()
    {
        // Two independent parses and compilations of the same text: nothing is shared but the text.
        var first = StepValues(GeneratorHarness.Run(Declarations), TrackingNames.Specs);
        var second = StepValues(GeneratorHarness.Run(Declarations), TrackingNames.Specs);

        Assert.Equal(2, first.Count);
        Assert.Equal(first.Count, second.Count);
        for (int i = 0; i < first.Count; i++)
        {
            Assert.NotSame(first[i], second[i]);
            Assert.Equal(first[i], second[i]);
            Assert.Equal(first[i].GetHashCode(), second[i].GetHashCode());
        }
    }

    [Fact]
    public void EqualDeclarations_GiveEqualParseAndDiagnosticsOutputs()
    {
        foreach (string step in new[] { TrackingNames.Parse, TrackingNames.Diagnostics })
        {
            var first = StepValues(GeneratorHarness.Run(InvalidDeclarations), step);
            var second = StepValues(GeneratorHarness.Run(InvalidDeclarations), step);

            Assert.NotEmpty(first);
            Assert.Equal(first, second);
            Assert.Equal(first.Select(v => v.GetHashCode()), second.Select(v => v.GetHashCode()));
        }
    }

    [Fact]
    public void DifferentDeclarations_GiveDifferentSpecs()
    {
        // Guards the test above: the specs' equality really looks at the topology.
        var specs = new[] { "[Dense(16, Activation.ReLU)]", "[Dense(17, Activation.ReLU)]", "[Dense(16, Activation.Tanh)]" }
            .Select(layer => Assert.Single(StepValues(GeneratorHarness.Run($$"""
                using GenNN;
                [Network(Loss = Loss.SoftmaxCrossEntropy)]
                [Input(4)]
                {{layer}}
                [Dense(3, Activation.Softmax)]
                public partial class IrisNet { }
                """), TrackingNames.Specs)))
            .ToArray();

        Assert.NotEqual(specs[0], specs[1]);
        Assert.NotEqual(specs[0], specs[2]);
        Assert.NotEqual(specs[1], specs[2]);
    }

    [Theory]
    [InlineData(Declarations)]
    [InlineData(InvalidDeclarations)]
    public void NoRoslynObjectIsReachableFromAnyStep(string source)
    {
        var run = GeneratorHarness.Run(source);
        int walked = 0;
        // Only the generator's own named steps: Roslyn's ForAttributeWithMetadataName records internal steps
        // (holding syntax nodes, legitimately) under its own names.
        // A step that had nothing to do (e.g. Diagnostics for valid networks) may be absent.
        foreach (string name in IncrementalityTests.StepNames.Where(run.Result.TrackedSteps.ContainsKey))
        {
            foreach (object value in StepValues(run, name))
            {
                var problem = FindRoslynObject(value, name);
                Assert.True(problem is null, problem);
                walked++;
            }
        }

        Assert.True(walked > 0, "No step outputs were recorded.");
    }

    /// <summary>Guards the walker: it does find a Location, a syntax node and a symbol hidden in a record.</summary>
    [Fact]
    public void TheWalkerFindsRoslynObjects()
    {
        var compilation = GeneratorHarness.CreateCompilation("class C { }");
        var tree = compilation.SyntaxTrees.Single();
        var symbol = compilation.GetTypeByMetadataName("C")!;

        Assert.NotNull(FindRoslynObject(new Holder(new object[] { 1, "a", Location.Create(tree, default) }), "test"));
        Assert.NotNull(FindRoslynObject(new Holder(new List<object> { tree.GetRoot() }), "test"));
        Assert.NotNull(FindRoslynObject(new Holder(System.Collections.Immutable.ImmutableArray.Create<object>(symbol)), "test"));
        Assert.NotNull(FindRoslynObject(new Holder((1, new Holder(compilation))), "test"));
        Assert.Null(FindRoslynObject(new Holder(new object[] { 1, "a", new Microsoft.CodeAnalysis.Text.TextSpan(1, 2), DiagnosticSeverity.Error }), "test"));
    }

    [Fact]
    public void ActivationKindMatchesGenNNActivation() => AssertEnumMirrors("ActivationKind", typeof(Activation));

    [Fact]
    public void LossKindMatchesGenNNLoss() => AssertEnumMirrors("LossKind", typeof(Loss));

    private sealed record Holder(object Value);

    private static void AssertEnumMirrors(string generatorEnumName, Type publicEnum)
    {
        var candidates = typeof(NetworkGenerator).Assembly.GetTypes().Where(t => t.IsEnum && t.Name == generatorEnumName).ToArray();
        var mirror = Assert.Single(candidates);

        var expected = Enum.GetNames(publicEnum).Select(n => (n, Convert.ToInt64(Enum.Parse(publicEnum, n), System.Globalization.CultureInfo.InvariantCulture)));
        var actual = Enum.GetNames(mirror).Select(n => (n, Convert.ToInt64(Enum.Parse(mirror, n), System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal(expected.OrderBy(p => p.Item2), actual.OrderBy(p => p.Item2));
    }

    private static List<object> StepValues(GeneratorRun run, string step)
    {
        Assert.True(run.Result.TrackedSteps.TryGetValue(step, out var steps), $"The step '{step}' was not recorded.");
        return steps.SelectMany(s => s.Outputs).Select(o => o.Value).ToList();
    }

    /// <summary>
    /// Walks everything reachable from <paramref name="root"/> through instance fields (of any accessibility,
    /// including compiler-generated backing fields, so collections are walked through their storage) and array
    /// elements. Returns a description
    /// of the first Roslyn reference-type object found, or null. <see cref="DiagnosticDescriptor"/> is allowed (it
    /// is immutable, shared and compilation-independent); Roslyn value types that hold no references
    /// (<c>TextSpan</c>, <c>LinePositionSpan</c>, enums) are plain data and are walked like any struct.
    /// </summary>
    private static string? FindRoslynObject(object? root, string rootName)
    {
        var visited = new HashSet<object>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<(object Value, string Path)>();
        pending.Push((root!, rootName));
        while (pending.Count > 0)
        {
            var (value, path) = pending.Pop();
            if (value is null)
            {
                continue;
            }

            var type = value.GetType();
            if (type.IsPrimitive || type.IsEnum || value is string || value is decimal || value is Type)
            {
                continue;
            }

            if (value is DiagnosticDescriptor)
            {
                continue;
            }

            if (!type.IsValueType && !visited.Add(value))
            {
                continue;
            }

            if (value is ISymbol or SyntaxNode or Compilation or Location or SemanticModel or SyntaxTree or AttributeData
                || (!type.IsValueType && (type.Namespace?.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal) ?? false)))
            {
                return $"{path} holds a {type.FullName}: the model must not reference Roslyn objects.";
            }

            if (value is Delegate)
            {
                return $"{path} holds a delegate ({type.FullName}): the model must be plain data.";
            }

            if (value is Pointer || type.IsPointer)
            {
                continue;
            }

            if (value is Array array)
            {
                if (!type.GetElementType()!.IsPrimitive)
                {
                    int i = 0;
                    foreach (object? element in array)
                    {
                        pending.Push((element!, $"{path}[{i++}]"));
                    }
                }

                continue;
            }

            for (var t = type; t is not null && t != typeof(object) && t != typeof(ValueType); t = t.BaseType)
            {
                foreach (var field in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                {
                    if (field.FieldType.IsPointer || field.FieldType.IsByRefLike)
                    {
                        continue;
                    }

                    pending.Push((field.GetValue(value)!, $"{path}.{field.Name}"));
                }
            }
        }

        return null;
    }
}
