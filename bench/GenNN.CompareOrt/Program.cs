// The ONNX Runtime side of bench/compare.sh: the Predict and PredictBatch cases of bench/GenNN.Compare, timed on the
// ONNX files that bench/peer_torch.py exports from gen-nn's own weights, one JSON object per line:
//   {"runner":"ort","case":"mlp64_predict","value":8.3,"unit":"us/call"}
//   dotnet run -c Release --project bench/GenNN.CompareOrt -- --models DIR [--data /usr/share/datasets/fashion-mnist] [--quick]
//   ... -- --info    prints the ONNX Runtime version and session settings on one line, then exits
// DIR holds mlp64.onnx and iris16.onnx (peer_torch.py --export-onnx), the safetensors files they came from
// (GenNN.Compare --save-weights) and reference.json (PyTorch's outputs). Before timing anything, the run checks that ORT,
// gen-nn (the same weights, loaded in this process) and PyTorch agree on the inputs of the cases, and exits with 1 if
// any output differs by more than 1e-4.
//
// The session runs as a .NET developer would run it for the lowest latency on one core: one intra-op and one inter-op
// thread, sequential execution, every graph optimisation, and IO binding on preallocated OrtValues over pinned arrays,
// so that a call is one RunWithBinding and allocates nothing managed (measured below, as for gen-nn).
using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using GenNN;
using GenNN.Bench;
using Samples.FashionMnistCnn;
using Microsoft.ML.OnnxRuntime;

string dataDir = "/usr/share/datasets/fashion-mnist";
string? models = null;
bool quick = false;
bool info = false;
bool cnn = false;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--data": dataDir = args[++i]; break;
        case "--models": models = args[++i]; break;
        case "--quick": quick = true; break;
        case "--info": info = true; break;
        case "--cnn": cnn = true; break;
        default: throw new ArgumentException($"Unknown argument '{args[i]}'; expected --models DIR, --data DIR, --quick, --cnn or --info.");
    }
}

if (info)
{
    Console.WriteLine($"ONNX Runtime {OrtEnv.Instance().GetVersionString()} (NuGet Microsoft.ML.OnnxRuntime, C# API), "
        + $"CPU execution provider; {OrtSession.Settings}");
    return 0;
}

if (models is null)
{
    Console.Error.WriteLine("GenNN.CompareOrt: --models DIR is required (a folder written by GenNN.Compare --save-weights and peer_torch.py --export-onnx).");
    return 2;
}

int repeats = quick ? 3 : 7;
const int BatchRows = 1024;
Dataset test = Idx.Load(Path.Combine(dataDir, "t10k-images-idx3-ubyte.gz"), Path.Combine(dataDir, "t10k-labels-idx1-ubyte.gz"));
Emit("info_ort", OrtEnv.Instance().GetVersionString(), "version");
if (cnn)
{
    return RunCnn(models, test, repeats);
}


using var mlpSession = OrtSession.Open(Path.Combine(models, "mlp64.onnx"));
using var irisSession = OrtSession.Open(Path.Combine(models, "iris16.onnx"));
using var mlp = new BoundRun(mlpSession, 1, Mlp64.InputSize, Mlp64.OutputSize);
using var iris = new BoundRun(irisSession, 1, Iris16.InputSize, Iris16.OutputSize);
using var batch = new BoundRun(mlpSession, BatchRows, Mlp64.InputSize, Mlp64.OutputSize);
test.GetFeatures(0).CopyTo(mlp.Input);
new float[] { 0.3f, -0.6f, 0.5f, -0.1f }.CopyTo(iris.Input);   // the fixed flower of the other sides
test.Features.Slice(0, BatchRows * Mlp64.InputSize).CopyTo(batch.Input);

if (!Agrees(models, mlp, iris, batch))
{
    return 1;
}

WarmUp(mlp, iris, batch);

// ---- 784-64-64-10, one sample: the first test image. ----
Emit("mlp64_predict", 1e6 * Timing.MedianSecondsPerCall(() =>
{
    for (int k = 0; k < 1000; k++)
    {
        mlp.Run();
    }
}, 1000, repeats), "us/call");

// ---- 4-16-3, one sample: a fixed flower. ORT's per-call overhead is microseconds, so 1,000 calls per body, not
// gen-nn's 100,000 (the median is per call either way). ----
Emit("iris_predict", 1e9 * Timing.MedianSecondsPerCall(() =>
{
    for (int k = 0; k < 1000; k++)
    {
        iris.Run();
    }
}, 1000, repeats), "ns/call");

