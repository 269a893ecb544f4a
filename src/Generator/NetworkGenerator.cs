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

            IncrementalValuesProvider<NetworkSpec> specs = results
                .Where(static result => result.Spec is not null)
                .Select(static (result, _) => result.Spec!)
                .WithTrackingName(TrackingNames.Specs);
            context.RegisterSourceOutput(specs.Combine(options), static (spc, pair) => spc.AddSource(pair.Left.HintName, Emitter.Emit(pair.Left, pair.Right)));

            IncrementalValuesProvider<ShellSpec> shells = results
                .Where(static result => result.Shell is not null)
                .Select(static (result, _) => result.Shell!)
                .WithTrackingName(TrackingNames.Shells);
            context.RegisterSourceOutput(shells, static (spc, shell) => spc.AddSource(shell.HintName, ShellEmitter.Emit(shell)));
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
    }
}
