using Microsoft.CodeAnalysis;

namespace GenNN.Generator.Tests;

/// <summary>
/// One test per diagnostic id: the id, Error severity, the "GenNN" category, the exact location (the
/// <c>[|marked|]</c> text of the test source), that the message names the offending value, and that no network
/// code was generated for the class (at most its members without code, which compile).
/// </summary>
public class DiagnosticTests
{
    [Fact]
    public void GNN0001_ClassNotPartial() => AssertSingleDiagnostic("GNN0001", "'Net'", """
        using GenNN;
        namespace Tests;

        [Network]
        [Input(4)]
        [Dense(2)]
        public class [|Net|] { }
        """);

    [Fact]
    public void GNN0002_NoInput() => AssertSingleDiagnostic("GNN0002", "'Net'", """
        using GenNN;
        namespace Tests;

        [Network]
        [Dense(2)]
        public partial class [|Net|] { }
        """);

    [Fact]
    public void GNN0003_NoDenseLayers() => AssertSingleDiagnostic("GNN0003", "'Net'", """
        using GenNN;
        namespace Tests;

        [Network]
        [Input(4)]
        public partial class [|Net|] { }
        """);

    [Fact]
    public void GNN0004_InputSizeZero() => AssertSingleDiagnostic("GNN0004", "is 0", """
        using GenNN;
        namespace Tests;

        [Network]
        [[|Input(0)|]]
        [Dense(2)]
        public partial class Net { }
        """);

    [Fact]
    public void GNN0004_InputDimensionZero() => AssertSingleDiagnostic("GNN0004", "Input(28, 0, 1) width size must be at least 1, but is 0", """
        using GenNN;
        namespace Tests;

        [Network]
        [[|Input(28, 0, 1)|]]
        [Flatten]
        [Dense(2)]
        public partial class Net { }
        """);

    [Fact]
    public void GNN0004_SignalChannelsZero() => AssertSingleDiagnostic("GNN0004", "Input(16, 0) channels size must be at least 1, but is 0", """
        using GenNN;
        namespace Tests;

        [Network]
        [[|Input(16, 0)|]]
        [Flatten]
        [Dense(2)]
        public partial class Net { }
        """);

    [Fact]
    public void GNN0004_DenseUnitsNegative() => AssertSingleDiagnostic("GNN0004", "is -3", """
        using GenNN;
        namespace Tests;

        [Network]
        [Input(4)]
        [Dense(8, Activation.ReLU), [|Dense(-3, Activation.Linear)|]]
        public partial class Net { }
        """);

    [Fact]
    public void GNN0005_SoftmaxOnHiddenLayer() => AssertSingleDiagnostic("GNN0005", "Layer 0", """
        using GenNN;
        namespace Tests;

        [Network]
        [Input(4)]
        [[|Dense(8, Activation.Softmax)|]]
        [Dense(2, Activation.Linear)]
        public partial class Net { }
        """);

    [Fact]
    public void GNN0006_SoftmaxCrossEntropyWithoutSoftmaxOutput() => AssertSingleDiagnostic("GNN0006", "Dense(3, Sigmoid)", """
        using GenNN;
        namespace Tests;

        [[|Network(Loss = Loss.SoftmaxCrossEntropy)|]]
        [Input(4)]
        [Dense(8, Activation.ReLU)]
        [Dense(3, Activation.Sigmoid)]
        public partial class Net { }
        """);

    [Fact]
    public void GNN0007_BinaryCrossEntropyWithSeveralOutputs() => AssertSingleDiagnostic("GNN0007", "Dense(2, Sigmoid)", """
        using GenNN;
        namespace Tests;

        [[|Network(Loss = Loss.BinaryCrossEntropy)|]]
        [Input(4)]
        [Dense(2, Activation.Sigmoid)]
        public partial class Net { }
        """);

    [Fact]
    public void GNN0007_BinaryCrossEntropyWithoutSigmoid() => AssertSingleDiagnostic("GNN0007", "Dense(1, Tanh)", """
        using GenNN;
        namespace Tests;

        [Input(4)]
        [Dense(1, Activation.Tanh)]
        [[|Network(Loss = Loss.BinaryCrossEntropy)|]]
        public partial class Net { }
        """);

