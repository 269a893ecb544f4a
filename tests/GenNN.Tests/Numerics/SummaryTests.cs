namespace GenNN.Tests.Numerics;

/// <summary><c>Summary()</c>: Keras' <c>model.summary()</c> table, with dropout rows, regularisers and byte totals.</summary>
public class SummaryTests
{
    [Fact]
    public void Summary_lists_every_layer_its_shape_activation_and_parameters_then_the_totals()
    {
        const string expected = """
            Model: "DropNet"
            Layer (type)         Output shape  Activation  Param #
            ======================================================
            input (Input)        (None, 9)                       0
            layers.0 (Dense)     (None, 17)    Tanh            170
            dropout.0 (Dropout)  (None, 17)    rate 0.3          0
            layers.1 (Dense)     (None, 12)    GELU            216
            dropout.1 (Dropout)  (None, 12)    rate 0.25         0
            dropout.2 (Dropout)  (None, 12)    rate 0.1          0
            layers.2 (Dense)     (None, 4)     Softmax          52
            ======================================================
            Total params: 438 (1.71 KB)
            Trainable params: 438 (1.71 KB)
            Non-trainable params: 0 (0.00 B)
            Loss: SoftmaxCrossEntropy

            """;
        Assert.Equal(expected.ReplaceLineEndings("\n"), DropNet.Summary());
        Assert.Equal(DropNet.SummaryText, DropNet.Summary());
        Assert.Equal(438, DropNet.ParameterCount);
    }

    [Fact]
    public void Summary_names_the_slope_the_regularisers_and_the_Huber_delta()
    {
        string regularized = Mse_I7_Relu16L2_Lin5L1L2.Summary();
        Assert.Contains("layers.0 (Dense)  (None, 16)    ReLU, L2 0.01", regularized);
        Assert.Contains("Linear, L1 0.003, L2 0.002", regularized);
        Assert.Contains("Total params: " + Mse_I7_Relu16L2_Lin5L1L2.ParameterCount + " (", regularized);
        Assert.Contains("LeakyReLU(0.2)", Mse_I7_Leaky13s_Leaky5s.Summary());
        Assert.EndsWith("Loss: Huber (delta 0.5)\n", Huber_I5_Silu10_Lin4.Summary());
    }
}