// ---- 784-64-64-10, one Run over the first 1024 test images. ----
Emit("mlp64_batch1024", BatchRows / Timing.MedianSecondsPerCall(batch.Run, 1, repeats) / 1e6, "M samples/s");

// ---- Managed bytes allocated per call after warm-up (this thread; ORT's native allocations are not counted). ----
Emit("alloc_predict", Timing.BytesPerCall(mlp.Run, 10_000), "B/call");
Emit("alloc_predict_iris", Timing.BytesPerCall(iris.Run, 10_000), "B/call");
Emit("alloc_batch1024", Timing.BytesPerCall(batch.Run, 200), "B/call");
return 0;

// Issue 9's Predict case: the FashionMnistCnn network (cnn.onnx, [batch, 1, 28, 28] NCHW, one channel, so the same 784
// floats as gen-nn's channels-last image) on the first test image, after checking it against gen-nn and PyTorch.
static int RunCnn(string models, Dataset test, int repeats)
{
    using var session = OrtSession.Open(Path.Combine(models, "cnn.onnx"));
    using var run = new BoundRun(session, new long[] { 1, 1, 28, 28 }, FashionMnistCnn.OutputSize);
    test.GetFeatures(0).CopyTo(run.Input);
    run.Run();
    float[] gen = new float[FashionMnistCnn.OutputSize];
    FashionMnistCnn.Load(Path.Combine(models, "cnn.safetensors")).Predict(run.Input, gen);
    using JsonDocument reference = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(models, "reference.json")));
    float[] torch = reference.RootElement.GetProperty("cnn_first_test_image").EnumerateArray().Select(v => v.GetSingle()).ToArray();
    foreach ((string other, float[] expected) in new[] { ("gennn", gen), ("torch", torch) })
    {
        double maxDiff = run.Output.Zip(expected, (a, b) => Math.Abs((double)a - b)).Max();
        Emit($"check_cnn_predict_vs_{other}", maxDiff, "max abs diff");
        if (!(maxDiff <= 1e-4) || expected.Length != run.Output.Length)
        {
            Console.Error.WriteLine($"GenNN.CompareOrt: cnn_predict: ORT and {other} differ by up to {maxDiff:G3} on the same weights and input.");
            return 1;
        }
    }

    long until = System.Diagnostics.Stopwatch.GetTimestamp() + System.Diagnostics.Stopwatch.Frequency;
    while (System.Diagnostics.Stopwatch.GetTimestamp() < until)
    {
        run.Run();
    }

    Emit("cnn_predict", 1e6 * Timing.MedianSecondsPerCall(() =>
    {
        for (int k = 0; k < 100; k++)
        {
            run.Run();
        }
    }, 100, repeats), "us/call");
    Emit("alloc_cnn_predict", Timing.BytesPerCall(run.Run, 1000), "B/call");
    return 0;
}

// Compares ORT's outputs with gen-nn's (Predict / PredictBatch on the safetensors files the ONNX files were exported
// from) and PyTorch's (reference.json) on the cases' inputs; prints one check line per pair.
static bool Agrees(string models, BoundRun mlp, BoundRun iris, BoundRun batch)
{
    const double Tolerance = 1e-4;
    using JsonDocument reference = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(models, "reference.json")));
    Mlp64 genMlp = Mlp64.Load(Path.Combine(models, "mlp64.safetensors"));
    Iris16 genIris = Iris16.Load(Path.Combine(models, "iris16.safetensors"));
    mlp.Run();
    iris.Run();
    batch.Run();

    float[] genOne = new float[Mlp64.OutputSize];
    genMlp.Predict(mlp.Input, genOne);
    float[] genFlower = new float[Iris16.OutputSize];
    genIris.Predict(iris.Input, genFlower);
    float[] genBatch = new float[batch.Output.Length];
    genMlp.PredictBatch(batch.Input, genBatch, batch.Output.Length / Mlp64.OutputSize);

    bool ok = true;
    ok &= Check("mlp64_predict", "gennn", mlp.Output, genOne);
    ok &= Check("mlp64_predict", "torch", mlp.Output, Floats(reference.RootElement.GetProperty("mlp64_first_test_image")));
    ok &= Check("iris_predict", "gennn", iris.Output, genFlower);
    ok &= Check("iris_predict", "torch", iris.Output, Floats(reference.RootElement.GetProperty("iris16_flower")));
    ok &= Check("mlp64_batch1024", "gennn", batch.Output, genBatch);
    ok &= Check("mlp64_batch1024", "torch", batch.Output, Floats(reference.RootElement.GetProperty("mlp64_first_1024_test_images")));
    return ok;

    static bool Check(string name, string other, float[] ort, float[] expected)
    {
        if (expected.Length != ort.Length)
        {
            Console.Error.WriteLine($"GenNN.CompareOrt: {name}: ORT gave {ort.Length} outputs, {other} {expected.Length}.");
            return false;
        }

        double maxDiff = 0;
        for (int i = 0; i < ort.Length; i++)
        {
            maxDiff = Math.Max(maxDiff, Math.Abs((double)ort[i] - expected[i]));
        }

        Emit($"check_{name}_vs_{other}", maxDiff, "max abs diff");
        if (!(maxDiff <= Tolerance))
        {
            Console.Error.WriteLine($"GenNN.CompareOrt: {name}: ORT and {other} differ by up to {maxDiff:G3} (tolerance {Tolerance:G1}) "
                + "on the same weights and input: the ONNX files do not hold the network the other sides time.");
            return false;
        }

        return true;
    }

    static float[] Floats(JsonElement array)
    {
        var values = new float[array.GetArrayLength()];
        int i = 0;
        foreach (JsonElement v in array.EnumerateArray())
        {
            values[i++] = v.GetSingle();
        }

        return values;
    }
}

