using Microsoft.CodeAnalysis;

namespace GenNN.Generator.Diagnostics
{
    /// <summary>Every diagnostic the generator reports. Ids are listed in AnalyzerReleases.*.md.</summary>
    internal static class DiagnosticDescriptors
    {
        private const string Category = "GenNN";
        // No help link until the project has a public URL: a link to a page that does not exist is worse than none.
        // The description (shown by IDEs with the diagnostic) says where the table of causes and fixes is.
        private const string Description = "Each GNN id, its cause and its fix: docs/diagnostics.md in the gen-nn sources.";

        public static readonly DiagnosticDescriptor NotPartial = Create(
            "GNN0001", "Network class must be partial",
            "The network class '{0}' must be declared partial so gen-nn can add its generated members");

        public static readonly DiagnosticDescriptor MissingInput = Create(
            "GNN0002", "Network has no [Input]",
            "The network class '{0}' has no [Input] attribute; declare the shape of a sample, e.g. [Input(4)] or [Input(28, 28, 1)]");

        public static readonly DiagnosticDescriptor MissingLayers = Create(
            "GNN0003", "Network has no layers",
            "The network class '{0}' has no [Dense] layers; add at least one, e.g. [Dense(3, Activation.Softmax)]");

        public static readonly DiagnosticDescriptor NonPositiveSize = Create(
            "GNN0004", "Size must be positive",
            "{0} size must be at least 1, but is {1}");

        public static readonly DiagnosticDescriptor SoftmaxNotLast = Create(
            "GNN0005", "Softmax is allowed on the last layer only",
            "Layer {0} uses Activation.Softmax, but Softmax is allowed on the last layer only (layer {1}); use ReLU, Tanh or another element-wise activation here");

        public static readonly DiagnosticDescriptor CrossEntropyNeedsSoftmax = Create(
            "GNN0006", "Cross-entropy needs a Softmax output layer",
            "Loss.{0} needs a last layer with Activation.Softmax, but the last layer is Dense({1}, {2})");

        public static readonly DiagnosticDescriptor BinaryCrossEntropyNeedsSigmoid = Create(
            "GNN0007", "BinaryCrossEntropy needs a single Sigmoid output",
            "Loss.BinaryCrossEntropy needs a last layer Dense(1, Activation.Sigmoid), but the last layer is Dense({0}, {1})");

        public static readonly DiagnosticDescriptor NestedClass = Create(
            "GNN0008", "Nested network classes are not supported",
            "The network class '{0}' is nested inside '{1}'; declare network classes at namespace level");

        public static readonly DiagnosticDescriptor GenericClass = Create(
            "GNN0009", "Generic network classes are not supported",
            "The network class '{0}' is generic; network classes cannot have type parameters");

        public static readonly DiagnosticDescriptor UnknownEnumValue = Create(
            "GNN0010", "Unknown activation or loss value",
            "{0} has no member with value {1}; use one of {2}");

        public static readonly DiagnosticDescriptor TooLarge = Create(
            "GNN0011", "Network is too large",
            "The network class '{0}' is too large: {1}");

        public static readonly DiagnosticDescriptor NotAPlainClass = Create(
            "GNN0012", "Network type must be a plain class",
            "'{0}' is {1}; a network must be a plain class: not static, abstract or file-local, not a record, struct or interface, and without a primary constructor");

        public static readonly DiagnosticDescriptor InvalidVectorWidth = Create(
            "GNN0013", "Unknown GenNNVectorWidth",
            "The MSBuild property GenNNVectorWidth is '{0}'; use Auto, 512 or 256. Using Auto.", DiagnosticSeverity.Warning);

        public static readonly DiagnosticDescriptor InvalidNegativeSlope = Create(
            "GNN0014", "Invalid NegativeSlope",
            "{0} has NegativeSlope = {1}; {2}");

        public static readonly DiagnosticDescriptor InvalidHuberDelta = Create(
            "GNN0015", "Invalid HuberDelta",
            "HuberDelta is {0}; {1}");

        public static readonly DiagnosticDescriptor InvalidRegularization = Create(
            "GNN0016", "Invalid L1 or L2 factor",
            "Dense layer {0} has {1} = {2}; a regularisation factor must be finite and at least 0 (e.g. L2 = 1e-4f)");

        public static readonly DiagnosticDescriptor InvalidDropoutRate = Create(
            "GNN0017", "Dropout rate out of range",
            "The dropout rate is {0}; it must be in [0, 1): the fraction of the previous layer's outputs dropped in training");

        public static readonly DiagnosticDescriptor DropoutNotBetweenLayers = Create(
            "GNN0018", "Dropout must sit between two layers",
            "[Dropout] is {0}; put it between two layers (dropping the inputs or the outputs is not supported)");

        public static readonly DiagnosticDescriptor InvalidInitializer = Create(
            "GNN0019", "Invalid initialiser",
            "Dense layer {0} has {1}");

        public static readonly DiagnosticDescriptor DenseNeedsFlatInput = Create(
            "GNN0020", "Dense needs a flat input",
            "Layer {0} is Dense, but its input has shape {1}; add [Flatten] before it (as Keras' Flatten() or PyTorch's nn.Flatten())");

        public static readonly DiagnosticDescriptor LastLayerNotDense = Create(
            "GNN0021", "The last layer must be Dense",
            "The last layer is {0}; end the network with a [Dense] layer, whose units are the outputs");

        public static readonly DiagnosticDescriptor WrongInputRank = Create(
            "GNN0022", "Layer input has the wrong rank",
            "Layer {0} is {1}, which needs an input of shape {2}, but its input has shape {3}");

        public static readonly DiagnosticDescriptor InvalidWindow = Create(
            "GNN0023", "Invalid window",
            "Layer {0} is {1} with {2}; {3}");

        public static readonly DiagnosticDescriptor InvalidBatchNormOption = Create(
            "GNN0024", "Invalid BatchNorm option",
            "Layer {0} is BatchNorm with {1}; {2}");

        private static DiagnosticDescriptor Create(string id, string title, string message, DiagnosticSeverity severity = DiagnosticSeverity.Error)
            => new(id, title, message, Category, severity, isEnabledByDefault: true, description: Description);
    }
}