    [Fact]
    public void GNN0008_NestedClass() => AssertSingleDiagnostic("GNN0008", "'Outer'", """
        using GenNN;
        namespace Tests;

        public partial class Outer
        {
            [Network]
            [Input(4)]
            [Dense(2)]
            public partial class [|Net|] { }
        }
        """);

    [Fact]
    public void GNN0009_GenericClass() => AssertSingleDiagnostic("GNN0009", "'Net'", """
        using GenNN;
        namespace Tests;

        [Network]
        [Input(4)]
        [Dense(2)]
        public partial class [|Net|]<T> { }
        """);

    [Fact]
    public void GNN0010_UndefinedActivation() => AssertSingleDiagnostic("GNN0010", "42", """
        using GenNN;
        namespace Tests;

        [Network]
        [Input(4)]
        [[|Dense(2, (Activation)42)|]]
        public partial class Net { }
        """);

    [Fact]
    public void GNN0010_UndefinedLoss() => AssertSingleDiagnostic("GNN0010", "7", """
        using GenNN;
        namespace Tests;

        [[|Network(Loss = (Loss)7)|]]
        [Input(4)]
        [Dense(2)]
        public partial class Net { }
        """);

    [Fact]
    public void GNN0011_LayerWiderThanTheLimit() => AssertSingleDiagnostic("GNN0011", "16777217", """
        using GenNN;
        namespace Tests;

        [Network]
        [Input(1)]
        [Dense((1 << 24) + 1)]
        public partial class [|Net|] { }
        """);

    [Fact]
    public void GNN0011_TooManyParameters() => AssertSingleDiagnostic("GNN0011", "600012001", """
        using GenNN;
        namespace Tests;

        [Network]
        [Input(100000)]
        [Dense(6000, Activation.ReLU)]
        [Dense(1)]
        public partial class [|Net|] { }
        """);

    [Theory]
    [InlineData("public partial record [|Net|];", "a record")]
    [InlineData("public static partial class [|Net|] { }", "static")]
    [InlineData("public abstract partial class [|Net|] { }", "abstract")]
    [InlineData("file partial class [|Net|] { }", "file-local")] // the generated part, in another file, was a second class
    [InlineData("public partial class [|Net|](string name) { public string Name => name; }", "declared with a primary constructor")] // CS8862 in generated code
    public void GNN0012_NotAPlainClass(string declaration, string kind) => AssertSingleDiagnostic("GNN0012", kind, $$"""
        using GenNN;
        namespace Tests;

        [Network]
        [Input(4)]
        [Dense(2)]
        {{declaration}}
        """);

    [Theory]
    [InlineData("struct", "a struct")]
    [InlineData("interface", "an interface")]
    public void GNN0012_OnAStructOrInterface_NoGeneratedClass(string keyword, string kind)
    {
        // [Network] targets classes (CS0592); the generator used to add a partial class to the struct as well (CS0261).
        var run = GeneratorHarness.RunOverInvalidSource($$"""
            using GenNN;
            namespace Tests;

            [Network] [Input(4)] [Dense(2)]
            public partial {{keyword}} Net { }
            """);

        Assert.Equal("GNN0012", Assert.Single(run.Diagnostics).Id);
        Assert.Contains(kind, run.Diagnostics[0].GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Assert.Empty(run.Sources);
        Assert.Equal(new[] { "CS0592" }, run.Output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.Id).Distinct());
    }