// About 1 s of every timed call before anything is timed, so that the managed wrapper is tier-1 code and ORT's own
// first-run work (arena growth, kernel selection) is done; MedianSecondsPerCall warms each case up again.
static void WarmUp(BoundRun mlp, BoundRun iris, BoundRun batch)
{
    long until = System.Diagnostics.Stopwatch.GetTimestamp() + System.Diagnostics.Stopwatch.Frequency;
    for (int sweep = 0; sweep < 40 || System.Diagnostics.Stopwatch.GetTimestamp() < until; sweep++)
    {
        for (int k = 0; k < 100; k++)
        {
            mlp.Run();
            iris.Run();
        }

        batch.Run();
        System.Threading.Thread.Sleep(5);
    }
}

static void Emit(string name, object value, string unit) => Timing.Emit("ort", name, value, unit);

/// <summary>Opens the benchmark's sessions, all with the same settings.</summary>
internal static class OrtSession
{
    /// <summary>The settings, as the header of the results table states them.</summary>
    public const string Settings = "IntraOpNumThreads=1 InterOpNumThreads=1 ExecutionMode=ORT_SEQUENTIAL "
        + "GraphOptimizationLevel=ORT_ENABLE_ALL, IO binding on preallocated OrtValues over pinned float[]";

    public static InferenceSession Open(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path} not found: run bench/peer_torch.py --export-onnx on its folder first.", path);
        }

        using var options = new SessionOptions
        {
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        return new InferenceSession(path, options);
    }
}

/// <summary>
/// One input and one output buffer of a fixed batch size, bound once to a session's only input and output: Run is a
/// single RunWithBinding that reads <see cref="Input"/> and writes <see cref="Output"/> in place.
/// </summary>
internal sealed class BoundRun : IDisposable
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly OrtValue _input;
    private readonly OrtValue _output;
    private readonly OrtIoBinding _binding;

    public BoundRun(InferenceSession session, int rows, int inputSize, int outputSize)
        : this(session, new long[] { rows, inputSize }, outputSize)
    {
    }

    /// <summary>An input of any shape (batch first), e.g. <c>[1, 1, 28, 28]</c> for an image.</summary>
    public BoundRun(InferenceSession session, long[] inputShape, int outputSize)
    {
        _session = session;
        long inputs = 1;
        foreach (long d in inputShape) inputs *= d;
        int rows = (int)inputShape[0];
        Input = GC.AllocateArray<float>((int)inputs, pinned: true);
        Output = GC.AllocateArray<float>(rows * outputSize, pinned: true);
        _input = OrtValue.CreateTensorValueFromMemory(Input, inputShape);
        _output = OrtValue.CreateTensorValueFromMemory(Output, new long[] { rows, outputSize });
        _binding = session.CreateIoBinding();
        _binding.BindInput(session.InputNames[0], _input);
        _binding.BindOutput(session.OutputNames[0], _output);
    }

    /// <summary>The bound input, <c>rows x inputSize</c>, row-major.</summary>
    public float[] Input { get; }

    /// <summary>The bound output, <c>rows x outputSize</c>, row-major.</summary>
    public float[] Output { get; }

    public void Run() => _session.RunWithBinding(_runOptions, _binding);

    public void Dispose()
    {
        _binding.Dispose();
        _input.Dispose();
        _output.Dispose();
        _runOptions.Dispose();
    }
}
