// The gen-nn side of bench/compare.sh. One run measures every case once and prints one JSON object per line:
//   {"runner":"gennn","case":"mlp64_predict","value":1.93,"unit":"us/call"}
// compare.sh alternates this program with bench/peer_torch.py and bench/GenNN.CompareOrt over several rounds and
// bench/report.py takes the medians. The timing helpers are in Timing.cs, which GenNN.CompareOrt links too.
//   dotnet run -c Release --project bench/GenNN.Compare -- [--data /usr/share/datasets/fashion-mnist] [--quick]
//   ... -- --save-weights DIR   writes the predicted networks' weights (seed 42, as timed here) to DIR/mlp64.safetensors,
//                               DIR/iris16.safetensors and DIR/cnn.safetensors and exits: the PyTorch and ONNX Runtime
//                               sides predict with them too.
//   ... -- --cnn                issue 9's cases instead: the FashionMnistCnn network's Predict, one training epoch on one
//                               thread and its test accuracy, and the bytes per Predict and per TrainBatch. The epoch
//                               starts from the predicted (seed-42) weights, as PyTorch's does, so that the two accuracies
//                               differ only by the training (shuffle and dropout masks change every run).
// Within a run, timed cases repeat several times after a warm-up and report their median; one epoch of training per
// network is timed once per run (a fresh model each run, so every round trains the same way).
using System;
using System.Diagnostics;
using System.IO;
using System.Threading;
using GenNN;
using GenNN.Bench;
using Samples.FashionMnistCnn;

string dataDir = "/usr/share/datasets/fashion-mnist";
bool quick = false, cnn = false;
string? saveWeights = null;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--data": dataDir = args[++i]; break;
        case "--quick": quick = true; break;
        case "--save-weights": saveWeights = args[++i]; break;
        case "--cnn": cnn = true; break;
        default: throw new ArgumentException($"Unknown argument '{args[i]}'; expected --data DIR, --quick, --cnn or --save-weights DIR.");
    }
}

// The seed of the predicted networks below: one weight set for all three sides.
const int PredictSeed = 42;
if (saveWeights is not null)
{
    Directory.CreateDirectory(saveWeights);
    new Mlp64(PredictSeed).Save(Path.Combine(saveWeights, "mlp64.safetensors"));
    new Iris16(PredictSeed).Save(Path.Combine(saveWeights, "iris16.safetensors"));
    new FashionMnistCnn(PredictSeed).Save(Path.Combine(saveWeights, "cnn.safetensors"));
    return 0;
}

int repeats = quick ? 3 : 7;
if (Environment.ProcessorCount == 1 && Environment.GetEnvironmentVariable("DOTNET_TC_DelaySingleProcMultiplier") is null)
{
    Console.Error.WriteLine("warning: one CPU and DOTNET_TC_DelaySingleProcMultiplier unset: tier-1 code may arrive only after the timings (see WarmUp).");
}

Dataset train = Idx.Load(Path.Combine(dataDir, "train-images-idx3-ubyte.gz"), Path.Combine(dataDir, "train-labels-idx1-ubyte.gz"));
Dataset test = Idx.Load(Path.Combine(dataDir, "t10k-images-idx3-ubyte.gz"), Path.Combine(dataDir, "t10k-labels-idx1-ubyte.gz"));
Emit("info_isa", System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? "Vector512"
    : System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated ? "Vector256" : "scalar", "widest accelerated vector");
Emit("info_dotnet", Environment.Version.ToString(), "runtime");
if (cnn)
{
    RunCnn(train, test, repeats);
    return 0;
}

var mlp = new Mlp64(PredictSeed);
float[] image = test.GetFeatures(0).ToArray();
float[] probabilities = new float[Mlp64.OutputSize];
var iris = new Iris16(PredictSeed);
float[] flower = { 0.3f, -0.6f, 0.5f, -0.1f };
float[] irisOut = new float[Iris16.OutputSize];
const int BatchRows = 1024;
float[] batch = test.Features.Slice(0, BatchRows * 784).ToArray();
float[] batchOut = new float[BatchRows * Mlp64.OutputSize];
WarmUp(train, test, mlp, image, probabilities, iris, flower, irisOut, batch, batchOut);

// ---- 784-64-64-10, one sample: the first test image. ----
Emit("mlp64_predict", 1e6 * MedianSecondsPerCall(() =>
{
    for (int k = 0; k < 1000; k++)
    {
        mlp.Predict(image, probabilities);
    }
}, 1000, repeats), "us/call");

