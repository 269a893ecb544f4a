using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using GenNN.Generator.Diagnostics;
using GenNN.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace GenNN.Generator.Parsing
{
    /// <summary>
    /// Reads a [Network] class's attributes into a <see cref="NetworkSpec"/> and its diagnostics.
    /// No Roslyn symbol or syntax object leaves this class.
    /// </summary>
    internal static class Parser
    {
        public const string NetworkAttribute = "GenNN.NetworkAttribute";
        private const string InputAttribute = "GenNN.InputAttribute";
        private const string DenseAttribute = "GenNN.DenseAttribute";
        private const string DropoutAttribute = "GenNN.DropoutAttribute";
        private const string FlattenAttribute = "GenNN.FlattenAttribute";
        private const string Conv2DAttribute = "GenNN.Conv2DAttribute";
        private const string Conv1DAttribute = "GenNN.Conv1DAttribute";
        private const string BatchNormAttribute = "GenNN.BatchNormAttribute";

        /// <summary>The pooling attributes: their kind, spatial dimensions and whether global.</summary>
        private static readonly Dictionary<string, (PoolKind Kind, int Dimensions, bool Global)> PoolAttributes = new()
        {
            ["GenNN.MaxPool2DAttribute"] = (PoolKind.Max, 2, false),
            ["GenNN.AvgPool2DAttribute"] = (PoolKind.Average, 2, false),
            ["GenNN.GlobalAvgPool2DAttribute"] = (PoolKind.Average, 2, true),
            ["GenNN.MaxPool1DAttribute"] = (PoolKind.Max, 1, false),
            ["GenNN.AvgPool1DAttribute"] = (PoolKind.Average, 1, false),
            ["GenNN.GlobalAvgPool1DAttribute"] = (PoolKind.Average, 1, true),
        };

        /// <summary>Widest layer or input the generator accepts (keeps offsets and stack scratch in range).</summary>
        public const int MaxWidth = 1 << 24;

        /// <summary>Largest parameter count the generator accepts (the buffers, gradients and optimizer state stay addressable).</summary>
        public const long MaxParameters = int.MaxValue / 4;

        public static ParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            var symbol = (INamedTypeSymbol)context.TargetSymbol;
            var syntax = (TypeDeclarationSyntax)context.TargetNode;
            if (!HoldsFirstNetworkAttribute(symbol, syntax))
            {
                // [Network] on two partial declarations of one class (CS0579): the class is parsed once, from the first,
                // so that it gets one generated file.
                return new ParseResult(null, EquatableArray<DiagnosticInfo>.Empty);
            }

            var diagnostics = new List<DiagnosticInfo>();
            LocationInfo? classLocation = LocationInfo.From(syntax.Identifier.GetLocation());
            string className = symbol.Name;

            if (!syntax.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NotPartial, classLocation, className));
            }

            // The generated part is a partial class with constructors of its own, in a file of its own.
            string? kind = syntax is RecordDeclarationSyntax ? "a record"
                : symbol.TypeKind == TypeKind.Struct ? "a struct"
                : symbol.TypeKind == TypeKind.Interface ? "an interface"
                : symbol.IsStatic ? "static"
                : symbol.IsAbstract ? "abstract"
                : symbol.IsFileLocal ? "file-local (the generated part is in another file)"
                : symbol.DeclaringSyntaxReferences.Any(r => r.GetSyntax(cancellationToken) is TypeDeclarationSyntax { ParameterList: not null })
                    ? "declared with a primary constructor"
                : null;
            if (kind is not null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NotAPlainClass, classLocation, className, kind));
            }

            if (symbol.ContainingType is { } outer)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NestedClass, classLocation, className, outer.Name));
            }

            if (symbol.TypeParameters.Length > 0)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.GenericClass, classLocation, className));
            }

            // Whether the declaration itself could take the generated members, whatever its attributes say.
            bool declarationFits = diagnostics.Count == 0;
            cancellationToken.ThrowIfCancellationRequested();

            // [Network(Loss = ...)]
            AttributeData network = context.Attributes[0];
            LocationInfo? networkLocation = LocationOf(network, cancellationToken);
            LossKind loss = LossKind.MeanSquaredError;
            float? huberDelta = null;
            foreach (KeyValuePair<string, TypedConstant> argument in network.NamedArguments)
            {
                if (argument.Key == "HuberDelta" && argument.Value.Value is float delta)
                {
                    huberDelta = delta;
                }

                if (argument.Key == "Loss" && argument.Value.Value is int value)
                {
                    if (Enum.IsDefined(typeof(LossKind), value))
                    {
                        loss = (LossKind)value;
                    }
                    else
                    {
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnknownEnumValue, networkLocation,
                            "Loss", value, string.Join(", ", Enum.GetNames(typeof(LossKind)))));
                    }
                }
            }

            if (huberDelta is float h)
            {
                if (!(h > 0f) || float.IsInfinity(h))
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidHuberDelta, networkLocation, Invariant(h), "it must be positive and finite"));
                }
                else if (loss != LossKind.Huber)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidHuberDelta, networkLocation, Invariant(h), "it applies to Loss.Huber only, but the loss is " + loss));
                }
            }

            // [Input(...)] and the layers in source order. A layer's input shape is filled in afterwards, from the layers before.
            Shape? input = null;
            var layers = new List<(LayerSpec Spec, LocationInfo? Location)>();
            var dropouts = new List<(DropoutSpec Spec, LocationInfo? Location)>();
            foreach ((AttributeData attribute, LocationInfo? location) in AttributesInSourceOrder(symbol, cancellationToken))
            {
                string? name = attribute.AttributeClass?.ToDisplayString();
                ImmutableArgs args = new(attribute);
                if (name == InputAttribute && args.Ints() is int[] dimensions)
                {
                    int bad = Array.FindIndex(dimensions, d => d < 1);
                    if (bad >= 0)
                    {
                        // A shaped input names the dimension at fault: "Input(8, 8, 0) channels size must be at least 1, but is 0".
                        string[] axes = dimensions.Length == 3 ? new[] { "height", "width", "channels" } : new[] { "length", "channels" };
                        string what = dimensions.Length is 2 or 3
                            ? "Input(" + string.Join(", ", dimensions) + ") " + axes[bad]
                            : dimensions.Length == 1 ? "Input" : "Input dimension " + (bad + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NonPositiveSize, location, what, dimensions[bad]));
                    }

                    input = new Shape(dimensions);
                }
                else if (name == FlattenAttribute)
                {
                    layers.Add((new FlattenSpec(new Shape(0)), location));
                }
                else if (name is not null && PoolAttributes.TryGetValue(name, out var pool))
                {
                    layers.Add((ParsePool(args, pool.Kind, pool.Dimensions, pool.Global, layers.Count, location, diagnostics), location));
                }
                else if ((name == Conv2DAttribute || name == Conv1DAttribute) && args.Int(0) is int filters && args.Int(1) is int kernelSize)
                {
                    layers.Add((ParseConv(args, name == Conv2DAttribute ? 2 : 1, filters, kernelSize, layers.Count, location, diagnostics), location));
                }
                else if (name == BatchNormAttribute)
                {
                    layers.Add((ParseBatchNorm(args, layers.Count, location, diagnostics), location));
                }
                else if (name == DropoutAttribute && args.Double(0) is double rate)
                {
                    // The rate is kept as a float: one just below 1 (0.99999999) rounds to 1, which the kernels reject.
                    float kept = (float)rate;
                    if (!(rate >= 0 && kept < 1f))
                    {
                        string shown = rate.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidDropoutRate, location, kept >= 1f && rate < 1 ? shown + ", 1 as a float," : shown));
                    }

                    if (layers.Count == 0)
                    {
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DropoutNotBetweenLayers, location, "before the first layer"));
                    }

                    dropouts.Add((new DropoutSpec(layers.Count - 1, kept), location));
                }
                else if (name == DenseAttribute && args.Int(0) is int units)
                {
                    int activationValue = args.Int(1) ?? 0;
                    if (units < 1)
                    {
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NonPositiveSize, location, "Dense layer " + layers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), units));
                    }

                    (ActivationKind activation, float slope) = ParseActivation(args, activationValue, "Dense layer " + layers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), location, diagnostics);

                    float l1 = Penalty(args, "L1", layers.Count, location, diagnostics);
                    float l2 = Penalty(args, "L2", layers.Count, location, diagnostics);
                    (InitializerKind kernel, float biasValue) = Initializers(args, layers.Count, location, diagnostics);
                    layers.Add((new DenseSpec(0, units, activation, slope, l1, l2, kernel, biasValue), location));
                }
            }

            if (input is null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MissingInput, classLocation, className));
            }

            if (layers.Count == 0)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MissingLayers, classLocation, className));
            }
            else
            {
                CheckTopology(layers, loss, networkLocation, diagnostics);
                foreach ((DropoutSpec dropout, LocationInfo? location) in dropouts)
                {
                    if (dropout.After == layers.Count - 1)
                    {
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DropoutNotBetweenLayers, location, "after the last layer"));
                    }
                }

                if (input is not null && CheckSize(input, layers.Select(l => l.Spec).ToList(), className, classLocation, diagnostics))
                {
                    InferShapes(input, layers, className, classLocation, diagnostics);
                }
            }

            string? ns = NamespaceOf(symbol);
            if (diagnostics.Count > 0)
            {
                return new ParseResult(null, new EquatableArray<DiagnosticInfo>(diagnostics), declarationFits ? new ShellSpec(ns, className) : null);
            }

            var spec = new NetworkSpec(ns, className, input!, loss, new EquatableArray<LayerSpec>(layers.Select(l => l.Spec).ToArray()), huberDelta ?? 1f,
                new EquatableArray<DropoutSpec>(dropouts.Select(d => d.Spec).ToArray()));
            return new ParseResult(spec, EquatableArray<DiagnosticInfo>.Empty);
        }

        /// <summary>A pooling attribute: its window, stride (the window unless set) and padding; GNN0023 for a size below 1.</summary>
        private static PoolSpec ParsePool(ImmutableArgs args, PoolKind kind, int dimensions, bool global, int index, LocationInfo? location, List<DiagnosticInfo> diagnostics)
        {
            var spec = new PoolSpec(kind, dimensions, global, 1, 1, PaddingKind.Valid, new Shape(0));
            if (global)
            {
                return spec;
            }

            int poolSize = args.Int(0) ?? 2;
            int stride = args.Named("Stride") is int s ? s : poolSize;
            int padding = args.Named("Padding") is int p ? p : 0;
            spec = spec with { PoolSize = poolSize, Stride = stride };
            // (An unset stride is the window: only a window below 1 is reported then.)
            foreach ((string what, int value) in new[] { ("PoolSize", poolSize), ("Stride", args.Named("Stride") is int ? stride : 1) })
            {
                if (value < 1)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidWindow, location, index, spec.Name, what + " = " + value.ToString(System.Globalization.CultureInfo.InvariantCulture), "it must be at least 1"));
                }
            }

            if (!Enum.IsDefined(typeof(PaddingKind), padding))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnknownEnumValue, location, "Padding", padding, string.Join(", ", Enum.GetNames(typeof(PaddingKind)))));
            }

            return spec with { Padding = (PaddingKind)padding };
        }

        /// <summary>
        /// A layer's activation and LeakyReLU slope: GNN0010 for a value outside the enum, GNN0014 for a slope that is not
        /// finite or set with another activation. <paramref name="layer"/> names the layer in messages.
        /// </summary>
        private static (ActivationKind Activation, float NegativeSlope) ParseActivation(ImmutableArgs args, int activationValue, string layer, LocationInfo? location, List<DiagnosticInfo> diagnostics)
        {
            if (!Enum.IsDefined(typeof(ActivationKind), activationValue))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnknownEnumValue, location,
                    "Activation", activationValue, string.Join(", ", Enum.GetNames(typeof(ActivationKind)))));
            }

            float slope = DenseSpec.DefaultNegativeSlope;
            if (args.Named("NegativeSlope") is float negativeSlope)
            {
                slope = negativeSlope;
                if (float.IsNaN(slope) || float.IsInfinity(slope))
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidNegativeSlope, location, layer, Invariant(slope), "it must be a finite number"));
                }
                else if (activationValue != (int)ActivationKind.LeakyReLU)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidNegativeSlope, location, layer, Invariant(slope),
                        "it applies to Activation.LeakyReLU only, but the layer uses " + (ActivationKind)activationValue));
                }
            }

            return ((ActivationKind)activationValue, slope);
        }

        /// <summary>
        /// A convolution attribute: its filters, kernel, stride (1 unless set), padding and activation; GNN0004 for no filters,
        /// GNN0023 for a kernel or stride below 1.
        /// </summary>
        private static ConvSpec ParseConv(ImmutableArgs args, int dimensions, int filters, int kernelSize, int index, LocationInfo? location, List<DiagnosticInfo> diagnostics)
        {
            string name = "Conv" + dimensions.ToString(System.Globalization.CultureInfo.InvariantCulture) + "D";
            string layer = name + " layer " + index.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (filters < 1)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NonPositiveSize, location, layer + " filters", filters));
            }

            int stride = args.Named("Stride") is int s ? s : 1;
            foreach ((string what, int value) in new[] { ("KernelSize", kernelSize), ("Stride", stride) })
            {
                if (value < 1)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidWindow, location, index, name, what + " = " + value.ToString(System.Globalization.CultureInfo.InvariantCulture), "it must be at least 1"));
                }
            }

            int padding = args.Named("Padding") is int p ? p : 0;
            if (!Enum.IsDefined(typeof(PaddingKind), padding))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnknownEnumValue, location, "Padding", padding, string.Join(", ", Enum.GetNames(typeof(PaddingKind)))));
            }

            (ActivationKind activation, float slope) = ParseActivation(args, args.Int(2) ?? 0, layer, location, diagnostics);
            return new ConvSpec(dimensions, filters, kernelSize, stride, (PaddingKind)padding, activation, slope, new Shape(0));
        }

        /// <summary>A BatchNorm attribute: its activation, momentum and epsilon; GNN0024 for a momentum outside [0, 1] or an epsilon that is not positive and finite.</summary>
        private static BatchNormSpec ParseBatchNorm(ImmutableArgs args, int index, LocationInfo? location, List<DiagnosticInfo> diagnostics)
        {
            (ActivationKind activation, float slope) = ParseActivation(args, args.Int(0) ?? 0, "BatchNorm layer " + index.ToString(System.Globalization.CultureInfo.InvariantCulture), location, diagnostics);
            float momentum = args.Named("Momentum") is float m ? m : BatchNormSpec.DefaultMomentum;
            float epsilon = args.Named("Epsilon") is float e ? e : BatchNormSpec.DefaultEpsilon;
            if (!(momentum >= 0f && momentum <= 1f))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidBatchNormOption, location, index, "Momentum = " + Invariant(momentum),
                    "it must be from 0 to 1: the weight of each batch's statistics in the running ones, as in PyTorch (Keras' momentum 0.99 is 0.01 here)"));
            }

            if (!(epsilon > 0f) || float.IsInfinity(epsilon))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidBatchNormOption, location, index, "Epsilon = " + Invariant(epsilon),
                    "it must be positive and finite (PyTorch's default is 1e-5)"));
            }

            return new BatchNormSpec(activation, slope, momentum, epsilon, new Shape(0));
        }

        /// <summary>The dotted namespace with plain (unescaped) names, or null for the global namespace.</summary>
        private static string? NamespaceOf(INamedTypeSymbol symbol)
        {
            var parts = new List<string>();
            for (INamespaceSymbol? ns = symbol.ContainingNamespace; ns is { IsGlobalNamespace: false }; ns = ns.ContainingNamespace)
            {
                parts.Insert(0, ns.Name);
            }

            return parts.Count == 0 ? null : string.Join(".", parts);
        }

        /// <summary>A Dense layer's <c>L1</c> or <c>L2</c> factor (0 when not set); GNN0016 unless it is finite and at least 0.</summary>
        private static float Penalty(ImmutableArgs args, string name, int layer, LocationInfo? location, List<DiagnosticInfo> diagnostics)
        {
            if (args.Named(name) is not float value)
            {
                return 0f;
            }

            if (!(value >= 0f) || float.IsInfinity(value))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidRegularization, location, layer, name, Invariant(value)));
            }

            return value;
        }

        /// <summary>
        /// A Dense layer's <c>KernelInitializer</c> (Default when not set) and its bias value (0, or <c>BiasValue</c> with
        /// <c>BiasInitializer = Constant</c>); GNN0010 for values outside the enum, GNN0019 for a misuse.
        /// </summary>
        private static (InitializerKind Kernel, float BiasValue) Initializers(ImmutableArgs args, int layer, LocationInfo? location, List<DiagnosticInfo> diagnostics)
        {
            InitializerKind kernel = InitializerKind.Default;
            if (args.Named("KernelInitializer") is int kernelValue)
            {
                if (!Enum.IsDefined(typeof(InitializerKind), kernelValue))
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnknownEnumValue, location, "Initializer", kernelValue, string.Join(", ", Enum.GetNames(typeof(InitializerKind)))));
                }
                else if ((kernel = (InitializerKind)kernelValue) is InitializerKind.Zeros or InitializerKind.Constant)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidInitializer, location, layer,
                        "KernelInitializer = Initializer." + kernel + ": weights must start random (equal weights stay equal); use GlorotUniform, GlorotNormal, HeUniform, HeNormal, LeCunUniform or LeCunNormal"));
                }
            }

            InitializerKind bias = InitializerKind.Zeros;
            if (args.Named("BiasInitializer") is int biasKind)
            {
                if (!Enum.IsDefined(typeof(InitializerKind), biasKind))
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnknownEnumValue, location, "Initializer", biasKind, string.Join(", ", Enum.GetNames(typeof(InitializerKind)))));
                }
                else if ((bias = (InitializerKind)biasKind) is not (InitializerKind.Zeros or InitializerKind.Constant))
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidInitializer, location, layer,
                        "BiasInitializer = Initializer." + bias + ": biases start at Zeros or a Constant (BiasValue)"));
                }
            }

            float value = args.Named("BiasValue") is float v ? v : 0f;
            if (args.Named("BiasValue") is float given)
            {
                if (float.IsNaN(given) || float.IsInfinity(given))
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidInitializer, location, layer, "BiasValue = " + Invariant(given) + ": it must be finite"));
                }
                else if (bias != InitializerKind.Constant)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidInitializer, location, layer, "BiasValue is set, but BiasInitializer is not Initializer.Constant"));
                }
            }

            return (kernel, bias == InitializerKind.Constant ? value : 0f);
        }

        /// <summary>A float as C# source would write it (round-trip, invariant), for messages.</summary>
        /// <summary>A value as C# code would spell it: round-trip digits, and an exponent the way <c>1e-5f</c> writes it (not <c>1E-05</c>).</summary>
        private static string Invariant(float value)
        {
            string text = value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
            int e = text.IndexOf('E');
            if (e < 0)
            {
                return text;
            }

            string exponent = text.Substring(e + 1), sign = exponent.StartsWith("-", System.StringComparison.Ordinal) ? "-" : "";
            return text.Substring(0, e) + "e" + sign + exponent.TrimStart('+', '-').TrimStart('0');
        }

        /// <summary>
        /// Fills in each layer's input shape from the one before (the first's from <paramref name="input"/>), in place:
        /// GNN0020 for a Dense layer whose input is not flat.
        /// </summary>
        private static void InferShapes(Shape input, List<(LayerSpec Spec, LocationInfo? Location)> layers, string className, LocationInfo? classLocation, List<DiagnosticInfo> diagnostics)
        {
            Shape shape = input;
            long parameters = 0;
            for (int i = 0; i < layers.Count; i++)
            {
                (LayerSpec layer, LocationInfo? location) = layers[i];
                switch (layer)
                {
                    case DenseSpec dense:
                        if (shape.Rank != 1)
                        {
                            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DenseNeedsFlatInput, location, i, "(" + shape + ")"));
                        }

                        layer = dense with { Inputs = (int)shape.Size };
                        shape = new Shape(dense.Units);
                        break;
                    case FlattenSpec:
                        layer = new FlattenSpec(shape);
                        shape = new Shape((int)shape.Size);
                        break;
                    case PoolSpec pool:
                        layer = pool = pool with { Input = shape };
                        shape = PoolOutput(pool, i, location, diagnostics) ?? shape;
                        break;
                    case ConvSpec conv:
                        layer = conv = conv with { Input = shape };
                        shape = ConvOutput(conv, i, location, diagnostics) ?? shape;
                        break;
                    case BatchNormSpec norm:
                        layer = norm with { Input = shape };
                        break;
                }

                layers[i] = (layer, location);
                parameters += layer switch
                {
                    ConvSpec convolution => convolution.ParameterCount,
                    DenseSpec dense => (dense.Inputs + 1L) * dense.Units,
                    BatchNormSpec norm => 2L * norm.Channels,
                    _ => 0,
                };
                if (shape.Size > MaxWidth || parameters > MaxParameters)
                {
                    // (A convolution's output and parameters are known only now; CheckSize saw the declared sizes.)
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TooLarge, classLocation, className, shape.Size > MaxWidth
                        ? "layer " + i.ToString(System.Globalization.CultureInfo.InvariantCulture) + "'s output of " + shape.Size.ToString(System.Globalization.CultureInfo.InvariantCulture) + " floats exceeds the limit of " + MaxWidth.ToString(System.Globalization.CultureInfo.InvariantCulture)
                        : parameters.ToString(System.Globalization.CultureInfo.InvariantCulture) + " parameters exceed the limit of " + MaxParameters.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                    return;
                }
            }
        }

        /// <summary>
        /// A pool's output shape, or null with GNN0022 when its input does not have its rank, or GNN0023 when a Valid window
        /// is larger than the input.
        /// </summary>
        private static Shape? PoolOutput(PoolSpec pool, int index, LocationInfo? location, List<DiagnosticInfo> diagnostics)
        {
            if (!HasSpatialRank(pool.Input, pool.Dimensions, pool.Name, index, location, diagnostics)
                || (!pool.Global && (pool.PoolSize < 1 || pool.Stride < 1)))
            {
                return null; // (GNN0023 already says so for a window or stride below 1)
            }

            int channels = pool.Input.Dimensions[pool.Input.Rank - 1];
            return pool.Global
                ? new Shape(channels)
                : WindowedOutput(pool.Input, pool.Dimensions, pool.PoolSize, pool.Padding, pool.OutputLength, channels, pool.Name, "PoolSize", "window", index, location, diagnostics);
        }

        /// <summary>
        /// A convolution's output shape, or null with GNN0022 when its input does not have its rank, or GNN0023 when a Valid
        /// kernel is larger than the input.
        /// </summary>
        private static Shape? ConvOutput(ConvSpec conv, int index, LocationInfo? location, List<DiagnosticInfo> diagnostics)
        {
            if (!HasSpatialRank(conv.Input, conv.Dimensions, conv.Name, index, location, diagnostics)
                || conv.KernelSize < 1 || conv.Stride < 1 || conv.Filters < 1)
            {
                return null; // (GNN0023 or GNN0004 already says so for the sizes)
            }

            return WindowedOutput(conv.Input, conv.Dimensions, conv.KernelSize, conv.Padding, conv.OutputLength, conv.Filters, conv.Name, "KernelSize", "kernel", index, location, diagnostics);
        }

        /// <summary>Whether a pool's or convolution's input has its spatial dimensions plus channels; GNN0022 otherwise.</summary>
        private static bool HasSpatialRank(Shape input, int dimensions, string name, int index, LocationInfo? location, List<DiagnosticInfo> diagnostics)
        {
            if (input.Rank == dimensions + 1)
            {
                return true;
            }

            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.WrongInputRank, location, index, name,
                dimensions == 2 ? "(height, width, channels)" : "(length, channels)", "(" + input + ")"));
            return false;
        }

        /// <summary>
        /// The output shape of a window of <paramref name="size"/> cells sliding over each spatial dimension of
        /// <paramref name="input"/> (its lengths from <paramref name="outputLength"/>), with <paramref name="channels"/>
        /// channels; null with GNN0023 when a Valid window is larger than the input.
        /// </summary>
        private static Shape? WindowedOutput(Shape input, int dimensions, int size, PaddingKind padding, Func<int, int> outputLength, int channels,
            string name, string sizeName, string noun, int index, LocationInfo? location, List<DiagnosticInfo> diagnostics)
        {
            var output = new int[input.Rank];
            for (int d = 0; d < dimensions; d++)
            {
                int n = input.Dimensions[d];
                if (padding == PaddingKind.Valid && size > n)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidWindow, location, index, name,
                        sizeName + " = " + size.ToString(System.Globalization.CultureInfo.InvariantCulture),
                        "the " + noun + " is larger than the input (" + input + "); use a smaller " + noun + " or Padding = Padding.Same"));
                    return null;
                }

                output[d] = outputLength(n);
            }

            output[input.Rank - 1] = channels;
            return new Shape(output);
        }

        private static void CheckTopology(List<(LayerSpec Spec, LocationInfo? Location)> layers, LossKind loss, LocationInfo? networkLocation, List<DiagnosticInfo> diagnostics)
        {
            int last = layers.Count - 1;
            for (int i = 0; i < last; i++)
            {
                if (layers[i].Spec is DenseSpec { Activation: ActivationKind.Softmax } or ConvSpec { Activation: ActivationKind.Softmax } or BatchNormSpec { Activation: ActivationKind.Softmax })
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SoftmaxNotLast, layers[i].Location, i, last));
                }
            }

            if (layers[last].Spec is not DenseSpec output)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LastLayerNotDense, layers[last].Location, KindName(layers[last].Spec)));
                return;
            }

            if (loss is LossKind.SoftmaxCrossEntropy or LossKind.CategoricalCrossEntropy && output.Activation != ActivationKind.Softmax)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.CrossEntropyNeedsSoftmax, networkLocation, loss, output.Units, output.Activation));
            }

            if (loss == LossKind.BinaryCrossEntropy && (output.Activation != ActivationKind.Sigmoid || output.Units != 1))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.BinaryCrossEntropyNeedsSigmoid, networkLocation, output.Units, output.Activation));
            }
        }

        /// <summary>The attribute's name without its suffix: <c>Flatten</c>.</summary>
        private static string KindName(LayerSpec layer) => layer switch
        {
            PoolSpec pool => pool.Name,
            ConvSpec conv => conv.Name,
            _ => layer.GetType().Name.Replace("Spec", ""),
        };

        /// <summary>
        /// GNN0011 when a width exceeds <see cref="MaxWidth"/> or the parameters <see cref="MaxParameters"/>: checked on the
        /// declared sizes, in longs, before any shape is inferred. Returns whether the sizes are in range.
        /// </summary>
        private static bool CheckSize(Shape input, List<LayerSpec> layers, string className, LocationInfo? classLocation, List<DiagnosticInfo> diagnostics)
        {
            long widest = Math.Max(input.Size, layers.OfType<DenseSpec>().Select(l => (long)l.Units).DefaultIfEmpty(0).Max());
            if (widest > MaxWidth)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TooLarge, classLocation, className,
                    "a width of " + (widest == long.MaxValue ? "more than 2^63 floats" : widest.ToString(System.Globalization.CultureInfo.InvariantCulture)) + " exceeds the limit of " + MaxWidth.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                return false;
            }

            long parameters = 0;
            long inputs = input.Size;
            foreach (LayerSpec layer in layers)
            {
                if (layer is DenseSpec dense)
                {
                    parameters += (inputs + 1) * dense.Units;
                    inputs = dense.Units;
                }
            }

            if (parameters > MaxParameters)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TooLarge, classLocation, className,
                    parameters.ToString(System.Globalization.CultureInfo.InvariantCulture) + " parameters exceed the limit of " + MaxParameters.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                return false;
            }

            return true;
        }

        /// <summary>Whether <paramref name="declaration"/> holds the class's first [Network] attribute in source order.</summary>
        private static bool HoldsFirstNetworkAttribute(INamedTypeSymbol symbol, TypeDeclarationSyntax declaration)
        {
            SyntaxReference? first = InSourceOrder(symbol)
                .FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == NetworkAttribute)?.ApplicationSyntaxReference;
            return first is null || (first.SyntaxTree == declaration.SyntaxTree && declaration.Span.Contains(first.Span));
        }

        private static IEnumerable<(AttributeData Attribute, LocationInfo? Location)> AttributesInSourceOrder(INamedTypeSymbol symbol, CancellationToken cancellationToken)
            => InSourceOrder(symbol).Select(a => (a, LocationOf(a, cancellationToken))).ToList();

        /// <summary>The class's attributes ordered by where they are written (partial parts by file path, then position).</summary>
        private static IEnumerable<AttributeData> InSourceOrder(INamedTypeSymbol symbol)
            => symbol.GetAttributes()
                .OrderBy(a => a.ApplicationSyntaxReference?.SyntaxTree.FilePath, StringComparer.Ordinal)
                .ThenBy(a => a.ApplicationSyntaxReference?.Span.Start ?? 0);

        private static LocationInfo? LocationOf(AttributeData attribute, CancellationToken cancellationToken)
            => LocationInfo.From(attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation());

        /// <summary>Typed access to an attribute's constructor arguments; null where the code does not compile yet.</summary>
        private readonly struct ImmutableArgs
        {
            private readonly AttributeData _attribute;

            public ImmutableArgs(AttributeData attribute) => _attribute = attribute;

            public int? Int(int index)
            {
                var args = _attribute.ConstructorArguments;
                return index < args.Length && args[index].Kind != TypedConstantKind.Error && args[index].Value is int value ? value : null;
            }

            /// <summary>Every constructor argument as an int (<c>[Input(28, 28, 1)]</c>), or null where one is not.</summary>
            public int[]? Ints()
            {
                var args = _attribute.ConstructorArguments;
                var values = new int[args.Length];
                for (int i = 0; i < args.Length; i++)
                {
                    if (args[i].Kind == TypedConstantKind.Error || args[i].Value is not int value) return null;
                    values[i] = value;
                }

                return values.Length > 0 ? values : null;
            }

            public double? Double(int index)
            {
                var args = _attribute.ConstructorArguments;
                return index < args.Length && args[index].Kind != TypedConstantKind.Error && args[index].Value is double value ? value : null;
            }

            /// <summary>A named argument's value (<c>NegativeSlope = 0.2f</c>), or null where it is not set.</summary>
            public object? Named(string name)
            {
                foreach (KeyValuePair<string, TypedConstant> argument in _attribute.NamedArguments)
                {
                    if (argument.Key == name && argument.Value.Kind != TypedConstantKind.Error)
                    {
                        return argument.Value.Value;
                    }
                }

                return null;
            }
        }
    }
}
