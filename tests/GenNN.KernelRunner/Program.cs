// Runs the engine matrix (every generated path against the double-precision reference) without a test host, then
// training on several threads against one thread (the worker pool, the two-phase TrainBatch and the fused step):
//   dotnet run -c Release --project tests/GenNN.KernelRunner [-- --quick]
// .ci/run publishes it for linux-arm64 and runs it under qemu-aarch64, where it checks the Vector128 (NEON) bodies.
// Each network goes through Predict, PredictBatch, TrainBatch and one optimiser step against the reference, and the
// NaN-propagation checks. --quick takes a subset that still covers every kernel shape: ragged rows, layers narrower
// than a vector, every activation, every loss (the whole set takes ~25 s under qemu, --quick ~8 s).
// KERNELRUNNER_TRACE=1 prints each network's name before its checks (to find the one before a crash).
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using GenNN;
using GenNN.Tests.Numerics;

bool quick = args.Contains("--quick");
KernelPath path = Mse_I100_Relu100_Tanh33_Lin17.KernelPath;
Console.WriteLine($"gen-nn kernel path: {path} ({RuntimeInformation.ProcessArchitecture}; Vector128.IsHardwareAccelerated=" +
    $"{Vector128.IsHardwareAccelerated}, Vector256.IsHardwareAccelerated={Vector256.IsHardwareAccelerated})");

IEnumerable<NetworkCase> cases = NetworkCases.All;
if (quick)
{
    // One network per hidden activation x output/loss pair (from the gradient-checked ones), plus the widest.
    var picked = new List<NetworkCase>();
    foreach (Activation hidden in Combinations.Hidden)
    {
        foreach ((Activation output, Loss loss) in Combinations.OutputPairs)
        {
            NetworkCase? c = NetworkCases.All.FirstOrDefault(c => !picked.Contains(c) && c.Reference.Loss == loss
                && c.Reference.Layers[^1].Activation == output && c.Reference.Layers.SkipLast(1).Any(l => l.Activation == hidden));
            if (c is not null && picked.Count(p => p.Reference.Layers.SkipLast(1).Any(l => l.Activation == hidden)) < 2) picked.Add(c);
        }
    }

    picked.Add(NetworkCases.Get(nameof(Mse_I100_Relu100_Tanh33_Lin17)));
    cases = picked.Distinct();
}

var matrix = new EngineMatrixTests();
var nan = new NanPropagationTests();
var checks = new (string Name, Action<string> Run)[]
{
    ("Predict", matrix.Predict_matches_reference),
    ("PredictBatch", matrix.PredictBatch_matches_reference),
    ("TrainBatch", matrix.TrainBatch_matches_reference),
    ("optimiser step", OptimiserStep),
    ("Predict NaN", nan.Predict_turns_a_NaN_feature_into_NaN_outputs),
    ("PredictBatch NaN", nan.PredictBatch_turns_a_NaN_feature_into_NaN_outputs_of_that_sample_only),
    ("TrainBatch NaN", nan.TrainBatch_turns_a_NaN_parameter_into_NaN_outputs_loss_and_gradients),
};

int passed = 0, failed = 0;
var clock = Stopwatch.StartNew();
foreach (NetworkCase c in cases)
{
    if (Environment.GetEnvironmentVariable("KERNELRUNNER_TRACE") == "1") Console.WriteLine($"network {c.Name}");
    foreach ((string name, Action<string> run) in checks)
    {
        try
        {
            run(c.Name);
            passed++;
        }
        catch (Exception e)
        {
            failed++;
            Console.WriteLine($"FAIL {c.Name} {name}: {e.Message}");
        }
    }
}

