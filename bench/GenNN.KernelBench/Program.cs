// Times each generated GEMM kernel of 784-64-64-10 and 784-256-128-10 and reports the FMAs per cycle it reaches as a
// fraction of the core's peak (issue 8, section 2). Run it pinned to one core, so that tier-1 code arrives during the
// warm-up:
//   DOTNET_TC_DelaySingleProcMultiplier=1 taskset -c 1 dotnet run -c Release --project bench/GenNN.KernelBench [-- --quick]
// Other ISA paths of the same binary: DOTNET_EnableAVX2=0 (Vector128), DOTNET_EnableHWIntrinsic=0 (scalar) and, on an
// AVX-512 machine, DOTNET_EnableAVX512=0 (Vector256). Options: --quick (fewer, shorter rounds), --fma-pipes N (FMA
// pipes per core, 2 on Zen 3/4/5 and on Intel since Haswell), --kernel TEXT (only the rows whose kernel contains TEXT).
//
// What is counted: one FMA is one multiply-add of one float (rows x inputs x units per GEMM, whatever the path does to
// compute it). Peak = FMA pipes x float lanes of the path's widest vector per cycle (16 for AVX2 + FMA with two pipes).
// Cycles come from the measured time and a clock calibrated by a chain of dependent integer adds (one add per cycle on
// every x64 core), timed next to each network's kernels: under turbo the core runs above /proc/cpuinfo's "cpu MHz".
// Times are the fastest of many short rounds (the median is printed beside it): on a machine shared with builds, a
// round that the scheduler interrupts is only slower, so the fastest round is the kernel's own speed.
//
// The kernels are private members of the generated file-local class; the harness binds to them by reflection once, so
// it times the generated methods themselves (through their ISA dispatch), not copies. Each kernel runs on buffers that
// stay the same between calls, as in a training step; PredictBatch and TrainBatch are also timed whole. A layer of 512+
// inputs also gets the row a one-thread TrainBatch runs for it: the weights copied into panels, then the packed kernel.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using GenNN;
using GenNN.Bench;

namespace GenNN.KernelBench
{
    internal delegate void Gemm3(ref float x, ref float y, ref float z, nuint rows);

    internal delegate void WeightGradientKernel(ref float a, ref float b, ref float c, nuint depth, nuint rows);

    internal delegate void Gemm4(ref float a, ref float b, ref float c, ref float act, nuint rows);

    internal delegate void TransposeKernel(ref float p, ref float wt);

    /// <summary>A forward kernel reading the weights from a copy in panels: (p, packed, a, c, rows).</summary>
    internal delegate void GemmPacked(ref float p, ref float packed, ref float a, ref float c, nuint rows);

    internal static class Program
    {
        private static bool _quick;
        private static int _pipes = 2;
        private static string? _filter;
        private static double _ghz;
        private static int _lanes;

        private static int Main(string[] args)
        {
            for (int i = 0; i < args.Length; i++)
            {
                switch (args[i])
                {
                    case "--quick": _quick = true; break;
                    case "--fma-pipes": _pipes = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                    case "--kernel": _filter = args[++i]; break;
                    default:
                        Console.Error.WriteLine($"Unknown argument '{args[i]}'; expected --quick, --fma-pipes N or --kernel TEXT.");
                        return 2;
                }
            }

            KernelPath path = Mlp64.KernelPath;
            _lanes = path switch
            {
                KernelPath.Vector512 => 16,
                KernelPath.Vector256 => 8,
                KernelPath.Vector128 => 4,
                _ => 1,
            };
            _ghz = CalibrateGHz();
            Console.WriteLine($"# GEMM kernels, path {path}: peak {_pipes} FMA pipes x {_lanes} lanes = {_pipes * _lanes} FMA/cycle; " +
                $"clock {_ghz:F2} GHz by dependent adds (/proc/cpuinfo says {CpuInfoMHz()} MHz); {(_quick ? "quick" : "full")} run");
            Console.WriteLine();
            Console.WriteLine("| network | case | kernel | M x K x N | us/call (best) | us/call (median) | GFMA/s | FMA/cycle | % of peak |");
            Console.WriteLine("|---|---|---|---|---:|---:|---:|---:|---:|");

            Network(new Mlp64(seed: 1), "784-64-64-10", new[] { 784, 64, 64, 10 });
            Network(new Mlp256(seed: 1), "784-256-128-10", new[] { 784, 256, 128, 10 });
            Console.WriteLine();
            Console.WriteLine($"clock after: {CalibrateGHz():F2} GHz");
            return 0;
        }

