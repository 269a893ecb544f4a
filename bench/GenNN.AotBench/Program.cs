// 784-64-64-10 Predict under the JIT or Native AOT; prints one JSON object per line, like bench/GenNN.Compare:
//   {"runner":"gennn-aot","case":"mlp64_predict","value":1.93,"unit":"us/call"}
// bench/aot.sh runs the JIT build and the AOT binary alternately and reports medians and ratios. Then a short training
// run (TrainOnBatch + Adam on one thread and on every core) that .ci/isa-checks.sh checks: the worker pool, the
// two-phase TrainBatch and the fused step under Native AOT, on every core equal to one thread's bits. Last, the same for a
// convolutional network with BatchNorm (ConvBn.cs): its predictions, and its training in stages by rows and channels.
//   [--rounds N]  timed rounds of 2000 calls after the warm-up (default 15); the median is reported
using System;
using System.Diagnostics;
using System.Globalization;
using GenNN;
using GenNN.Bench;

// Process start to first prediction: construct, predict once, read the clock. (The weights are seeded, not loaded:
// what is measured is the runtime's start-up and the first call's compilation, not file I/O.)
var mlp = new Mlp64(seed: 42);
float[] image = RandomData.Uniform(Mlp64.InputSize, 7);
float[] probabilities = new float[Mlp64.OutputSize];
mlp.Predict(image, probabilities);
double startMs = (DateTime.Now - Process.GetCurrentProcess().StartTime).TotalMilliseconds;

int rounds = 15;
for (int i = 0; i < args.Length; i++)
{
    if (args[i] == "--rounds") rounds = int.Parse(args[++i], CultureInfo.InvariantCulture);
    else throw new ArgumentException($"Unknown argument '{args[i]}'; expected --rounds N.");
}

// Nothing is JIT-compiled in an AOT binary. (PublishAot=true turns RuntimeFeature.IsDynamicCodeSupported off under
// the JIT too, so that cannot tell them apart.)
string runner = System.Runtime.JitInfo.GetCompiledMethodCount() == 0 ? "gennn-aot" : "gennn-jit";
Emit("info_kernel_path", Mlp64.KernelPath.ToString(), "");
// The lanes of Vector<float>, which the runtime's pooling loops run on: 0 when it is not accelerated and they take their
// scalar loops. Native AOT fixes its width when it compiles (4 lanes in the default build).
Emit("info_vector_lanes", (System.Numerics.Vector.IsHardwareAccelerated ? System.Numerics.Vector<float>.Count : 0).ToString(CultureInfo.InvariantCulture), "floats");
Emit("start_to_first_predict", startMs.ToString("F1", CultureInfo.InvariantCulture), "ms");

// Warm-up: long enough for tiered compilation to reach tier 1 with PGO under the JIT.
var clock = Stopwatch.StartNew();
while (clock.ElapsedMilliseconds < 3000)
{
    for (int k = 0; k < 1000; k++) mlp.Predict(image, probabilities);
}

var perCall = new double[rounds];
for (int r = 0; r < rounds; r++)
{
    long start = Stopwatch.GetTimestamp();
    for (int k = 0; k < 2000; k++) mlp.Predict(image, probabilities);
    perCall[r] = Stopwatch.GetElapsedTime(start).TotalMicroseconds / 2000;
}

Array.Sort(perCall);
Emit("mlp64_predict", perCall[rounds / 2].ToString("F3", CultureInfo.InvariantCulture), "us/call");
Emit("checksum", probabilities[0].ToString("R", CultureInfo.InvariantCulture), "");

// PredictBatch of 256 samples: from PackRows (128) on, the 64-unit layers read their weights packed in panels.
float[] batchInputs = RandomData.Uniform(256 * Mlp64.InputSize, 10);
float[] batchOutputs = new float[256 * Mlp64.OutputSize];
mlp.PredictBatch(batchInputs, batchOutputs, 256);
Emit("batch_checksum", Sum(batchOutputs, weighted: true).ToString("R", CultureInfo.InvariantCulture), "");

// Three TrainOnBatch + Adam steps at batch 128 (two parts or more on two cores and up), on one thread, then on every core.
float[] oneThread = Train(1), allCores = Train(Environment.ProcessorCount);
Emit("train_threads", Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture), "");
Emit("train_cores_equal_one_thread", oneThread.AsSpan().SequenceEqual(allCores) ? "yes" : "no", "");
double sum = 0;
foreach (float value in allCores) sum += value;
Emit("train_checksum", sum.ToString("R", CultureInfo.InvariantCulture), "");

// The convolutional network with BatchNorm: 64 images forward (inference mode, the running statistics), then three
// TrainOnBatch + Adam steps at batch 256 (the stages by rows and by channels) on one thread and on every core.
var convBn = new ConvBn(seed: 8);
float[] images = RandomData.Uniform(64 * ConvBn.InputSize, 9);
float[] convOutputs = new float[64 * ConvBn.OutputSize];
convBn.PredictBatch(images, convOutputs, 64);
Emit("cnn_checksum", Sum(convOutputs, weighted: true).ToString("R", CultureInfo.InvariantCulture), "");
float[] convOneThread = TrainConvBn(1), convAllCores = TrainConvBn(Environment.ProcessorCount);
Emit("cnn_train_cores_equal_one_thread", convOneThread.AsSpan().SequenceEqual(convAllCores) ? "yes" : "no", "");
Emit("cnn_train_checksum", Sum(convAllCores).ToString("R", CultureInfo.InvariantCulture), "");

// A sum of the values, each times 1 to 7 by position when weighted (a batch's probabilities alone always sum to its size).
static double Sum(float[] values, bool weighted = false)
{
    double total = 0;
    for (int i = 0; i < values.Length; i++) total += values[i] * (weighted ? i % 7 + 1 : 1);
    return total;
}

// The parameters, then the running statistics, after the steps.
static float[] TrainConvBn(int threads)
{
    var network = new ConvBn(seed: 10) { MaxDegreeOfParallelism = threads };
    var adam = new Adam(1e-3f);
    float[] inputs = RandomData.Uniform(256 * ConvBn.InputSize, 11);
    float[] labels = RandomData.Labels(256, ConvBn.OutputSize, 12);
    for (int step = 0; step < 3; step++)
    {
        network.TrainOnBatch(inputs, labels, 256, adam);
    }

    return [.. network.Parameters, .. network.State];
}

static float[] Train(int threads)
{
    var network = new Mlp64(seed: 3) { MaxDegreeOfParallelism = threads };
    var adam = new Adam(1e-3f);
    float[] inputs = RandomData.Uniform(128 * Mlp64.InputSize, 5);
    float[] labels = RandomData.Labels(128, Mlp64.OutputSize, 6);
    for (int step = 0; step < 3; step++)
    {
        network.TrainOnBatch(inputs, labels, 128, adam);
    }

    return network.Parameters.ToArray();
}

void Emit(string name, string value, string unit)
    => Console.WriteLine($"{{\"runner\":\"{runner}\",\"case\":\"{name}\",\"value\":\"{value}\",\"unit\":\"{unit}\"}}");