// The layer kinds beyond Dense: Flatten and the pooling networks against their flat twins, the pooling kernels against
// the plain reference and finite differences.
var flatten = new FlattenTests();
var pooling = new GenNN.Tests.Kernels.PoolingTests();
var poolingNetworks = new PoolingNetworkTests();
var layerChecks = new List<(string Name, Action Run)>
{
    ("Flatten after a shaped input", flatten.A_flattened_image_network_computes_the_flat_networks_bits),
    ("Flatten between dense layers", flatten.Flatten_between_dense_layers_passes_the_outputs_and_the_deltas_through),
    ("max pool NaN", pooling.Max_propagates_NaN_and_routes_its_delta_to_the_first_NaN),
    ("max pool NaN in vector lanes and the tail", pooling.Max_propagates_NaN_from_any_cell_in_every_lane_and_the_tail),
    ("max pool of equal zeros", pooling.Max_of_equal_zeros_keeps_the_first_as_PyTorch),
};
foreach (object[] g in GenNN.Tests.Kernels.PoolingTests.Geometries)
{
    var (h, w, ch, pool, stride, same) = ((int)g[0], (int)g[1], (int)g[2], (int)g[3], (int)g[4], (bool)g[5]);
    layerChecks.Add(($"pooling forward {h}x{w}x{ch}", () => pooling.Forward_matches_the_reference_on_every_sample(h, w, ch, pool, stride, same)));
    layerChecks.Add(($"pooling backward {h}x{w}x{ch}", () => pooling.Backward_is_the_gradient_of_the_forward_pass(h, w, ch, pool, stride, same)));
}

foreach (string name in PoolingNetworkTests.Cases)
{
    layerChecks.Add((name, () => poolingNetworks.A_pooling_network_computes_its_dense_layers_on_the_pooled_input(name)));
}

// Convolutions against PyTorch (forward, gradients of 13 samples and of 1, one SGD and one Adam step), against central
// differences, and split across threads against one thread.
var convGolden = new GenNN.Tests.Convolution.ConvGoldenTests();
var convNetworks = new GenNN.Tests.Convolution.ConvNetworkTests();
foreach (string name in GenNN.Tests.Convolution.ConvGoldenTests.Cases)
{
    layerChecks.Add(($"{name} forward vs PyTorch", () => convGolden.Forward_matches_PyTorch(name)));
    layerChecks.Add(($"{name} gradients vs PyTorch", () => convGolden.Loss_and_gradients_match_PyTorch_for_13_samples_and_for_1(name)));
    layerChecks.Add(($"{name} SGD and Adam steps vs PyTorch", () => convGolden.One_SGD_and_one_Adam_step_match_PyTorch(name)));
}

layerChecks.Add(("convolution central differences", () => convNetworks.TrainBatch_gradient_matches_central_differences_of_its_loss(nameof(GenNN.Tests.Convolution.SmoothConv))));
layerChecks.Add(("convolution after a dropout, central differences", () => convNetworks.TrainBatch_gradient_matches_central_differences_of_its_loss(nameof(GenNN.Tests.Convolution.SmoothConvDrop))));
foreach ((string name, int channels) in new[] { (nameof(GenNN.Tests.Convolution.GoldenConvA), 3), (nameof(GenNN.Tests.Convolution.GoldenConv1D), 2) })
{
    layerChecks.Add(($"{name} NaN propagation", () => convNetworks.A_NaN_pixel_makes_its_sample_NaN_and_leaves_the_others_alone(name, channels)));
}

layerChecks.Add(("convolution on 3 threads", () => convNetworks.TrainBatch_on_parts_gives_one_thread_s_gradients_bit_for_bit(
    nameof(GenNN.Tests.Convolution.GoldenConvB), 3, 203, GenNN.Tests.Convolution.ConvNetworkTests.ConvBTraining)));
layerChecks.Add(("convolution weight gradient in blocks of samples", convNetworks.A_weight_gradient_walked_in_blocks_of_samples_adds_up_every_block));

// 3 x 3 stride-1 convolutions, which Predict runs as Winograd F(2x2, 3x3), against a direct convolution in double and
// against TrainBatch's direct forward pass.
var winograd = new GenNN.Tests.Convolution.WinogradTests();
foreach (string name in GenNN.Tests.Convolution.WinogradTests.Names)
{
    layerChecks.Add(($"{name} Winograd Predict vs a direct convolution", () => winograd.Predict_matches_a_direct_convolution_in_double(name)));
}