        private static void Network(INetwork net, string name, int[] widths)
        {
            Type kernels = net.GetType().Assembly.GetTypes().Single(t => t.Name.EndsWith(net.GetType().Name + "Kernels", StringComparison.Ordinal));
            T Bind<T>(string method)
                where T : Delegate
                => (T)Delegate.CreateDelegate(typeof(T), kernels.GetMethod(method, BindingFlags.Static | BindingFlags.NonPublic)
                    ?? throw new MissingMethodException(kernels.Name, method));

            _ghz = CalibrateGHz();
            int layers = widths.Length - 1;
            float[] parameters = net.Parameters.ToArray();
            float[] gradients = new float[parameters.Length + 16];
            var random = new Random(7);

            // PredictBatch(1024) forward, layer by layer as PredictBatch runs them: chunks of 64 rows.
            const int Batch = 1024, Chunk = 64;
            for (int i = 0; i < layers; i++)
            {
                float[] input = Random(random, Batch * widths[i] + 16, 0f, 1f);
                float[] output = new float[Batch * widths[i + 1] + 16];
                Gemm3 forward = Bind<Gemm3>($"Layer{i}Forward");
                Row(name, "PredictBatch(1024) forward", $"Layer{i}Forward", Batch, widths[i], widths[i + 1], () =>
                {
                    for (int s = 0; s < Batch; s += Chunk)
                    {
                        forward(ref parameters[0], ref input[s * widths[i]], ref output[s * widths[i + 1]], Chunk);
                    }
                });
            }

            float[] batchIn = Random(random, Batch * widths[0], 0f, 1f);
            float[] batchOut = new float[Batch * widths[^1]];
            Row(name, "PredictBatch(1024) whole", "PredictBatch", Batch, 0, 0, () => net.PredictBatch(batchIn, batchOut, Batch), Forward(widths) * Batch);

            foreach (int rows in new[] { 64, 256 })
            {
                string phase = $"TrainBatch({rows})";
                for (int i = 0; i < layers; i++)
                {
                    float[] input = Random(random, rows * widths[i] + 16, 0f, 1f);
                    float[] output = new float[rows * widths[i + 1] + 16];
                    Gemm3 forward = Bind<Gemm3>($"Layer{i}Forward");
                    Row(name, phase + " forward", $"Layer{i}Forward", rows, widths[i], widths[i + 1],
                        () => forward(ref parameters[0], ref input[0], ref output[0], (nuint)rows));
                    if (widths[i] >= 512 && widths[i + 1] % 16 == 0 && widths[i + 1] >= 64)
                    {
                        // What a one-thread TrainBatch runs for such a layer: the weights copied into panels, then read there.
                        int offset = 0;
                        for (int j = 0; j < i; j++)
                        {
                            offset += widths[j] * widths[j + 1] + widths[j + 1];
                        }

                        int count = widths[i] * widths[i + 1], columns = widths[i + 1], depth = widths[i];
                        float[] panels = new float[count + 16];
                        GemmPacked packedForward = Bind<GemmPacked>($"Layer{i}ForwardPacked");
                        Row(name, phase + " forward", $"Layer{i}ForwardPacked (copy included)", rows, widths[i], widths[i + 1], () =>
                        {
                            GenNN.Kernels.Panels.Pack(parameters.AsSpan(offset, count), columns, panels.AsSpan(0, count), 0, depth);
                            packedForward(ref parameters[0], ref panels[0], ref input[0], ref output[0], (nuint)rows);
                        });
                    }
                }

                for (int i = layers - 1; i >= 0; i--)
                {
                    float[] input = Random(random, rows * widths[i] + 16, 0f, 1f);
                    float[] delta = Random(random, rows * widths[i + 1] + 16, -1f, 1f);
                    WeightGradientKernel weightGradient = Bind<WeightGradientKernel>($"Layer{i}WeightGradient");
                    Row(name, phase + " weight gradient", $"Layer{i}WeightGradient", widths[i], rows, widths[i + 1],
                        () => weightGradient(ref input[0], ref delta[0], ref gradients[0], (nuint)rows, (nuint)widths[i]));
                    if (i == 0)
                    {
                        continue;
                    }

                    float[] transposed = new float[widths[i] * widths[i + 1] + 16];
                    float[] dx = new float[rows * widths[i] + 16];
                    float[] act = Random(random, rows * widths[i] + 16, -0.5f, 1f);
                    TransposeKernel transpose = Bind<TransposeKernel>($"Layer{i}Transpose");
                    Gemm4 inputGradient = Bind<Gemm4>($"Layer{i}InputGradient");
                    transpose(ref parameters[0], ref transposed[0]);
                    Row(name, phase + " input gradient", $"Layer{i}InputGradient", rows, widths[i + 1], widths[i],
                        () => inputGradient(ref delta[0], ref transposed[0], ref dx[0], ref act[0], (nuint)rows));
                    Row(name, phase + " input gradient", $"Layer{i}Transpose", widths[i + 1], 0, widths[i],
                        () => transpose(ref parameters[0], ref transposed[0]), 0);
                }

                // The whole step over a pool of 16 batches, so the inputs stream from memory as in an epoch.
                const int Pool = 16;
                float[] inputs = Random(random, Pool * rows * widths[0], 0f, 1f);
                float[] labels = new float[Pool * rows];
                for (int s = 0; s < labels.Length; s++)
                {
                    labels[s] = random.Next(widths[^1]);
                }

                int next = 0;
                long trainFmas = (2 * Forward(widths) + Backward(widths)) * rows;
                Row(name, phase + " whole", "TrainBatch", rows, 0, 0, () =>
                {
                    int b = next++ % Pool;
                    net.TrainBatch(inputs.AsSpan(b * rows * widths[0], rows * widths[0]), labels.AsSpan(b * rows, rows), rows);
                }, trainFmas);
                var adam = new Adam(1e-3f);
                Row(name, phase + " whole", "TrainBatch + Adam.Step", rows, 0, 0, () =>
                {
                    int b = next++ % Pool;
                    net.TrainBatch(inputs.AsSpan(b * rows * widths[0], rows * widths[0]), labels.AsSpan(b * rows, rows), rows);
                    adam.Step(net.Parameters, net.Gradients);
                }, trainFmas);
            }
        }