// ---- 4-16-3, one sample: a fixed flower (the same four numbers as the peer). ----
Emit("iris_predict", 1e9 * MedianSecondsPerCall(() =>
{
    for (int k = 0; k < 100_000; k++)
    {
        iris.Predict(flower, irisOut);
    }
}, 100_000, repeats), "ns/call");

// ---- 784-64-64-10, PredictBatch of the first 1024 test images. ----
Emit("mlp64_batch1024", BatchRows / MedianSecondsPerCall(() => mlp.PredictBatch(batch, batchOut, BatchRows), 1, repeats) / 1e6, "M samples/s");

// ---- Bytes allocated per call after warm-up (this thread). ----
Emit("alloc_predict", BytesPerCall(() => mlp.Predict(image, probabilities), 10_000), "B/call");
Emit("alloc_predict_iris", BytesPerCall(() => iris.Predict(flower, irisOut), 10_000), "B/call");
Emit("alloc_batch1024", BytesPerCall(() => mlp.PredictBatch(batch, batchOut, BatchRows), 200), "B/call");
{
    var net = new Mlp64(seed: 1);
    float[] x = train.Features.Slice(0, 64 * 784).ToArray();
    float[] y = train.Targets.Slice(0, 64).ToArray();
    Emit("alloc_trainbatch", BytesPerCall(() => net.TrainBatch(x, y, 64), 200), "B/call");
    var adam = new Adam(1e-3f);
    Emit("alloc_trainstep", BytesPerCall(() => { net.TrainBatch(x, y, 64); adam.Step(net.Parameters, net.Gradients); }, 200), "B/call");
}

// ---- One epoch of Fashion-MNIST, Adam(1e-3), batch 64, shuffled; then test accuracy. ----
int seed = Environment.TickCount;   // a new shuffle every run, as the peer's
TrainEpoch("mlp64", () => new Mlp64(seed), train, test, seed);
TrainEpoch("mlp256", () => new Mlp256(seed), train, test, seed);
return 0;

// Runs every measured path for at least 3 s, pausing between sweeps, so that tiered compilation has promoted
// all of them to optimised (tier-1, PGO) code before anything is timed. When the process is pinned to one core the
// runtime multiplies its 100 ms call-counting delay by 10 (DOTNET_TC_DelaySingleProcMultiplier) and restarts it on
// every new tier-0 method, so even this warm-up timed tier-0 code (18 us instead of 1.1 us per 784-64-64-10 Predict);
// compare.sh sets DOTNET_TC_DelaySingleProcMultiplier=1, which changes when tier-1 code arrives, not what it is.
static void WarmUp(Dataset train, Dataset test, Mlp64 mlp, float[] image, float[] probabilities, Iris16 iris, float[] flower,
    float[] irisOut, float[] batch, float[] batchOut)
{
    INetwork[] nets = { new Mlp64(seed: 1), new Mlp256(seed: 1) };
    Adam[] adams = { new Adam(1e-3f), new Adam(1e-3f) };
    Dataset small = train.Subset(Range(0, 256));
    Dataset smallTest = test.Subset(Range(0, 256));
    long until = Stopwatch.GetTimestamp() + 3 * Stopwatch.Frequency;
    for (int sweep = 0; sweep < 40 || Stopwatch.GetTimestamp() < until; sweep++)
    {
        for (int k = 0; k < 200; k++)
        {
            mlp.Predict(image, probabilities);
        }

        for (int k = 0; k < 2000; k++)
        {
            iris.Predict(flower, irisOut);
        }

        mlp.PredictBatch(batch, batchOut, 1024);
        for (int n = 0; n < nets.Length; n++)
        {
            foreach (Batch b in small.Batches(64, shuffle: true, seed: sweep))
            {
                nets[n].TrainBatch(b.Features, b.Targets, b.Count);
                adams[n].Step(nets[n].Parameters, nets[n].Gradients);
            }

            if (sweep % 8 == 0)
            {
                Trainer.Fit(nets[n], small, adams[n], epochs: 1, batchSize: 64, seed: sweep);
                Trainer.Evaluate(nets[n], smallTest);
            }
        }

        Thread.Sleep(20);
    }
}

