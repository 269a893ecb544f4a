using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;

namespace GenNN.Generator.Tests;

/// <summary>
/// The pipeline is incremental: an edit that does not touch a network leaves every named step Cached or
/// Unchanged and reuses the generated output; an edit to a network's attributes regenerates it.
/// </summary>
public class IncrementalityTests
{
    private const string NetworkPath = "IrisNet.cs";
    private const string OtherPath = "Other.cs";

    private const string NetworkSource = """
        using GenNN;

        namespace Samples;

        [Network(Loss = Loss.SoftmaxCrossEntropy)]
        [Input(4)]
        [Dense(16, Activation.ReLU)]
        [Dense(3, Activation.Softmax)]
        public partial class IrisNet { }

        [Network]
        [Input(4)]
        [Dense(0)]
        public partial class BadTopology { }

        [Network]
        [Input(4)]
        [Dense(2)]
        public class NotPartial { }
        """;

    private const string OtherSource = """
        namespace Samples;

        public static class Helpers
        {
            public static int Twice(int x) => 2 * x;
        }
        """;

    /// <summary>Every public const string of <see cref="TrackingNames"/>: the steps a test can observe.</summary>
    public static IReadOnlyList<string> StepNames { get; } = typeof(TrackingNames)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral && f.FieldType == typeof(string))
        .Select(f => (string)f.GetRawConstantValue()!)
        .ToArray();

    [Fact]
    public void TrackingNamesIncludeTheDocumentedSteps()
    {
        Assert.Contains(TrackingNames.Parse, StepNames);
        Assert.Contains(TrackingNames.Diagnostics, StepNames);
        Assert.Contains(TrackingNames.Specs, StepNames);
        Assert.Equal(StepNames.Count, StepNames.Distinct().Count());
    }

    [Fact]
    public void RunningTwiceOnTheSameCompilation_CachesEverything()
    {
        var first = RunFirst();
        var second = GeneratorHarness.Rerun(first, first.Input);

        AssertAllStepsCachedOrUnchanged(second);
        AssertSameOutput(first, second);
    }

    [Fact]
    public void AddingAnUnrelatedFile_CachesEverything()
    {
        var first = RunFirst();
        var changed = first.Input.AddSyntaxTrees(CSharpSyntaxTree.ParseText(
            "namespace Samples; internal sealed class Unrelated { public int Value { get; set; } }",
            GeneratorHarness.ParseOptions, "Unrelated.cs"));
        var second = GeneratorHarness.Rerun(first, changed);

        AssertAllStepsCachedOrUnchanged(second);
        AssertSameOutput(first, second);
    }

    [Fact]
    public void EditingAnUnrelatedFile_CachesEverything()
    {
        var first = RunFirst();
        var changed = ReplaceText(first.Input, OtherPath, "2 * x", "x + x + 0");
        var second = GeneratorHarness.Rerun(first, changed);

        AssertAllStepsCachedOrUnchanged(second);
        AssertSameOutput(first, second);
    }

    [Fact]
    public void EditingTheNetworkFileOutsideTheDeclarations_CachesEverything()
    {
        // The network file's tree changes, so the parser runs again, but no declaration and no location moved:
        // it must produce equal specs and diagnostics, and the output must be reused.
        var first = RunFirst();
        var changed = ReplaceText(first.Input, NetworkPath, "public class NotPartial { }", "public class NotPartial { private int _unused; }");
        var second = GeneratorHarness.Rerun(first, changed);

        AssertAllStepsCachedOrUnchanged(second);
        AssertSameOutput(first, second);
    }

    [Fact]
    public void EditingTheNetworkAttribute_RegeneratesTheNetwork()
    {
        var first = RunFirst();
        var changed = ReplaceText(first.Input, NetworkPath, "[Dense(16, Activation.ReLU)]", "[Dense(17, Activation.ReLU)]");
        var second = GeneratorHarness.Rerun(first, changed);

        var specReasons = Reasons(second, TrackingNames.Specs);
        Assert.Contains(IncrementalStepRunReason.Modified, specReasons);

        string before = Assert.Single(first.Sources, s => s.HintName == "Samples.IrisNet.g.cs").SourceText.ToString();
        string after = Assert.Single(second.Sources, s => s.HintName == "Samples.IrisNet.g.cs").SourceText.ToString();
        Assert.NotEqual(before, after);
        Assert.Contains("Dense(17, ReLU)", after, StringComparison.Ordinal);
        Assert.DoesNotContain("Dense(16, ReLU)", after, StringComparison.Ordinal);
        Assert.Contains(second.Result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
    }

    [Fact]
    public void FixingADiagnostic_RemovesItAndGenerates()
    {
        var first = RunFirst();
        Assert.Contains(first.Diagnostics, d => d.Id == "GNN0001");

        var changed = ReplaceText(first.Input, NetworkPath, "public class NotPartial", "public partial class NotPartial");
        var second = GeneratorHarness.Rerun(first, changed);

        Assert.Equal("GNN0004", Assert.Single(second.Diagnostics).Id);
        Assert.Contains(second.Sources, s => s.HintName == "Samples.NotPartial.g.cs");
    }

    private static GeneratorRun RunFirst()
    {
        var compilation = GeneratorHarness.CreateCompilation(new[] { (NetworkPath, NetworkSource), (OtherPath, OtherSource) });
        var run = GeneratorHarness.Run(compilation, GeneratorHarness.CreateDriver());

        // The first run is the baseline: something was parsed, diagnosed and generated (a network, and the members
        // without code of a class with a topology error), so every step has outputs.
        Assert.Equal(new[] { "GNN0001", "GNN0004" }, run.Diagnostics.Select(d => d.Id).Order());
        Assert.Equal(new[] { "Samples.BadTopology.g.cs", "Samples.IrisNet.g.cs" }, run.Sources.Select(s => s.HintName).Order());
        foreach (string name in StepNames)
        {
            Assert.True(run.Result.TrackedSteps.ContainsKey(name), $"The step '{name}' was not recorded; steps recorded: {string.Join(", ", run.Result.TrackedSteps.Keys)}");
        }

        return run;
    }

    private static void AssertAllStepsCachedOrUnchanged(GeneratorRun run)
    {
        foreach (string name in StepNames)
        {
            var reasons = Reasons(run, name);
            Assert.True(reasons.Count > 0, $"The step '{name}' recorded no outputs on the second run.");
            Assert.True(
                reasons.All(r => r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged),
                $"The step '{name}' reported [{string.Join(", ", reasons)}]; expected only Cached or Unchanged.");
        }

        var outputReasons = run.Result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs).Select(o => o.Reason).ToArray();
        Assert.NotEmpty(outputReasons);
        Assert.True(outputReasons.All(r => r == IncrementalStepRunReason.Cached), $"The source outputs reported [{string.Join(", ", outputReasons)}]; expected only Cached.");
    }

    private static void AssertSameOutput(GeneratorRun first, GeneratorRun second)
    {
        Assert.Equal(first.Sources.Select(s => (s.HintName, s.SourceText.ToString())), second.Sources.Select(s => (s.HintName, s.SourceText.ToString())));
        Assert.Equal(first.Diagnostics.Select(d => d.ToString()), second.Diagnostics.Select(d => d.ToString()));
    }

    private static List<IncrementalStepRunReason> Reasons(GeneratorRun run, string step)
        => run.Result.TrackedSteps.TryGetValue(step, out var steps)
            ? steps.SelectMany(s => s.Outputs).Select(o => o.Reason).ToList()
            : new List<IncrementalStepRunReason>();

    private static CSharpCompilation ReplaceText(CSharpCompilation compilation, string path, string oldText, string newText)
    {
        var tree = compilation.SyntaxTrees.Single(t => t.FilePath == path);
        string text = tree.GetText().ToString();
        int at = text.IndexOf(oldText, StringComparison.Ordinal);
        Assert.True(at >= 0, $"'{oldText}' is not in {path}.");
        var changedTree = tree.WithChangedText(tree.GetText().WithChanges(new TextChange(new TextSpan(at, oldText.Length), newText)));
        return compilation.ReplaceSyntaxTree(tree, changedTree);
    }
}