        /// <summary>FMAs of one sample's forward pass.</summary>
        private static long Forward(int[] widths)
        {
            long sum = 0;
            for (int i = 0; i + 1 < widths.Length; i++)
            {
                sum += (long)widths[i] * widths[i + 1];
            }

            return sum;
        }

        /// <summary>FMAs of one sample's input gradients (every layer but the first).</summary>
        private static long Backward(int[] widths) => Forward(widths) - (long)widths[0] * widths[1];

        private static void Row(string net, string phase, string kernel, int m, int k, int n, Action body, long? fmas = null)
        {
            if (_filter is not null && !kernel.Contains(_filter, StringComparison.Ordinal))
            {
                return;
            }

            long count = fmas ?? (long)m * k * n;
            (double seconds, double median) = Seconds(body);
            double perCycle = count / (seconds * _ghz * 1e9);
            string shape = k == 0 ? (n == 0 ? F(m) + " samples" : F(m) + " x " + F(n)) : F(m) + " x " + F(k) + " x " + F(n);
            Console.WriteLine(count == 0
                ? $"| {net} | {phase} | {kernel} | {shape} | {seconds * 1e6:F2} | {median * 1e6:F2} | | | |"
                : $"| {net} | {phase} | {kernel} | {shape} | {seconds * 1e6:F2} | {median * 1e6:F2} | {count / seconds / 1e9:F1} | {perCycle:F2} | {100 * perCycle / (_pipes * _lanes):F0}% |");
        }