static void TrainEpoch(string name, Func<INetwork> create, Dataset train, Dataset test, int seed)
{
    // Plain loop: TrainBatch + Adam.Step over shuffled batches.
    INetwork net = create();
    var adam = new Adam(1e-3f);
    BatchLoader loader = train.Batches(64, shuffle: true, seed: seed);
    long start = Stopwatch.GetTimestamp();
    foreach (Batch b in loader)
    {
        net.TrainBatch(b.Features, b.Targets, b.Count);
        adam.Step(net.Parameters, net.Gradients);
    }

    double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
    Emit(name + "_train_loop", train.Count / seconds / 1e3, "K samples/s");
    Emit(name + "_acc_loop", Trainer.Evaluate(net, test).Accuracy ?? double.NaN, "accuracy");

    // Trainer.Fit for one epoch (adds per-batch accuracy counting and the loss check).
    INetwork fitted = create();
    start = Stopwatch.GetTimestamp();
    Trainer.Fit(fitted, train, new Adam(1e-3f), epochs: 1, batchSize: 64, seed: seed);
    seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
    Emit(name + "_train_fit", train.Count / seconds / 1e3, "K samples/s");
    Emit(name + "_acc_fit", Trainer.Evaluate(fitted, test).Accuracy ?? double.NaN, "accuracy");
}

// Issue 9's cases on the FashionMnistCnn network, one thread: Predict of the first test image (seed-42 weights, which the
// peers load too), the bytes per Predict and per TrainBatch(64), and one epoch of TrainBatch + Adam.Step over shuffled
// batches of 64 (with its dropout) and the test accuracy after it.
static void RunCnn(Dataset train, Dataset test, int repeats)
{
    var net = new FashionMnistCnn(PredictSeed) { MaxDegreeOfParallelism = 1 };
    float[] image = test.GetFeatures(0).ToArray();
    float[] probabilities = new float[FashionMnistCnn.OutputSize];
    float[] x = train.Features.Slice(0, 64 * 784).ToArray();
    float[] y = train.Targets.Slice(0, 64).ToArray();
    var warm = new FashionMnistCnn(seed: 1) { MaxDegreeOfParallelism = 1 };
    var warmAdam = new Adam(1e-3f);
    long until = Stopwatch.GetTimestamp() + 3 * Stopwatch.Frequency;
    for (int sweep = 0; sweep < 20 || Stopwatch.GetTimestamp() < until; sweep++)
    {
        for (int k = 0; k < 50; k++)
        {
            net.Predict(image, probabilities);
        }

        warm.TrainBatch(x, y, 64);
        warmAdam.Step(warm.Parameters, warm.Gradients);
        Thread.Sleep(20);
    }

    Emit("cnn_predict", 1e6 * MedianSecondsPerCall(() =>
    {
        for (int k = 0; k < 100; k++)
        {
            net.Predict(image, probabilities);
        }
    }, 100, repeats), "us/call");
    Emit("alloc_cnn_predict", BytesPerCall(() => net.Predict(image, probabilities), 1000), "B/call");
    Emit("alloc_cnn_trainbatch", BytesPerCall(() => warm.TrainBatch(x, y, 64), 20), "B/call");

    int seed = Environment.TickCount;   // a new shuffle and new dropout masks every run, as the peer's
    var model = new FashionMnistCnn(PredictSeed) { MaxDegreeOfParallelism = 1 };   // the weights PyTorch starts from too
    model.SeedDropout((ulong)seed);
    var adam = new Adam(1e-3f);
    long start = Stopwatch.GetTimestamp();
    foreach (Batch b in train.Batches(64, shuffle: true, seed: seed))
    {
        model.TrainBatch(b.Features, b.Targets, b.Count);
        adam.Step(model.Parameters, model.Gradients);
    }

    double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
    Emit("cnn_train_loop", train.Count / seconds / 1e3, "K samples/s");
    Emit("cnn_epoch_seconds", seconds, "s");
    Emit("cnn_acc_loop", Trainer.Evaluate(model, test).Accuracy ?? double.NaN, "accuracy");
}

static int[] Range(int start, int count)
{
    var rows = new int[count];
    for (int i = 0; i < count; i++)
    {
        rows[i] = start + i;
    }

    return rows;
}

static double MedianSecondsPerCall(Action body, int callsPerBody, int repeats) => Timing.MedianSecondsPerCall(body, callsPerBody, repeats);

static double BytesPerCall(Action call, int calls) => Timing.BytesPerCall(call, calls);

static void Emit(string name, object value, string unit) => Timing.Emit("gennn", name, value, unit);
