// One thread against all cores, for issue 8's targets:
//   784-256-128-10 TrainBatch + Adam at batches 64 and 256, 784-64-64-10 PredictBatch(4096).
// Each round times one thread, then all cores (then the other order next round); the ratio is of the medians.
//   dotnet run -c Release --project bench/GenNN.ParallelBench -- [train|predict|sweep|alloc] [rounds]
// Pin it with taskset -c 0,1 and quote `uptime` with the figures: other builds on the machine depress the all-cores side.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using GenNN;
using GenNN.Bench;

string mode = args.Length > 0 ? args[0] : "all";
int rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 15;
int cores = Environment.ProcessorCount;
Console.WriteLine($"cores {cores}, kernel path {Mlp256.KernelPath}, rounds {rounds}");

if (mode is "train" or "all")
{
    foreach (int batch in new[] { 64, 256 })
    {
        Compare($"train 784-256-128-10 b{batch} (samples/s)", TrainRound(new Mlp256(1), batch), batch * 40);
    }
}

if (mode is "predict" or "all")
{
    Compare("PredictBatch(4096) 784-64-64-10 (samples/s)", PredictRound(new Mlp64(1), 4096), 4096 * 10);
}

if (mode is "sweep")
{
    // Where splitting starts to pay: the thresholds in WorkerPool come from here.
    foreach (int batch in new[] { 32, 64, 96, 128, 192, 256, 512 })
    {
        Compare($"PredictBatch({batch}) 784-64-64-10", PredictRound(new Mlp64(1), batch), batch * 200);
    }

    foreach (int batch in new[] { 8, 16, 32, 64 })
    {
        Compare($"train 784-64-64-10 b{batch}", TrainRound(new Mlp64(1), batch), batch * 100);
    }

    foreach (int batch in new[] { 4, 8, 16 })
    {
        Compare($"train 784-256-128-10 b{batch}", TrainRound(new Mlp256(1), batch), batch * 40);
    }
}

if (mode is "alloc")
{
    var network = new Mlp256(1);
    var adam = new Adam(1e-4f);
    float[] x = RandomData.Uniform(256 * 784, 2), y = RandomData.Labels(256, 10, 3);
    var outputs = new float[256 * 10];
    for (int i = 0; i < 100; i++) { network.TrainBatch(x, y, 256, outputs); network.PredictBatch(x, outputs, 256); adam.Step(network.Parameters, network.Gradients); }
    long before = GC.GetTotalAllocatedBytes(precise: true);
    for (int i = 0; i < 1000; i++) { network.TrainBatch(x, y, 256, outputs); network.PredictBatch(x, outputs, 256); adam.Step(network.Parameters, network.Gradients); }
    Console.WriteLine($"process-wide bytes over 1000 TrainBatch + PredictBatch + Step at batch 256: {GC.GetTotalAllocatedBytes(precise: true) - before}");
}

void Compare(string name, Func<int, int, double> round, int samples)
{
    int calls = Math.Max(1, samples);
    round(1, calls / 4);
    round(cores, calls / 4); // warm-up: JIT tiers, the pool, the workspace
    var one = new List<double>();
    var all = new List<double>();
    // CPU time over wall time of each side: how many cores the process really got (other builds share the machine).
    double cpuOne = 0, cpuAll = 0, wallOne = 0, wallAll = 0;
    void Time(int threads, List<double> results, ref double cpu, ref double wall)
    {
        TimeSpan cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        long start = Stopwatch.GetTimestamp();
        results.Add(round(threads, calls));
        wall += Stopwatch.GetElapsedTime(start).TotalSeconds;
        cpu += (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds;
    }

    for (int r = 0; r < rounds; r++)
    {
        if (r % 2 == 0)
        {
            Time(1, one, ref cpuOne, ref wallOne);
            Time(cores, all, ref cpuAll, ref wallAll);
        }
        else
        {
            Time(cores, all, ref cpuAll, ref wallAll);
            Time(1, one, ref cpuOne, ref wallOne);
        }
    }

    double m1 = Median(one), mAll = Median(all);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{name,-48} 1 thread {m1,12:N0} ({cpuOne / wallOne:F2} cores)   {cores} threads {mAll,12:N0} ({cpuAll / wallAll:F2} cores)   x{mAll / m1:F2}"));
}

static double Median(List<double> values)
{
    values.Sort();
    return values[values.Count / 2];
}

// Returns a function (threads, samples) -> samples per second.
static Func<int, int, double> TrainRound<T>(T network, int batch) where T : INetwork
{
    var adam = new Adam(1e-4f);
    float[] x = RandomData.Uniform(batch * 784, 2), y = RandomData.Labels(batch, 10, 3);
    return (threads, samples) =>
    {
        Parallelism.MaxDegreeOfParallelism = threads;
        int steps = Math.Max(1, samples / batch);
        long start = Stopwatch.GetTimestamp();
        for (int s = 0; s < steps; s++)
        {
            // The fused step (what Trainer.Fit runs): on several threads, each thread steps its own slice of the parameters.
            network.TrainOnBatch(x, y, batch, adam);
        }

        return steps * batch / Stopwatch.GetElapsedTime(start).TotalSeconds;
    };
}

static Func<int, int, double> PredictRound<T>(T network, int batch) where T : INetwork
{
    float[] x = RandomData.Uniform(batch * 784, 2);
    var outputs = new float[batch * 10];
    return (threads, samples) =>
    {
        Parallelism.MaxDegreeOfParallelism = threads;
        int calls = Math.Max(1, samples / batch);
        long start = Stopwatch.GetTimestamp();
        for (int s = 0; s < calls; s++)
        {
            network.PredictBatch(x, outputs, batch);
        }

        return calls * batch / Stopwatch.GetElapsedTime(start).TotalSeconds;
    };
}
