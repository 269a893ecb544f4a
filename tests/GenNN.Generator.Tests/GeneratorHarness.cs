using System.Collections.Immutable;
using System.Numerics.Tensors;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace GenNN.Generator.Tests;

/// <summary>The outcome of running <see cref="NetworkGenerator"/> once over a compilation.</summary>
/// <param name="Driver">The driver after the run; pass it to <see cref="GeneratorHarness.Rerun"/> to test caching.</param>
/// <param name="Input">The compilation the generator saw.</param>
/// <param name="Output">The input plus the generated syntax trees.</param>
/// <param name="Result">The generator's run result: generated sources, diagnostics and tracked steps.</param>
internal sealed record GeneratorRun(GeneratorDriver Driver, CSharpCompilation Input, Compilation Output, GeneratorRunResult Result)
{
    /// <summary>The diagnostics the generator reported (not the compiler's).</summary>
    public ImmutableArray<Diagnostic> Diagnostics => Result.Diagnostics;

    /// <summary>The generated sources, in the order the generator added them.</summary>
    public ImmutableArray<GeneratedSourceResult> Sources => Result.GeneratedSources;

    /// <summary>The text of the only generated source; fails if there is not exactly one.</summary>
    public string SingleSourceText
    {
        get
        {
            Assert.True(Sources.Length == 1, $"Expected exactly one generated source, got {Sources.Length}: {string.Join(", ", Sources.Select(s => s.HintName))}");
            return Sources[0].SourceText.ToString();
        }
    }
}

/// <summary>
/// Drives <see cref="NetworkGenerator"/> in-process, the way the compiler does, over compilations built from
/// source text. References are the shared framework of the test host plus GenNN.Attributes, GenNN.Runtime and
/// System.Numerics.Tensors, so generated code can be compiled and checked for diagnostics.
/// </summary>
internal static class GeneratorHarness
{
    /// <summary>The file name every single-source test compilation uses; locations in diagnostics carry it.</summary>
    public const string DefaultPath = "Network.cs";

    /// <summary>C# latest, documentation comments parsed but missing ones not reported.</summary>
    public static readonly CSharpParseOptions ParseOptions = CSharpParseOptions.Default.WithLanguageVersion(LanguageVersion.Latest);

    /// <summary>As <see cref="ParseOptions"/>, with documentation diagnostics on (the GenerateDocumentationFile equivalent: CS1591 is reported).</summary>
    public static readonly CSharpParseOptions DocumentationParseOptions = ParseOptions.WithDocumentationMode(DocumentationMode.Diagnose);

    /// <summary>A library, nullable enabled, every warning wave on.</summary>
    public static readonly CSharpCompilationOptions CompilationOptions = new(
        OutputKind.DynamicallyLinkedLibrary,
        nullableContextOptions: NullableContextOptions.Enable,
        warningLevel: 9999,
        deterministic: true);

    private static readonly Lazy<ImmutableArray<MetadataReference>> s_references = new(LoadReferences);

    /// <summary>The metadata references every test compilation gets (loaded once per test run).</summary>
    public static ImmutableArray<MetadataReference> References => s_references.Value;

