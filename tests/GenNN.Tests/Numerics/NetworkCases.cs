namespace GenNN.Tests.Numerics;

/// <summary>One generated network and the reference that describes the same topology.</summary>
/// <param name="Name">The generated class's name; what a failing theory shows.</param>
/// <param name="Reference">The oracle for this topology.</param>
/// <param name="Create">Constructs the generated network with a seed.</param>
/// <param name="CreateUnseeded">Constructs the generated network with <c>new Net()</c> (a random seed).</param>
/// <param name="GradientCheck">Whether the float finite-difference check runs on it (small enough to be quick).</param>
public sealed record NetworkCase(string Name, ReferenceNetwork Reference, Func<int, INetwork> Create, Func<INetwork> CreateUnseeded, bool GradientCheck)
{
    public override string ToString() => Name;

    /// <summary>
    /// Creates the network with <c>new Net(seed)</c> and sets every bias to a non-zero value (seeded init leaves them
    /// at zero, which would hide bias bugs).
    /// </summary>
    public INetwork CreatePerturbed(int seed)
    {
        INetwork network = Create(seed);
        TestData.PerturbBiases(Reference, network.Parameters, new Random(seed + 1));
        return network;
    }
}

/// <summary>The engine matrix: every network declared in Networks.cs with its topology spelled out again.</summary>
public static class NetworkCases
{
    public static readonly IReadOnlyList<NetworkCase> All =
    [
        Case(s => new Mse_I3_Lin7_Lin3(s), Loss.MeanSquaredError, 3, [new(7, Activation.Linear), new(3, Activation.Linear)], gradientCheck: true),
        Case(s => new Mse_I7_Relu16_Lin7(s), Loss.MeanSquaredError, 7, [new(16, Activation.ReLU), new(7, Activation.Linear)], gradientCheck: true),
        Case(s => new Mse_I13_Leaky17_Lin16(s), Loss.MeanSquaredError, 13, [new(17, Activation.LeakyReLU), new(16, Activation.Linear)], gradientCheck: true),
        Case(s => new Mse_I16_Sig13_Lin17(s), Loss.MeanSquaredError, 16, [new(13, Activation.Sigmoid), new(17, Activation.Linear)], gradientCheck: true),
        Case(s => new Mse_I17_Tanh3_Lin13(s), Loss.MeanSquaredError, 17, [new(3, Activation.Tanh), new(13, Activation.Linear)], gradientCheck: true),
        Case(s => new Mse_I1_Lin33_Relu3(s), Loss.MeanSquaredError, 1, [new(33, Activation.Linear), new(3, Activation.ReLU)], gradientCheck: true),
        Case(s => new Mse_I33_Relu24_Relu33(s), Loss.MeanSquaredError, 33, [new(24, Activation.ReLU), new(33, Activation.ReLU)], gradientCheck: true),
        Case(s => new Mse_I8_Leaky1_Relu8(s), Loss.MeanSquaredError, 8, [new(1, Activation.LeakyReLU), new(8, Activation.ReLU)], gradientCheck: true),
        Case(s => new Mse_I3_Sig32_Relu3(s), Loss.MeanSquaredError, 3, [new(32, Activation.Sigmoid), new(3, Activation.ReLU)], gradientCheck: true),
        Case(s => new Mse_I7_Tanh8_Relu7(s), Loss.MeanSquaredError, 7, [new(8, Activation.Tanh), new(7, Activation.ReLU)], gradientCheck: true),
        Case(s => new Mse_I13_Lin65_Leaky16(s), Loss.MeanSquaredError, 13, [new(65, Activation.Linear), new(16, Activation.LeakyReLU)], gradientCheck: true),
        Case(s => new Mse_I16_Relu7_Leaky17(s), Loss.MeanSquaredError, 16, [new(7, Activation.ReLU), new(17, Activation.LeakyReLU)], gradientCheck: true),
        Case(s => new Mse_I17_Leaky16_Leaky13(s), Loss.MeanSquaredError, 17, [new(16, Activation.LeakyReLU), new(13, Activation.LeakyReLU)], gradientCheck: true),
        Case(s => new Mse_I1_Sig17_Leaky1(s), Loss.MeanSquaredError, 1, [new(17, Activation.Sigmoid), new(1, Activation.LeakyReLU)], gradientCheck: true),
        Case(s => new Mse_I33_Tanh13_Leaky33(s), Loss.MeanSquaredError, 33, [new(13, Activation.Tanh), new(33, Activation.LeakyReLU)], gradientCheck: true),
        Case(s => new Mse_I8_Lin3_Sig8(s), Loss.MeanSquaredError, 8, [new(3, Activation.Linear), new(8, Activation.Sigmoid)], gradientCheck: true),
        Case(s => new Mse_I3_Relu33_Sig3(s), Loss.MeanSquaredError, 3, [new(33, Activation.ReLU), new(3, Activation.Sigmoid)], gradientCheck: true),
        Case(s => new Mse_I7_Leaky24_Sig7(s), Loss.MeanSquaredError, 7, [new(24, Activation.LeakyReLU), new(7, Activation.Sigmoid)], gradientCheck: true),
        Case(s => new Mse_I13_Sig1_Sig16(s), Loss.MeanSquaredError, 13, [new(1, Activation.Sigmoid), new(16, Activation.Sigmoid)], gradientCheck: true),
        Case(s => new Mse_I16_Tanh32_Sig17(s), Loss.MeanSquaredError, 16, [new(32, Activation.Tanh), new(17, Activation.Sigmoid)], gradientCheck: true),
        Case(s => new Mse_I17_Lin8_Tanh13(s), Loss.MeanSquaredError, 17, [new(8, Activation.Linear), new(13, Activation.Tanh)], gradientCheck: true),
        Case(s => new Mse_I1_Relu65_Tanh1(s), Loss.MeanSquaredError, 1, [new(65, Activation.ReLU), new(1, Activation.Tanh)], gradientCheck: true),
        Case(s => new Mse_I33_Leaky7_Tanh33(s), Loss.MeanSquaredError, 33, [new(7, Activation.LeakyReLU), new(33, Activation.Tanh)], gradientCheck: true),
        Case(s => new Mse_I8_Sig16_Tanh8(s), Loss.MeanSquaredError, 8, [new(16, Activation.Sigmoid), new(8, Activation.Tanh)], gradientCheck: true),
        Case(s => new Mse_I3_Tanh17_Tanh3(s), Loss.MeanSquaredError, 3, [new(17, Activation.Tanh), new(3, Activation.Tanh)], gradientCheck: true),
        Case(s => new Mse_I7_Lin13_Soft7(s), Loss.MeanSquaredError, 7, [new(13, Activation.Linear), new(7, Activation.Softmax)], gradientCheck: true),
        Case(s => new Mse_I13_Relu3_Soft16(s), Loss.MeanSquaredError, 13, [new(3, Activation.ReLU), new(16, Activation.Softmax)], gradientCheck: true),
        Case(s => new Mse_I16_Leaky33_Soft17(s), Loss.MeanSquaredError, 16, [new(33, Activation.LeakyReLU), new(17, Activation.Softmax)], gradientCheck: true),
        Case(s => new Mse_I17_Sig24_Soft13(s), Loss.MeanSquaredError, 17, [new(24, Activation.Sigmoid), new(13, Activation.Softmax)], gradientCheck: true),
        Case(s => new Mse_I1_Tanh1_Soft5(s), Loss.MeanSquaredError, 1, [new(1, Activation.Tanh), new(5, Activation.Softmax)], gradientCheck: true),
        Case(s => new Bce_I33_Lin32_Sig1(s), Loss.BinaryCrossEntropy, 33, [new(32, Activation.Linear), new(1, Activation.Sigmoid)], gradientCheck: true),
        Case(s => new Bce_I8_Relu8_Sig1(s), Loss.BinaryCrossEntropy, 8, [new(8, Activation.ReLU), new(1, Activation.Sigmoid)], gradientCheck: true),
        Case(s => new Bce_I3_Leaky65_Sig1(s), Loss.BinaryCrossEntropy, 3, [new(65, Activation.LeakyReLU), new(1, Activation.Sigmoid)], gradientCheck: true),
        Case(s => new Bce_I7_Sig7_Sig1(s), Loss.BinaryCrossEntropy, 7, [new(7, Activation.Sigmoid), new(1, Activation.Sigmoid)], gradientCheck: true),
        Case(s => new Bce_I13_Tanh16_Sig1(s), Loss.BinaryCrossEntropy, 13, [new(16, Activation.Tanh), new(1, Activation.Sigmoid)], gradientCheck: true),
        Case(s => new Sce_I16_Lin17_Soft17(s), Loss.SoftmaxCrossEntropy, 16, [new(17, Activation.Linear), new(17, Activation.Softmax)], gradientCheck: true),
        Case(s => new Sce_I17_Relu13_Soft13(s), Loss.SoftmaxCrossEntropy, 17, [new(13, Activation.ReLU), new(13, Activation.Softmax)], gradientCheck: true),
        Case(s => new Sce_I1_Leaky3_Soft5(s), Loss.SoftmaxCrossEntropy, 1, [new(3, Activation.LeakyReLU), new(5, Activation.Softmax)], gradientCheck: true),
        Case(s => new Sce_I33_Sig33_Soft33(s), Loss.SoftmaxCrossEntropy, 33, [new(33, Activation.Sigmoid), new(33, Activation.Softmax)], gradientCheck: true),
        Case(s => new Sce_I8_Tanh24_Soft8(s), Loss.SoftmaxCrossEntropy, 8, [new(24, Activation.Tanh), new(8, Activation.Softmax)], gradientCheck: true),
        Case(s => new Mse_I13_Lin17(s), Loss.MeanSquaredError, 13, [new(17, Activation.Linear)], gradientCheck: true),
        Case(s => new Mse_I7_Relu16(s), Loss.MeanSquaredError, 7, [new(16, Activation.ReLU)], gradientCheck: true),
        Case(s => new Mse_I100_Leaky3(s), Loss.MeanSquaredError, 100, [new(3, Activation.LeakyReLU)], gradientCheck: true),
        Case(s => new Mse_I1_Sig33(s), Loss.MeanSquaredError, 1, [new(33, Activation.Sigmoid)], gradientCheck: true),
        Case(s => new Mse_I16_Tanh64(s), Loss.MeanSquaredError, 16, [new(64, Activation.Tanh)], gradientCheck: true),
        Case(s => new Mse_I17_Soft13(s), Loss.MeanSquaredError, 17, [new(13, Activation.Softmax)], gradientCheck: true),
        Case(s => new Bce_I33_Sig1(s), Loss.BinaryCrossEntropy, 33, [new(1, Activation.Sigmoid)], gradientCheck: true),
        Case(s => new Sce_I3_Soft100(s), Loss.SoftmaxCrossEntropy, 3, [new(100, Activation.Softmax)], gradientCheck: true),
        Case(s => new Mse_I100_Relu100_Tanh33_Lin17(s), Loss.MeanSquaredError, 100, [new(100, Activation.ReLU), new(33, Activation.Tanh), new(17, Activation.Linear)], gradientCheck: false),
        Case(s => new Sce_I33_Leaky100_Sig16_Tanh13_Soft7(s), Loss.SoftmaxCrossEntropy, 33, [new(100, Activation.LeakyReLU), new(16, Activation.Sigmoid), new(13, Activation.Tanh), new(7, Activation.Softmax)], gradientCheck: false),
        Case(s => new Sce_I300_Relu248_Soft10(s), Loss.SoftmaxCrossEntropy, 300, [new(248, Activation.ReLU), new(10, Activation.Softmax)], gradientCheck: false),
        Case(s => new Sce_I784_Relu96_Soft10(s), Loss.SoftmaxCrossEntropy, 784, [new(96, Activation.ReLU), new(10, Activation.Softmax)], gradientCheck: false),
        Case(s => new Mse_I13_Relu600_Leaky112(s), Loss.MeanSquaredError, 13, [new(600, Activation.ReLU), new(112, Activation.LeakyReLU)], gradientCheck: false),
        Case(s => new Mse_I7_Tanh520_Lin130(s), Loss.MeanSquaredError, 7, [new(520, Activation.Tanh), new(130, Activation.Linear)], gradientCheck: false),
        Case(s => new Bce_I17_Tanh16_Relu33_Sig1(s), Loss.BinaryCrossEntropy, 17, [new(16, Activation.Tanh), new(33, Activation.ReLU), new(1, Activation.Sigmoid)], gradientCheck: true),
        Case(s => new Mse_I1_Sig13_Leaky7_Soft100(s), Loss.MeanSquaredError, 1, [new(13, Activation.Sigmoid), new(7, Activation.LeakyReLU), new(100, Activation.Softmax)], gradientCheck: false),
        Case(s => new Mse_I7_Relu33_Sig17_Leaky3_Tanh16(s), Loss.MeanSquaredError, 7, [new(33, Activation.ReLU), new(17, Activation.Sigmoid), new(3, Activation.LeakyReLU), new(16, Activation.Tanh)], gradientCheck: true),
        Case(s => new Mse_I100_Tanh1_Sig100(s), Loss.MeanSquaredError, 100, [new(1, Activation.Tanh), new(100, Activation.Sigmoid)], gradientCheck: true),
        Case(s => new Mse_I16_Relu16_Relu16_Lin16(s), Loss.MeanSquaredError, 16, [new(16, Activation.ReLU), new(16, Activation.ReLU), new(16, Activation.Linear)], gradientCheck: true),
        Case(s => new Sce_I64_Relu64_Tanh32_Soft8(s), Loss.SoftmaxCrossEntropy, 64, [new(64, Activation.ReLU), new(32, Activation.Tanh), new(8, Activation.Softmax)], gradientCheck: true),
        Case(s => new Mse_I3_Leaky65_Lin24_Sig9_Lin1(s), Loss.MeanSquaredError, 3, [new(65, Activation.LeakyReLU), new(24, Activation.Linear), new(9, Activation.Sigmoid), new(1, Activation.Linear)], gradientCheck: true),
        Case(s => new Sce_I13_Tanh7_Soft3(s), Loss.SoftmaxCrossEntropy, 13, [new(7, Activation.Tanh), new(3, Activation.Softmax)], gradientCheck: true),
        // Layers of 128 units or more: the kernels loop over groups of column vectors instead of unrolling them.
        Case(s => new Sce_I200_Relu150_Leaky129_Soft10(s), Loss.SoftmaxCrossEntropy, 200, [new(150, Activation.ReLU), new(129, Activation.LeakyReLU), new(10, Activation.Softmax)], gradientCheck: false),
        Case(s => new Mse_I130_Relu2_Tanh144(s), Loss.MeanSquaredError, 130, [new(2, Activation.ReLU), new(144, Activation.Tanh)], gradientCheck: true),
        // ELU, GELU, SiLU, Softplus, HardSigmoid, LeakyReLU with a slope; MAE, Huber, categorical cross-entropy.
        Case(s => new Mse_I7_Elu13_Gelu5(s), Loss.MeanSquaredError, 7, [new(13, Activation.ELU), new(5, Activation.GELU)], gradientCheck: true),
        Case(s => new Mse_I9_Gelu17_Silu3(s), Loss.MeanSquaredError, 9, [new(17, Activation.GELU), new(3, Activation.SiLU)], gradientCheck: true),
        Case(s => new Mse_I5_Silu16_Softplus7(s), Loss.MeanSquaredError, 5, [new(16, Activation.SiLU), new(7, Activation.Softplus)], gradientCheck: true),
        Case(s => new Mse_I13_Softplus9_HardSig6(s), Loss.MeanSquaredError, 13, [new(9, Activation.Softplus), new(6, Activation.HardSigmoid)], gradientCheck: true),
        Case(s => new Mse_I6_HardSig11_Elu4(s), Loss.MeanSquaredError, 6, [new(11, Activation.HardSigmoid), new(4, Activation.ELU)], gradientCheck: true),
        Case(s => new Mse_I7_Leaky13s_Leaky5s(s), Loss.MeanSquaredError, 7, [new(13, Activation.LeakyReLU, 0.2f), new(5, Activation.LeakyReLU, 0.3f)], gradientCheck: true),
        Case(s => new Mse_I12_Gelu9(s), Loss.MeanSquaredError, 12, [new(9, Activation.GELU)], gradientCheck: true),
        Case(s => new Mae_I8_Gelu12_Lin3(s), Loss.MeanAbsoluteError, 8, [new(12, Activation.GELU), new(3, Activation.Linear)], gradientCheck: true),
        Case(s => new Mae_I5_Sig7(s), Loss.MeanAbsoluteError, 5, [new(7, Activation.Sigmoid)], gradientCheck: true),
        Case(s => new Huber_I5_Silu10_Lin4(s), Loss.Huber, 5, [new(10, Activation.SiLU), new(4, Activation.Linear)], gradientCheck: true, huberDelta: 0.5),
        Case(s => new Huber_I3_Relu17_Tanh6(s), Loss.Huber, 3, [new(17, Activation.ReLU), new(6, Activation.Tanh)], gradientCheck: true),
        Case(s => new Cce_I6_Elu14_Soft5(s), Loss.CategoricalCrossEntropy, 6, [new(14, Activation.ELU), new(5, Activation.Softmax)], gradientCheck: true),
        Case(s => new Cce_I4_Softplus6_Soft3(s), Loss.CategoricalCrossEntropy, 4, [new(6, Activation.Softplus), new(3, Activation.Softmax)], gradientCheck: true),
        Case(s => new Sce_I20_Gelu33_Silu17_Soft4(s), Loss.SoftmaxCrossEntropy, 20, [new(33, Activation.GELU), new(17, Activation.SiLU), new(4, Activation.Softmax)], gradientCheck: true),
        // L1/L2 weight penalties: in the loss and the weight gradients, not the biases.
        Case(s => new Mse_I7_Relu16L2_Lin5L1L2(s), Loss.MeanSquaredError, 7, [new(16, Activation.ReLU, L2: 0.01f), new(5, Activation.Linear, L1: 0.003f, L2: 0.002f)], gradientCheck: true),
        Case(s => new Sce_I9_Tanh12L1_Soft4L2(s), Loss.SoftmaxCrossEntropy, 9, [new(12, Activation.Tanh, L1: 0.004f), new(4, Activation.Softmax, L2: 0.01f)], gradientCheck: true),
    ];

    private static readonly Dictionary<string, NetworkCase> ByName = All.ToDictionary(c => c.Name, StringComparer.Ordinal);

    /// <summary>Every case, by name, for <c>[MemberData]</c>.</summary>
    public static TheoryData<string> Names => new(All.Select(c => c.Name));

    /// <summary>
    /// The cases the float finite-difference check runs on: all but the two widest (slow) and
    /// Mse_I1_Sig13_Leaky7_Soft100, whose gradients (about 1e-4: MSE over 100 softmax outputs) are below what float
    /// central differences resolve; the engine matrix still checks it against the reference.
    /// </summary>
    public static TheoryData<string> GradientCheckNames => new(All.Where(c => c.GradientCheck).Select(c => c.Name));

    public static NetworkCase Get(string name) => ByName[name];

    private static NetworkCase Case<T>(Func<int, T> create, Loss loss, int inputSize, LayerSpec[] layers, bool gradientCheck, double huberDelta = 1.0)
        where T : INetwork, new()
        => new(typeof(T).Name, new ReferenceNetwork(inputSize, layers, loss, huberDelta), seed => create(seed), () => new T(), gradientCheck);
}
