namespace GenNN.Generator.Tests;

/// <summary>
/// Snapshots of the generated source for a few representative topologies (see <see cref="Snapshot"/> for how to
/// accept a change). Each snapshot starts with a <c>//HintName:</c> line, as Verify.SourceGenerators writes them.
/// </summary>
public class SnapshotTests
{
    [Fact]
    public void Iris_4_16_3_ReLU_Softmax_SoftmaxCrossEntropy() => VerifyGenerated("""
        using GenNN;

        namespace Samples.Iris
        {
            [Network(Loss = Loss.SoftmaxCrossEntropy)]
            [Input(4)]
            [Dense(16, Activation.ReLU)]
            [Dense(3, Activation.Softmax)]
            public partial class IrisNet { }
        }
        """);

    [Fact]
    public void Regression_10_10_1_Linear_MeanSquaredError() => VerifyGenerated("""
        using GenNN;

        namespace Samples.Regression;

        [Network]
        [Input(10)]
        [Dense(10)]
        [Dense(1, Activation.Linear)]
        public partial class Regressor { }
        """);

    [Fact]
    public void Binary_8_10_8_1_Sigmoid_BinaryCrossEntropy() => VerifyGenerated("""
        using GenNN;

        namespace Samples.Binary;

        [Network(Loss = Loss.BinaryCrossEntropy)]
        [Input(8)]
        [Dense(10, Activation.Sigmoid)]
        [Dense(8, Activation.Sigmoid)]
        [Dense(1, Activation.Sigmoid)]
        internal partial class BinaryNet { }
        """);

    [Fact]
    public void OddSizes_13_33_7_Tanh_LeakyReLU_Linear_MeanSquaredError() => VerifyGenerated("""
        using GenNN;

        namespace Samples.Odd;

        [Network(Loss = Loss.MeanSquaredError)]
        [Input(13)]
        [Dense(33, Activation.Tanh)]
        [Dense(17, Activation.LeakyReLU)]
        [Dense(7, Activation.Linear)]
        public sealed partial class OddNet { }
        """);

    [Fact]
    public void GlobalNamespace() => VerifyGenerated("""
        [GenNN.Network(Loss = GenNN.Loss.SoftmaxCrossEntropy)]
        [GenNN.Input(2)]
        [GenNN.Dense(3, GenNN.Activation.ReLU)]
        [GenNN.Dense(2, GenNN.Activation.Softmax)]
        public partial class GlobalNet { }
        """);

    [Fact]
    public void Smooth_6_GELU_SiLU_LeakyReLU02_Softmax_CategoricalCrossEntropy() => VerifyGenerated("""
        using GenNN;

        namespace Samples.Smooth;

        [Network(Loss = Loss.CategoricalCrossEntropy)]
        [Input(6)]
        [Dense(12, Activation.GELU)]
        [Dropout(0.5)]
        [Dense(9, Activation.LeakyReLU, NegativeSlope = 0.2f)]
        [Dropout(0.2f)]
        [Dropout(0.1)]
        [Dense(8, Activation.SiLU)]
        [Dense(4, Activation.Softmax)]
        public partial class SmoothNet { }
        """);

    [Fact]
    public void Huber_5_ELU_Softplus_HardSigmoid() => VerifyGenerated("""
        using GenNN;

        namespace Samples.Huber;

        [Network(Loss = Loss.Huber, HuberDelta = 0.5f)]
        [Input(5)]
        [Dense(7, Activation.ELU, L2 = 1e-4f)]
        [Dense(6, Activation.Softplus, L1 = 0.001f, L2 = 0.0005f)]
        [Dense(2, Activation.HardSigmoid, KernelInitializer = Initializer.LeCunNormal, BiasInitializer = Initializer.Constant, BiasValue = 0.5f)]
        public partial class HuberNet { }
        """);

    [Fact]
    public void Digits_8x8x1_Flatten_Dropout_32_10() => VerifyGenerated("""
        using GenNN;

        namespace Samples.Digits;

        [Network(Loss = Loss.SoftmaxCrossEntropy)]
        [Input(8, 8, 1)]
        [Flatten]
        [Dense(32, Activation.ReLU)]
        [Dropout(0.2)]
        [Dense(10, Activation.Softmax)]
        public partial class DigitsNet { }
        """);