        private static string F(int value) => value.ToString(CultureInfo.InvariantCulture);

        /// <summary>The fastest and the median seconds per call over rounds of about 3 ms (or one call), after a warm-up.</summary>
        private static (double Best, double Median) Seconds(Action body)
        {
            // Warm-up: long enough for tiered compilation to replace the kernels with optimised code.
            long until = Stopwatch.GetTimestamp() + Stopwatch.Frequency / (_quick ? 4 : 2);
            int calls = 0;
            while (Stopwatch.GetTimestamp() < until || calls < 50)
            {
                body();
                calls++;
            }

            const double RoundSeconds = 0.003;
            long start = Stopwatch.GetTimestamp();
            body();
            double once = Math.Max(1e-7, (Stopwatch.GetTimestamp() - start) / (double)Stopwatch.Frequency);
            int perRound = Math.Max(1, (int)(RoundSeconds / once));
            var times = new List<double>();
            for (int round = 0; round < (_quick ? 15 : 41); round++)
            {
                start = Stopwatch.GetTimestamp();
                for (int c = 0; c < perRound; c++)
                {
                    body();
                }

                times.Add((Stopwatch.GetTimestamp() - start) / (double)Stopwatch.Frequency / perRound);
            }

            times.Sort();
            return (times[0], times[times.Count / 2]);
        }

        private static float[] Random(Random random, int count, float low, float high)
        {
            var values = new float[count];
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = low + (high - low) * random.NextSingle();
            }

            return values;
        }

        /// <summary>
        /// The core clock: the fastest of many timings (0.5 ms each at 3 GHz, short enough that most run without the
        /// scheduler stepping in) of a chain of dependent integer adds.
        /// </summary>
        private static double CalibrateGHz()
        {
            const long Iterations = 200_000;
            var rates = new List<double>();
            AddChain(1000, 3);
            for (int i = 0; i < 201; i++)
            {
                long start = Stopwatch.GetTimestamp();
                long sink = AddChain(Iterations, i | 1);
                double seconds = (Stopwatch.GetTimestamp() - start) / (double)Stopwatch.Frequency;
                GC.KeepAlive(sink);
                rates.Add(Iterations * AddsPerIteration / seconds / 1e9);
            }

            rates.Sort();
            return rates[^1];
        }

        private const int AddsPerIteration = 8;

        /// <summary>
        /// Eight adds per iteration, each depending on the one before: 8 cycles per iteration at one add per cycle
        /// (the loop counter runs beside the chain). The step is not a constant, so the compiler cannot fold the adds.
        /// </summary>
        [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
        private static long AddChain(long iterations, long step)
        {
            long x = 0;
            for (long i = 0; i < iterations; i++)
            {
                x += step;
                x ^= i;
                x += step;
                x ^= i;
                x += step;
                x ^= i;
                x += step;
                x ^= i;
            }

            return x;
        }

        private static string CpuInfoMHz()
        {
            try
            {
                string? line = System.IO.File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("cpu MHz", StringComparison.Ordinal));
                return line is null ? "?" : line.Split(':')[1].Trim();
            }
            catch (System.IO.IOException)
            {
                return "?";
            }
        }
    }
}