foreach (string name in GenNN.Tests.Convolution.WinogradTests.AllNames)
{
    layerChecks.Add(($"{name} Winograd Predict vs TrainBatch", () => winograd.Predict_agrees_with_TrainBatch_s_direct_forward_pass(name)));
}

// BatchNorm against PyTorch (eval outputs through Predict and PredictBatch; TrainBatch of 13 with its loss, outputs,
// gradients and running statistics (not num_batches_tracked: reading it saves the network, whose SHA-256 needs OpenSSL,
// which the linux-arm64 run under qemu lacks; the test suite checks it), and of 2; one SGD and one Adam step), against central differences (SmoothBn), split
// across 2 and 3 threads against one thread (gradients, running statistics and outputs bit for bit), and NaN. Like the
// convolution checks, all of them run in --quick mode too.
var bnGolden = new GenNN.Tests.Normalization.BatchNormGoldenTests();
var bnNetworks = new GenNN.Tests.Normalization.BatchNormNetworkTests();
foreach (string name in new[] { nameof(GenNN.Tests.Normalization.GoldenBnA), nameof(GenNN.Tests.Normalization.GoldenBn1D) })
{
    layerChecks.Add(($"{name} eval outputs vs PyTorch", () => bnGolden.Predict_uses_the_running_statistics_as_PyTorch_eval_does(name)));
    layerChecks.Add(($"{name} TrainBatch of 13 vs PyTorch", () => bnGolden.TrainBatch_gives_PyTorch_train_outputs_loss_gradients_and_running_statistics(name)));
    layerChecks.Add(($"{name} TrainBatch of 2 vs PyTorch", () => bnGolden.TrainBatch_of_2_matches_PyTorch(name)));
    layerChecks.Add(($"{name} SGD and Adam steps vs PyTorch", () => bnGolden.One_SGD_and_one_Adam_step_match_PyTorch_and_leave_the_state_to_the_forward_pass(name)));
}

layerChecks.Add(("BatchNorm central differences", bnNetworks.TrainBatch_gradient_matches_central_differences_of_its_loss));
foreach (int threads in new[] { 2, 3 })
{
    layerChecks.Add(($"BatchNorm on {threads} threads", () => bnNetworks.TrainBatch_on_parts_gives_one_thread_s_gradients_state_and_outputs_bit_for_bit(threads)));
}

layerChecks.Add(("BatchNorm NaN input", bnNetworks.A_NaN_input_makes_its_sample_NaN_in_Predict_and_leaves_the_others_alone));
layerChecks.Add(("BatchNorm NaN running variance", bnNetworks.A_NaN_running_variance_reaches_Predict_s_outputs));

// PredictBatch of 128+ rows reads the wide Dense layers' weights in panels: the bits of the same rows in small batches.
var packedWeights = new GenNN.Tests.Numerics.PackedWeightsTests();
foreach (string name in new[] { "Sce_I64_Relu64_Tanh32_Soft8", "Mse_I130_Relu2_Tanh144", "Mse_I13_Relu600_Leaky112", "Sce_I784_Relu96_Soft10", "WideSce" })
{
    layerChecks.Add(($"{name} PredictBatch with packed weights", () => packedWeights.A_large_batch_keeps_the_bits_of_small_batches(name)));
}

// A TrainBatch of 32+ rows on one thread reads the weights of Dense layers of 512+ inputs in panels too.
foreach (string name in new[] { "Sce_I784_Relu96_Soft10", "Mse_I13_Relu600_Leaky112" })
{
    layerChecks.Add(($"{name} TrainBatch with packed weights", () => packedWeights.TrainBatch_with_packed_weights_keeps_the_bits_of_a_small_batch(name)));
}

layerChecks.Add(("PredictBatch with packed weights, NaN", packedWeights.A_NaN_input_stays_in_its_sample_when_the_weights_are_packed));

foreach ((string name, Action run) in layerChecks)
{
    try
    {
        run();
        passed++;
    }
    catch (Exception e)
    {
        failed++;
        Console.WriteLine($"FAIL {name}: {e.Message}");
    }
}