    [Fact]
    public void NetworkOnTwoPartialDeclarations_OneSourceAndOtherClassesUnharmed()
    {
        // Each [Network] syntax node was parsed on its own, and the second AddSource of the same file stopped the generator
        // (CS8785): every other class lost its code and its diagnostics.
        var run = GeneratorHarness.RunOverInvalidSource("""
            using GenNN;
            namespace Tests;

            [Network] [Input(4)] public partial class Twice { }
            [Network] [Dense(2)] public partial class Twice { }
            [Network] [Input(4)] [Dense(2)] public partial class Other { }
            [Network] public partial class Empty { }
            """);

        Assert.Contains("Tests.Other.g.cs", run.Sources.Select(s => s.HintName));
        Assert.Single(run.Sources, s => s.HintName == "Tests.Twice.g.cs");
        Assert.Contains(run.Diagnostics, d => d.Id == "GNN0002"); // the class without [Input] still gets its error
        Assert.Contains("CS0579", run.Output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.Id));
    }

    [Fact]
    public void GNN0006_CategoricalCrossEntropyWithoutSoftmaxOutput() => AssertSingleDiagnostic("GNN0006", "Loss.CategoricalCrossEntropy needs", """
        using GenNN;
        namespace Tests;

        [[|Network(Loss = Loss.CategoricalCrossEntropy)|]]
        [Input(4)]
        [Dense(3, Activation.Sigmoid)]
        public partial class Net { }
        """);

    [Theory]
    [InlineData("float.NaN", "NaN", "finite")]
    [InlineData("float.PositiveInfinity", "Infinity", "finite")]
    public void GNN0014_NegativeSlopeNotFinite(string slope, string shown, string reason) => AssertSingleDiagnostic("GNN0014", $"NegativeSlope = {shown}; it must be a {reason}", $$"""
        using GenNN;
        namespace Tests;

        [Network]
        [Input(4)]
        [[|Dense(8, Activation.LeakyReLU, NegativeSlope = {{slope}})|]]
        [Dense(2)]
        public partial class Net { }
        """);

    [Fact]
    public void GNN0014_NegativeSlopeOnAnotherActivation() => AssertSingleDiagnostic("GNN0014", "Dense layer 1 has NegativeSlope = 0.2; it applies to Activation.LeakyReLU only, but the layer uses ReLU", """
        using GenNN;
        namespace Tests;

        [Network]
        [Input(4)]
        [Dense(8, Activation.LeakyReLU, NegativeSlope = 0.2f)]
        [[|Dense(2, Activation.ReLU, NegativeSlope = 0.2f)|]]
        public partial class Net { }
        """);

    [Theory]
    [InlineData("0f", "0")]
    [InlineData("-1f", "-1")]
    [InlineData("float.NaN", "NaN")]
    [InlineData("float.PositiveInfinity", "Infinity")]
    public void GNN0015_HuberDeltaNotPositive(string delta, string shown) => AssertSingleDiagnostic("GNN0015", $"HuberDelta is {shown}; it must be positive and finite", $$"""
        using GenNN;
        namespace Tests;

        [[|Network(Loss = Loss.Huber, HuberDelta = {{delta}})|]]
        [Input(4)]
        [Dense(2)]
        public partial class Net { }
        """);

    [Fact]
    public void GNN0015_HuberDeltaWithAnotherLoss() => AssertSingleDiagnostic("GNN0015", "it applies to Loss.Huber only, but the loss is MeanSquaredError", """
        using GenNN;
        namespace Tests;

        [[|Network(HuberDelta = 0.5f)|]]
        [Input(4)]
        [Dense(2)]
        public partial class Net { }
        """);

    [Theory]
    [InlineData("L2 = -0.001f", "L2 = -0.001")]
    [InlineData("L1 = float.NaN", "L1 = NaN")]
    [InlineData("L1 = float.PositiveInfinity", "L1 = Infinity")]
    public void GNN0016_RegularizationFactorInvalid(string argument, string shown) => AssertSingleDiagnostic("GNN0016", $"Dense layer 0 has {shown}; a regularisation factor must be finite and at least 0", $$"""
        using GenNN;
        namespace Tests;

        [Network]
        [Input(4)]
        [[|Dense(8, Activation.ReLU, {{argument}})|]]
        [Dense(2)]
        public partial class Net { }
        """);

    [Theory]
    [InlineData("1", "1")]
    [InlineData("1.5", "1.5")]
    [InlineData("-0.1", "-0.1")]
    [InlineData("double.NaN", "NaN")]
    [InlineData("0.99999999", "0.99999999, 1 as a float,")] // stored as a float, it would be 1: the kernels would throw at every TrainBatch
    public void GNN0017_DropoutRateOutOfRange(string rate, string shown) => AssertSingleDiagnostic("GNN0017", $"The dropout rate is {shown}; it must be in [0, 1)", $$"""
        using GenNN;
        namespace Tests;

        [Network]
        [Input(4)]
        [Dense(8, Activation.ReLU)]
        [[|Dropout({{rate}})|]]
        [Dense(2)]
        public partial class Net { }
        """);

    [Theory]
    [InlineData("28, 28, 1", "(28, 28, 1)")]
    [InlineData("100, 3", "(100, 3)")]
    public void GNN0020_DenseAfterAShapedInput(string shape, string shown) => AssertSingleDiagnostic("GNN0020", $"Layer 0 is Dense, but its input has shape {shown}; add [Flatten] before it", $$"""
        using GenNN;
        namespace Tests;

        [Network]
        [Input({{shape}})]
        [[|Dense(8, Activation.ReLU)|]]
        [Dense(2)]
        public partial class Net { }
        """);

    [Fact]
    public void GNN0021_FlattenLast() => AssertSingleDiagnostic("GNN0021", "The last layer is Flatten", """
        using GenNN;
        namespace Tests;

        [Network]
        [Input(4)]
        [Dense(8, Activation.ReLU)]
        [[|Flatten|]]
        public partial class Net { }
        """);

    [Theory]
    [InlineData("[Input(64)]", "MaxPool2D(2)", "Layer 0 is MaxPool2D, which needs an input of shape (height, width, channels), but its input has shape (64)")]
    [InlineData("[Input(8, 8, 1)]", "AvgPool1D(2)", "Layer 0 is AvgPool1D, which needs an input of shape (length, channels), but its input has shape (8, 8, 1)")]
    [InlineData("[Input(8, 8, 1)][Flatten]", "GlobalAvgPool2D", "Layer 1 is GlobalAvgPool2D, which needs an input of shape (height, width, channels), but its input has shape (64)")]
    public void GNN0022_PoolOnTheWrongRank(string before, string pool, string message) => AssertSingleDiagnostic("GNN0022", message, $$"""
        using GenNN;
        namespace Tests;

        [Network]
        {{before}}
        [[|{{pool}}|]]
        [Flatten]
        [Dense(2)]
        public partial class Net { }
        """);

    [Theory]
    [InlineData("MaxPool2D(0)", "Layer 0 is MaxPool2D with PoolSize = 0; it must be at least 1")]
    [InlineData("AvgPool2D(2, Stride = 0)", "Layer 0 is AvgPool2D with Stride = 0; it must be at least 1")]
    [InlineData("MaxPool2D(5)", "Layer 0 is MaxPool2D with PoolSize = 5; the window is larger than the input (4, 6, 2); use a smaller window or Padding = Padding.Same")]
    public void GNN0023_InvalidWindow(string pool, string message) => AssertSingleDiagnostic("GNN0023", message, $$"""
        using GenNN;
        namespace Tests;

        [Network]
        [Input(4, 6, 2)]
        [[|{{pool}}|]]
        [Flatten]
        [Dense(2)]
        public partial class Net { }
        """);

    [Theory]
    [InlineData("[Input(8, 8, 1)][Flatten]", "Conv2D(4, 3)", "Layer 1 is Conv2D, which needs an input of shape (height, width, channels), but its input has shape (64)")]
    [InlineData("[Input(16)]", "Conv1D(4, 3)", "Layer 0 is Conv1D, which needs an input of shape (length, channels), but its input has shape (16)")]
    [InlineData("[Input(8, 8, 1)]", "Conv1D(4, 3)", "Layer 0 is Conv1D, which needs an input of shape (length, channels), but its input has shape (8, 8, 1)")]
    public void GNN0022_ConvolutionOnTheWrongRank(string before, string conv, string message) => AssertSingleDiagnostic("GNN0022", message, $$"""
        using GenNN;
        namespace Tests;

        [Network]
        {{before}}
        [[|{{conv}}|]]
        [Flatten]
        [Dense(2)]
        public partial class Net { }
        """);

    [Theory]
    [InlineData("Conv2D(4, 0)", "Layer 0 is Conv2D with KernelSize = 0; it must be at least 1")]
    [InlineData("Conv2D(4, 3, Stride = 0)", "Layer 0 is Conv2D with Stride = 0; it must be at least 1")]
    [InlineData("Conv2D(4, 5, Activation.ReLU)", "Layer 0 is Conv2D with KernelSize = 5; the kernel is larger than the input (4, 6, 2); use a smaller kernel or Padding = Padding.Same")]
    public void GNN0023_InvalidKernel(string conv, string message) => AssertSingleDiagnostic("GNN0023", message, $$"""
        using GenNN;
        namespace Tests;

        [Network]
        [Input(4, 6, 2)]
        [[|{{conv}}|]]
        [Flatten]
        [Dense(2)]
        public partial class Net { }
        """);

    [Fact]
    public void GNN0023_KernelLargerThanItsInputAfterAPool() => AssertSingleDiagnostic("GNN0023", "Layer 1 is Conv2D with KernelSize = 3; the kernel is larger than the input (2, 3, 2)", """
        using GenNN;
        namespace Tests;

        [Network]
        [Input(4, 6, 2)]
        [MaxPool2D(2)]
        [[|Conv2D(4, 3)|]]
        [Flatten]
        [Dense(2)]
        public partial class Net { }
        """);

    [Fact]
    public void GNN0004_ConvolutionWithoutFilters() => AssertSingleDiagnostic("GNN0004", "Conv2D layer 0 filters size must be at least 1, but is 0", """
        using GenNN;
        namespace Tests;

        [Network]
        [Input(4, 6, 2)]
        [[|Conv2D(0, 3)|]]
        [Flatten]
        [Dense(2)]
        public partial class Net { }
        """);

    [Fact]
    public void GNN0005_SoftmaxOnAConvolution() => AssertSingleDiagnostic("GNN0005", "Layer 0 uses Activation.Softmax", """
        using GenNN;
        namespace Tests;

        [Network]
        [Input(4, 6, 2)]
        [[|Conv2D(4, 3, Activation.Softmax)|]]
        [Flatten]
        [Dense(2)]
        public partial class Net { }
        """);

    [Fact]
    public void GNN0014_NegativeSlopeOnAConvolution() => AssertSingleDiagnostic("GNN0014", "Conv1D layer 0 has NegativeSlope = 0.2; it applies to Activation.LeakyReLU only, but the layer uses ReLU", """
        using GenNN;
        namespace Tests;

        [Network]
        [Input(16, 2)]
        [[|Conv1D(4, 3, Activation.ReLU, NegativeSlope = 0.2f)|]]
        [Flatten]
        [Dense(2)]
        public partial class Net { }
        """);

    [Theory]
    [InlineData("2097152, 2097152, 4194304", "a width of more than 2^63 floats")] // 2^64: the product wrapped to 0, and the class compiled with InputSize 0
    [InlineData("2097152, 2097152, 6291456", "a width of more than 2^63 floats")] // wrapped to a negative size
    [InlineData("65536, 65536, 2", "a width of 8589934592 exceeds")]
    public void GNN0011_InputShapeWhoseSizeOverflows(string shape, string message) => AssertSingleDiagnostic("GNN0011", message, $$"""
        using GenNN;
        namespace Tests;

        [Network]
        [Input({{shape}})]
        [Flatten]
        [Dense(2)]
        public partial class [|Net|] { }
        """);

    [Theory]
    [InlineData("MaxPool2D(2, Stride = int.MaxValue, Padding = Padding.Same)")]
    [InlineData("Conv2D(2, 3, Stride = int.MaxValue, Padding = Padding.Same)")]
    public void A_stride_near_int_MaxValue_with_same_padding_gives_one_window(string layer)
    {
        // ceil(8 / stride) was computed as (8 + stride - 1) / stride in int, which wrapped to a negative, then 0, output length.
        var run = GeneratorHarness.Run($$"""
            using GenNN;
            namespace Tests;

            [Network] [Input(8, 8, 1)] [{{layer}}] [Flatten] [Dense(2)]
            public partial class Net { }
            """);

        Assert.True(run.Diagnostics.IsEmpty, GeneratorHarness.Format(run.Diagnostics));
        Assert.Contains("(None, 1, 1, ", Assert.Single(run.Sources).SourceText.ToString(), StringComparison.Ordinal);
        var errors = run.Output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
        Assert.True(errors.Length == 0, GeneratorHarness.Format(errors));
    }

    [Fact]
    public void GNN0011_ConvolutionOutputWiderThanTheLimit() => AssertSingleDiagnostic("GNN0011", "layer 0's output of 17305600 floats exceeds the limit of 16777216", """
        using GenNN;
        namespace Tests;

        [Network]
        [Input(260, 260, 1)]
        [Conv2D(256, 1)]
        [Flatten]
        [Dense(2)]
        public partial class [|Net|] { }
        """);

    [Fact]
    public void GNN0011_ConvolutionParametersAboveTheLimit() => AssertSingleDiagnostic("GNN0011", "536887295 parameters exceed the limit of 536870911", """
        using GenNN;
        namespace Tests;

        [Network]
        [Input(4, 4, 16384)]
        [Conv2D(32767, 1)]
        [GlobalAvgPool2D]
        [Dense(2)]
        public partial class [|Net|] { }
        """);

    [Theory]
    [InlineData("Momentum = 1.5f", "Momentum = 1.5")]
    [InlineData("Momentum = -0.1f", "Momentum = -0.1")]
    [InlineData("Momentum = float.NaN", "Momentum = NaN")]
    public void GNN0024_BatchNormMomentumOutOfRange(string option, string shown) => AssertSingleDiagnostic("GNN0024",
        $"Layer 1 is BatchNorm with {shown}; it must be from 0 to 1: the weight of each batch's statistics in the running ones, as in PyTorch (Keras' momentum 0.99 is 0.01 here)", $$"""
        using GenNN;
        namespace Tests;

        [Network]
        [Input(4)]
        [Dense(8)]
        [[|BatchNorm(Activation.ReLU, {{option}})|]]
        [Dense(2)]
        public partial class Net { }
        """);

    [Theory]
    [InlineData("Epsilon = 0f", "Epsilon = 0")]
    [InlineData("Epsilon = -1e-5f", "Epsilon = -1e-5")]
    [InlineData("Epsilon = -3.5e12f", "Epsilon = -3.5e12")]
    [InlineData("Epsilon = float.PositiveInfinity", "Epsilon = Infinity")]
    public void GNN0024_BatchNormEpsilonNotPositive(string option, string shown) => AssertSingleDiagnostic("GNN0024",
        $"Layer 1 is BatchNorm with {shown}; it must be positive and finite (PyTorch's default is 1e-5)", $$"""
        using GenNN;
        namespace Tests;

        [Network]
        [Input(4)]
        [Dense(8)]
        [[|BatchNorm(Activation.ReLU, {{option}})|]]
        [Dense(2)]
        public partial class Net { }
        """);

    /// <summary>Momentum's range is closed: 0 (the running statistics never move) and 1 (they are the last batch's) are accepted.</summary>
    [Theory]
    [InlineData("0f")]
    [InlineData("1f")]
    public void BatchNormMomentumAtItsBoundsIsAccepted(string momentum)
    {
        var run = GeneratorHarness.Run($$"""
            using GenNN;
            namespace Tests;

            [Network]
            [Input(4)]
            [Dense(8)]
            [BatchNorm(Activation.ReLU, Momentum = {{momentum}})]
            [Dense(2)]
            public partial class Net { }
            """);

        Assert.True(run.Diagnostics.IsEmpty, GeneratorHarness.Format(run.Diagnostics));
        Assert.Single(run.Sources);
        var compilerErrors = run.Output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
        Assert.True(compilerErrors.Length == 0, GeneratorHarness.Format(compilerErrors));
    }

    [Fact]
    public void GNN0005_SoftmaxOnABatchNorm() => AssertSingleDiagnostic("GNN0005", "Layer 1 uses Activation.Softmax, but Softmax is allowed on the last layer only (layer 2)", """
        using GenNN;
        namespace Tests;

        [Network]
        [Input(4)]
        [Dense(8)]
        [[|BatchNorm(Activation.Softmax)|]]
        [Dense(2)]
        public partial class Net { }
        """);

    [Fact]
    public void GNN0014_NegativeSlopeOnABatchNorm() => AssertSingleDiagnostic("GNN0014", "BatchNorm layer 1 has NegativeSlope = 0.2; it applies to Activation.LeakyReLU only, but the layer uses ReLU", """
        using GenNN;
        namespace Tests;

        [Network]
        [Input(4)]
        [Dense(8)]
        [[|BatchNorm(Activation.ReLU, NegativeSlope = 0.2f)|]]
        [Dense(2)]
        public partial class Net { }
        """);

    [Fact]
    public void GNN0021_BatchNormLast() => AssertSingleDiagnostic("GNN0021", "The last layer is BatchNorm; end the network with a [Dense] layer", """
        using GenNN;
        namespace Tests;

        [Network]
        [Input(4)]
        [Dense(8)]
        [[|BatchNorm|]]
        public partial class Net { }
        """);

    [Fact]
    public void GNN0010_UndefinedActivationOnABatchNorm() => AssertSingleDiagnostic("GNN0010", "Activation has no member with value 42", """
        using GenNN;
        namespace Tests;

        [Network]
        [Input(4)]
        [Dense(8)]
        [[|BatchNorm((Activation)42)|]]
        [Dense(2)]
        public partial class Net { }
        """);

    [Fact]
    public void GNN0018_DropoutBeforeTheFirstLayer() => AssertSingleDiagnostic("GNN0018", "[Dropout] is before the first layer", """
        using GenNN;
        namespace Tests;

        [Network]
        [Input(4)]
        [[|Dropout(0.2)|]]
        [Dense(8, Activation.ReLU)]
        [Dense(2)]
        public partial class Net { }
        """);

    [Fact]
    public void GNN0018_DropoutAfterTheLastLayer() => AssertSingleDiagnostic("GNN0018", "[Dropout] is after the last layer", """
        using GenNN;
        namespace Tests;

        [Network]
        [Input(4)]
        [Dense(8, Activation.ReLU)]
        [Dense(2)]
        [[|Dropout(0.2)|]]
        public partial class Net { }
        """);

    [Theory]
    [InlineData("KernelInitializer = Initializer.Zeros", "KernelInitializer = Initializer.Zeros: weights must start random")]
    [InlineData("KernelInitializer = Initializer.Constant", "KernelInitializer = Initializer.Constant: weights must start random")]
    [InlineData("BiasInitializer = Initializer.HeNormal", "BiasInitializer = Initializer.HeNormal: biases start at Zeros or a Constant")]
    [InlineData("BiasValue = 0.1f", "BiasValue is set, but BiasInitializer is not Initializer.Constant")]
    [InlineData("BiasInitializer = Initializer.Constant, BiasValue = float.NaN", "BiasValue = NaN: it must be finite")]
    public void GNN0019_InitializerMisused(string argument, string message) => AssertSingleDiagnostic("GNN0019", "Dense layer 0 has " + message, $$"""
        using GenNN;
        namespace Tests;

        [Network]
        [Input(4)]
        [[|Dense(8, Activation.ReLU, {{argument}})|]]
        [Dense(2)]
        public partial class Net { }
        """);

    [Fact]
    public void GNN0010_UnknownInitializer() => AssertSingleDiagnostic("GNN0010", "Initializer has no member with value 42", """
        using GenNN;
        namespace Tests;

        [Network]
        [Input(4)]
        [[|Dense(8, Activation.ReLU, KernelInitializer = (Initializer)42)|]]
        [Dense(2)]
        public partial class Net { }
        """);

    /// <summary>The largest layer the limit allows is accepted (the limits are not off by one downwards).</summary>
    [Fact]
    public void LayerExactlyAtTheWidthLimitIsAccepted()
    {
        var run = GeneratorHarness.Run("""
            using GenNN;
            namespace Tests;

            [Network]
            [Input(1)]
            [Dense(1 << 24)]
            public partial class Net { }
            """);

        Assert.True(run.Diagnostics.IsEmpty, GeneratorHarness.Format(run.Diagnostics));
        Assert.Single(run.Sources);
    }

    [Fact]
    public void ValidNetwork_ReportsNothing()
    {
        var run = GeneratorHarness.Run("""
            using GenNN;
            namespace Tests;

            [Network(Loss = Loss.SoftmaxCrossEntropy)]
            [Input(4)]
            [Dense(16, Activation.ReLU)]
            [Dense(3, Activation.Softmax)]
            public partial class Net { }
            """);

        Assert.True(run.Diagnostics.IsEmpty, GeneratorHarness.Format(run.Diagnostics));
        Assert.Single(run.Sources);
        var compilerErrors = run.Output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
        Assert.True(compilerErrors.Length == 0, GeneratorHarness.Format(compilerErrors));
    }

    /// <summary>An invalid network does not stop a valid one in the same compilation from being generated.</summary>
    [Fact]
    public void InvalidNetwork_DoesNotAffectAValidNeighbour()
    {
        var run = GeneratorHarness.Run("""
            using GenNN;
            namespace Tests;

            [Network]
            [Input(4)]
            [Dense(2)]
            public class Broken { }

            [Network]
            [Input(4)]
            [Dense(2)]
            public partial class Fine { }
            """);

        Assert.Equal("GNN0001", Assert.Single(run.Diagnostics).Id);
        Assert.Equal("Tests.Fine.g.cs", Assert.Single(run.Sources).HintName);
    }

    private static void AssertSingleDiagnostic(string id, string messageFragment, string markedSource)
    {
        var source = MarkedSource.Parse(markedSource);
        var run = GeneratorHarness.Run(source.Text);

        Assert.True(run.Diagnostics.Length == 1, $"Expected exactly one {id}, got:\n" + GeneratorHarness.Format(run.Diagnostics));
        var diagnostic = run.Diagnostics[0];
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Equal("GenNN", diagnostic.Descriptor.Category);
        Assert.Contains(messageFragment, diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);

        var actual = diagnostic.Location.GetLineSpan();
        Assert.True(
            diagnostic.Location.SourceSpan == source.Span && actual.Span == source.LineSpan && actual.Path == GeneratorHarness.DefaultPath,
            $"{id} should point at \"{source.MarkedText}\" {GeneratorHarness.DefaultPath}({source.LineSpan.Start.Line + 1},{source.LineSpan.Start.Character + 1})-({source.LineSpan.End.Line + 1},{source.LineSpan.End.Character + 1}) {source.Span}, " +
            $"but points at {GeneratorHarness.FormatLocation(diagnostic.Location)} {diagnostic.Location.SourceSpan} " +
            $"\"{(diagnostic.Location.SourceSpan.End <= source.Text.Length ? source.Text.Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length) : "<out of range>")}\"");

        // No network code: at most the members without code (ShellTests), which must compile cleanly.
        Assert.True(run.Sources.Length <= 1 && run.Sources.All(s => s.SourceText.ToString().Contains("gen-nn could not generate", StringComparison.Ordinal)),
            "No network code should be generated for an invalid network, got: " + string.Join(", ", run.Sources.Select(s => s.HintName)));
        var compilerErrors = run.Output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
        Assert.True(compilerErrors.Length == 0, "The generated members without code do not compile:\n" + GeneratorHarness.Format(compilerErrors));
    }
}