    [Fact]
    public void Pools_6x5x3_MaxSame_AvgStride1_Flatten_4_3() => VerifyGenerated("""
        using GenNN;

        namespace Samples.Pools;

        [Network(Loss = Loss.SoftmaxCrossEntropy)]
        [Input(6, 5, 3)]
        [MaxPool2D(2, Padding = Padding.Same)]
        [AvgPool2D(2, Stride = 1)]
        [Flatten]
        [Dense(4, Activation.Tanh)]
        [Dense(3, Activation.Softmax)]
        public partial class PoolNet { }
        """);

    [Fact]
    public void Conv_9x7x3_Conv2DStride2Same_Conv2D_MaxPool_Flatten_4() => VerifyGenerated("""
        using GenNN;

        namespace Samples.Conv;

        [Network(Loss = Loss.SoftmaxCrossEntropy)]
        [Input(9, 7, 3)]
        [Conv2D(5, 3, Activation.ReLU, Stride = 2, Padding = Padding.Same)]
        [Conv2D(6, 3, Activation.Tanh, Padding = Padding.Same)]
        [MaxPool2D(2)]
        [Flatten]
        [Dense(4, Activation.Softmax)]
        public partial class ConvNet { }
        """);

    /// <summary>A 3 x 3 stride-1 convolution with 8 channels in and 9 filters: Predict runs it as Winograd F(2x2, 3x3), over an odd output width.</summary>
    [Fact]
    public void Winograd_5x4x8_Conv2DSameReLU9_GlobalAvgPool_3() => VerifyGenerated("""
        using GenNN;

        namespace Samples.Winograd;

        [Network(Loss = Loss.SoftmaxCrossEntropy)]
        [Input(5, 4, 8)]
        [Conv2D(9, 3, Activation.ReLU, Padding = Padding.Same)]
        [GlobalAvgPool2D]
        [Dense(3, Activation.Softmax)]
        public partial class WinogradNet { }
        """);

    /// <summary>
    /// A Dense layer of 64 units over 512 inputs: its weight gradient reads the deltas in panels of 16 columns, and
    /// TrainRows' forward pass (parts of 32+ rows) and a large PredictBatch read its weights in panels (Panels.Pack).
    /// </summary>
    [Fact]
    public void PackedPanels_512_64_3_ReLU_Softmax() => VerifyGenerated("""
        using GenNN;

        namespace Samples.Panels;

        [Network(Loss = Loss.SoftmaxCrossEntropy)]
        [Input(512)]
        [Dense(64, Activation.ReLU)]
        [Dense(3, Activation.Softmax)]
        public partial class PanelNet { }
        """);

    [Fact]
    public void BatchNorm_6x5x3_Conv2D_BatchNormReLU_MaxPool_Flatten_5_BatchNormTanh_3() => VerifyGenerated("""
        using GenNN;

        namespace Samples.Norm;

        [Network(Loss = Loss.SoftmaxCrossEntropy)]
        [Input(6, 5, 3)]
        [Conv2D(4, 3)]
        [BatchNorm(Activation.ReLU)]
        [MaxPool2D(2)]
        [Flatten]
        [Dense(5)]
        [BatchNorm(Activation.Tanh)]
        [Dense(3, Activation.Softmax)]
        public partial class NormNet { }
        """);

    private static void VerifyGenerated(string source, [System.Runtime.CompilerServices.CallerMemberName] string testMethod = "")
    {
        var run = GeneratorHarness.Run(source);
        Assert.True(run.Diagnostics.IsEmpty, "The generator reported diagnostics:\n" + GeneratorHarness.Format(run.Diagnostics));
        Assert.NotEmpty(run.Sources);

        var text = new System.Text.StringBuilder();
        foreach (var generated in run.Sources)
        {
            text.Append("//HintName: ").Append(generated.HintName).Append('\n');
            text.Append(generated.SourceText.ToString());
        }

        Snapshot.Verify(text.ToString(), testMethod: testMethod);
    }
}