// On 2 and 3 threads, three TrainOnBatch + Adam steps must give one thread's parameters and outputs, bit for bit
// (these networks' layers are ReLU, tanh or GELU of widths that are whole vectors, or ReLU and linear).
var parallelCases = new (string Name, Func<int, INetwork> Create, int Rows)[]
{
    (nameof(GenNN.Tests.Parallel.WideSce), d => new GenNN.Tests.Parallel.WideSce(4) { MaxDegreeOfParallelism = d }, 203),
    (nameof(GenNN.Tests.Parallel.WideDropMse), d => new GenNN.Tests.Parallel.WideDropMse(4) { MaxDegreeOfParallelism = d }, 203),
    (nameof(GenNN.Tests.Parallel.CutSlices), d => new GenNN.Tests.Parallel.CutSlices(4) { MaxDegreeOfParallelism = d }, 600),
    (nameof(GenNN.Tests.Parallel.WidePackSce), d => new GenNN.Tests.Parallel.WidePackSce(4) { MaxDegreeOfParallelism = d }, 203),
};
foreach ((string name, Func<int, INetwork> create, int rows) in parallelCases)
{
    (float[] one, float[] oneOutputs) = TrainThreeSteps(create(1), rows);
    foreach (int threads in new[] { 2, 3 })
    {
        (float[] parameters, float[] outputs) = TrainThreeSteps(create(threads), rows);
        if (one.AsSpan().SequenceEqual(parameters) && oneOutputs.AsSpan().SequenceEqual(outputs))
        {
            passed++;
        }
        else
        {
            failed++;
            Console.WriteLine($"FAIL {name} TrainOnBatch on {threads} threads: the parameters or outputs differ from one thread's.");
        }
    }
}

Console.WriteLine($"{cases.Count()} networks, {layerChecks.Count} checks of other layer kinds (flatten, pooling, convolution, batch normalisation) and {parallelCases.Length} networks on several threads, {clock.Elapsed.TotalSeconds:F1} s on the {path} path");
Console.WriteLine($"{passed} passed, {failed} failed");
return failed == 0 ? 0 : 1;

// Three TrainOnBatch + Adam steps (dropout seeded) on fixed data: the parameters and the last batch's outputs.
static (float[] Parameters, float[] Outputs) TrainThreeSteps(INetwork network, int rows)
{
    var random = new Random(5);
    float[] inputs = Enumerable.Range(0, rows * network.InputSize).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
    float[] targets = network.Loss == Loss.SoftmaxCrossEntropy
        ? Enumerable.Range(0, rows).Select(_ => (float)random.Next(network.OutputSize)).ToArray()
        : Enumerable.Range(0, rows * network.TargetSize).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
    network.SeedDropout(9);
    var adam = new Adam(1e-2f);
    var outputs = new float[rows * network.OutputSize];
    for (int step = 0; step < 3; step++)
    {
        network.TrainOnBatch(inputs, targets, default, rows, adam, outputs);
    }

    return (network.Parameters.ToArray(), outputs);
}

// TrainBatch, then one SGD-with-momentum step: the parameters must move by exactly -lr * gradient on the first step,
// with the gradient that the reference computes.
static void OptimiserStep(string name)
{
    NetworkCase c = NetworkCases.Get(name);
    ReferenceNetwork r = c.Reference;
    INetwork network = c.CreatePerturbed(41);
    double[] p = TestData.ToDouble(network.Parameters);
    var random = new Random(42);
    const int batch = 13;
    float[] inputs = TestData.Inputs(r, p, batch, random, 1e-4);
    float[] targets = TestData.Targets(r, batch, random);
    var gradient = new double[r.ParameterCount];
    r.LossAndGradient(p, TestData.ToDouble(inputs), TestData.ToDouble(targets), batch, gradient);

    network.TrainBatch(inputs, targets, batch);
    var optimizer = new Sgd(0.125f, momentum: 0.9f);
    optimizer.Step(network.Parameters, network.Gradients);
    double[] expected = p.Select((v, i) => v - 0.125 * gradient[i]).ToArray();
    NumericAssert.AllClose(network.Parameters, expected, $"{r.Topology} one SGD step", r.DescribeParameter);
}