    private static ImmutableArray<MetadataReference> LoadReferences()
    {
        // The trusted platform assemblies also list the test's own dependencies (Roslyn, xunit, the generator):
        // keep only the shared framework, then add exactly the gen-nn assemblies a user project references.
        string frameworkDirectory = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        string tpa = (string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")
            ?? throw new InvalidOperationException("TRUSTED_PLATFORM_ASSEMBLIES is not set: the tests must run on .NET (Core).");

        var byName = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (string path in tpa.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            if (string.Equals(Path.GetDirectoryName(path), frameworkDirectory, StringComparison.Ordinal))
            {
                byName[Path.GetFileName(path)] = path;
            }
        }

        foreach (var assembly in new[] { typeof(INetwork).Assembly, typeof(DenseAttribute).Assembly, typeof(TensorPrimitives).Assembly })
        {
            byName[Path.GetFileName(assembly.Location)] = assembly.Location;
        }

        return byName.Values.OrderBy(p => p, StringComparer.Ordinal)
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToImmutableArray();
    }

    /// <summary>Parses <paramref name="sources"/> (path, text) into a compilation with <see cref="References"/>.</summary>
    public static CSharpCompilation CreateCompilation(IEnumerable<(string Path, string Text)> sources, CSharpParseOptions? parseOptions = null)
    {
        parseOptions ??= ParseOptions;
        var trees = sources.Select(s => CSharpSyntaxTree.ParseText(s.Text, parseOptions, s.Path, Encoding.UTF8));
        return CSharpCompilation.Create("GenNN.GeneratorTests.Input", trees, References, CompilationOptions);
    }

    /// <summary>Parses one source file (named <see cref="DefaultPath"/>) into a compilation.</summary>
    public static CSharpCompilation CreateCompilation(string source, CSharpParseOptions? parseOptions = null)
        => CreateCompilation(new[] { (DefaultPath, source) }, parseOptions);

    /// <summary>A driver for <see cref="NetworkGenerator"/> that records every named step.</summary>
    /// <param name="parseOptions">The parse options; <see cref="ParseOptions"/> by default.</param>
    /// <param name="msbuildProperties">MSBuild properties the generator sees, e.g. <c>["GenNNVectorWidth"] = "256"</c>.</param>
    public static GeneratorDriver CreateDriver(CSharpParseOptions? parseOptions = null, IReadOnlyDictionary<string, string>? msbuildProperties = null)
        => CSharpGeneratorDriver.Create(
            new[] { new NetworkGenerator().AsSourceGenerator() },
            additionalTexts: null,
            parseOptions: parseOptions ?? ParseOptions,
            optionsProvider: msbuildProperties is null ? null : new GlobalOptionsProvider(msbuildProperties),
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Global analyzer options as MSBuild passes <c>CompilerVisibleProperty</c> values: <c>build_property.Name</c>.</summary>
    private sealed class GlobalOptionsProvider(IReadOnlyDictionary<string, string> properties) : Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptionsProvider
    {
        private readonly Options _global = new(properties.ToDictionary(p => "build_property." + p.Key, p => p.Value));

        public override Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptions GlobalOptions => _global;

        public override Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptions GetOptions(SyntaxTree tree) => Options.Empty;

        public override Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptions GetOptions(AdditionalText textFile) => Options.Empty;

        private sealed class Options(Dictionary<string, string> values) : Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptions
        {
            public static readonly Options Empty = new(new Dictionary<string, string>());

            public override bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value)
                => values.TryGetValue(key, out value);
        }
    }

    /// <summary>Runs the generator over one source file.</summary>
    public static GeneratorRun Run(string source, CSharpParseOptions? parseOptions = null)
        => Run(CreateCompilation(source, parseOptions), CreateDriver(parseOptions));

    /// <summary>
    /// Runs <paramref name="driver"/> over <paramref name="input"/>. Fails if the input itself does not compile
    /// (a typo in a test would otherwise pass for a generator diagnostic) or if the generator threw.
    /// </summary>
    public static GeneratorRun Run(CSharpCompilation input, GeneratorDriver driver)
    {
        var inputErrors = input.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
        Assert.True(inputErrors.Length == 0, "The test source does not compile:\n" + Format(inputErrors));

        driver = driver.RunGeneratorsAndUpdateCompilation(input, out var output, out _);
        var result = driver.GetRunResult().Results.Single();
        Assert.True(result.Exception is null, $"The generator threw: {result.Exception}");
        return new GeneratorRun(driver, input, output, result);
    }

    /// <summary>
    /// Runs the generator over a source that does not compile by itself (an attribute on a struct, one given twice):
    /// the generator must still not throw, so that it keeps its diagnostics and the other classes' code.
    /// </summary>
    public static GeneratorRun RunOverInvalidSource(string source)
    {
        CSharpCompilation input = CreateCompilation(source);
        Assert.Contains(input.GetDiagnostics(), d => d.Severity == DiagnosticSeverity.Error);
        GeneratorDriver driver = CreateDriver().RunGeneratorsAndUpdateCompilation(input, out var output, out _);
        var result = driver.GetRunResult().Results.Single();
        Assert.True(result.Exception is null, $"The generator threw: {result.Exception}");
        return new GeneratorRun(driver, input, output, result);
    }

    /// <summary>Runs a driver that has already run once over a changed compilation (incrementality tests).</summary>
    public static GeneratorRun Rerun(GeneratorRun previous, CSharpCompilation changed) => Run(changed, previous.Driver);

    /// <summary>Formats diagnostics one per line with id, severity, location and message, for failure messages.</summary>
    public static string Format(IEnumerable<Diagnostic> diagnostics)
        => string.Join("\n", diagnostics.Select(d => $"  {d.Id} {d.Severity} {FormatLocation(d.Location)}: {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}"));

    /// <summary>Formats a location as <c>path(line,col)-(line,col)</c>, 1-based like the compiler.</summary>
    public static string FormatLocation(Location location)
    {
        if (location == Location.None)
        {
            return "<no location>";
        }

        var span = location.GetLineSpan();
        return $"{span.Path}({span.StartLinePosition.Line + 1},{span.StartLinePosition.Character + 1})-({span.EndLinePosition.Line + 1},{span.EndLinePosition.Character + 1})";
    }
}
