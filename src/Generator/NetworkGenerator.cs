using System;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using GenNN.Generator.Diagnostics;
using GenNN.Generator.Emit;
using GenNN.Generator.Model;
using GenNN.Generator.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace GenNN.Generator
{
    /// <summary>
    /// Emits forward, backward and serialization code for every class marked <c>[GenNN.Network]</c>.
    /// The whole pipeline: select the classes, parse each into an equatable spec, report its diagnostics,
    /// emit the valid specs, and give a class with errors its members without code (so that only the errors show).
    /// </summary>
    [Generator(LanguageNames.CSharp)]
    public sealed class NetworkGenerator : IIncrementalGenerator
    {
        /// <inheritdoc/>
        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            IncrementalValuesProvider<ParseResult> results = context.SyntaxProvider
                .ForAttributeWithMetadataName(
                    Parser.NetworkAttribute,
                    predicate: static (node, _) => node is TypeDeclarationSyntax,
                    transform: static (ctx, ct) => Parser.Parse(ctx, ct))
                .WithTrackingName(TrackingNames.Parse);

            IncrementalValuesProvider<DiagnosticInfo> diagnostics = results
                .SelectMany(static (result, _) => result.Diagnostics)
                .WithTrackingName(TrackingNames.Diagnostics);
            context.RegisterSourceOutput(diagnostics, static (spc, diagnostic) => spc.ReportDiagnostic(diagnostic.ToDiagnostic()));

            IncrementalValueProvider<GeneratorOptions> options = context.AnalyzerConfigOptionsProvider
                .Select(static (provider, _) => GeneratorOptions.Parse(
                    provider.GlobalOptions.TryGetValue(GeneratorOptions.VectorWidthProperty, out string? width) ? width : null))
                .WithTrackingName(TrackingNames.Options);
            context.RegisterSourceOutput(options, static (spc, o) =>
            {
                if (o.Invalid is not null)
                {
                    spc.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InvalidVectorWidth, Location.None, o.Invalid));
                }
            });

            // Roslyn compares hint names ignoring case: classes Net and NET (or namespaces A and a) would otherwise add
            // the same file twice, which stops the generator for every class. This set changes only when such names do.
            IncrementalValueProvider<EquatableArray<string>> caseClashes = results
                .Select(static (result, _) => result.Spec?.FullName ?? result.Shell?.FullName ?? string.Empty)
                .Collect()
                .Select(static (names, _) => HintNames.Clashes(names))
                .WithTrackingName(TrackingNames.HintNames);

            IncrementalValuesProvider<NetworkSpec> specs = results
                .Where(static result => result.Spec is not null)
                .Select(static (result, _) => result.Spec!)
                .WithTrackingName(TrackingNames.Specs);
            context.RegisterSourceOutput(specs.Combine(options).Combine(caseClashes), static (spc, input) =>
                spc.AddSource(HintNames.For(input.Left.Left.FullName, input.Right), Emitter.Emit(input.Left.Left, input.Left.Right)));

            IncrementalValuesProvider<ShellSpec> shells = results
                .Where(static result => result.Shell is not null)
                .Select(static (result, _) => result.Shell!)
                .WithTrackingName(TrackingNames.Shells);
            context.RegisterSourceOutput(shells.Combine(caseClashes), static (spc, input) =>
                spc.AddSource(HintNames.For(input.Left.FullName, input.Right), ShellEmitter.Emit(input.Left)));
        }
    }

    /// <summary>The names of the pipeline's steps, for incrementality tests.</summary>
    public static class TrackingNames
    {
        /// <summary>Attribute data parsed into a spec and diagnostics.</summary>
        public const string Parse = nameof(Parse);

        /// <summary>The diagnostics of every class.</summary>
        public const string Diagnostics = nameof(Diagnostics);

        /// <summary>The valid specs handed to the emitter.</summary>
        public const string Specs = nameof(Specs);

        /// <summary>The classes with attribute errors that get members with no code (see <c>ShellSpec</c>).</summary>
        public const string Shells = nameof(Shells);

        /// <summary>The project's MSBuild settings (GenNNVectorWidth), reduced to a record.</summary>
        public const string Options = nameof(Options);

        /// <summary>The full names of classes that differ from another only in letter case.</summary>
        public const string HintNames = nameof(HintNames);
    }

    /// <summary>The generated files' names: <c>Namespace.Class.g.cs</c>, unique even where names differ only in case.</summary>
    internal static class HintNames
    {
        public static string For(string fullName, EquatableArray<string> clashes)
            => clashes.Contains(fullName) ? fullName + "." + Fnv1a(fullName).ToString("x8", CultureInfo.InvariantCulture) + ".g.cs" : fullName + ".g.cs";

        /// <summary>The names that equal another name when case is ignored, in ordinal order.</summary>
        public static EquatableArray<string> Clashes(ImmutableArray<string> names)
            => new(names.Distinct(StringComparer.Ordinal)
                .GroupBy(name => name, StringComparer.OrdinalIgnoreCase)
                .Where(group => group.Count() > 1)
                .SelectMany(group => group)
                .OrderBy(name => name, StringComparer.Ordinal));

        /// <summary>A hash of the name's exact characters, the same in every build (string.GetHashCode is not).</summary>
        private static uint Fnv1a(string text)
        {
            uint hash = 2166136261;
            foreach (char c in text)
            {
                hash = (hash ^ c) * 16777619;
            }

            return hash;
        }
    }
}
