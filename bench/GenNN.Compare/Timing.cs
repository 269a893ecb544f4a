// The timing and output helpers of bench/compare.sh's C# sides: GenNN.Compare (gen-nn) and GenNN.CompareOrt (ONNX
// Runtime) link this one file, so both warm up, repeat and take medians the same way and print the same JSON lines.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Threading;

namespace GenNN.Bench
{
    /// <summary>Median timings, allocation counts and the JSON lines that bench/report.py reads.</summary>
    public static class Timing
    {
        /// <summary>
        /// Times <paramref name="body"/> (which makes <paramref name="callsPerBody"/> calls) enough times for ~50 ms per
        /// repetition, after a warm-up that lets tiered compilation finish; returns the median seconds per call over
        /// <paramref name="repeats"/> repetitions.
        /// </summary>
        public static double MedianSecondsPerCall(Action body, int callsPerBody, int repeats)
        {
            long warmUntil = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 2;
            int bodies = 0;
            while (Stopwatch.GetTimestamp() < warmUntil || bodies < 50)
            {
                body();
                bodies++;
                if (bodies % 32 == 0)
                {
                    Thread.Sleep(1);
                }
            }

            Thread.Sleep(200);
            body();

            // Calibrate: bodies per repetition for ~50 ms.
            long t0 = Stopwatch.GetTimestamp();
            body();
            double one = Math.Max(Stopwatch.GetElapsedTime(t0).TotalSeconds, 1e-7);
            int perRepeat = Math.Max(1, (int)(0.05 / one));

            var samples = new List<double>();
            for (int r = 0; r < repeats; r++)
            {
                long start = Stopwatch.GetTimestamp();
                for (int k = 0; k < perRepeat; k++)
                {
                    body();
                }

                samples.Add(Stopwatch.GetElapsedTime(start).TotalSeconds / ((double)perRepeat * callsPerBody));
            }

            samples.Sort();
            return samples[samples.Count / 2];
        }

        /// <summary>
        /// Managed bytes this thread allocates per call of <paramref name="call"/>, counted over <paramref name="calls"/>
        /// calls after two warm-up passes.
        /// </summary>
        public static double BytesPerCall(Action call, int calls)
        {
            for (int i = 0; i < calls; i++)
            {
                call();
            }

            Thread.Sleep(200);   // tier-1 rejit happens in the background; allocations there are on another thread anyway
            for (int i = 0; i < calls; i++)
            {
                call();
            }

            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < calls; i++)
            {
                call();
            }

            return (double)(GC.GetAllocatedBytesForCurrentThread() - before) / calls;
        }

        /// <summary>Prints <c>{"runner":...,"case":...,"value":...,"unit":...}</c> on one line.</summary>
        public static void Emit(string runner, string name, object value, string unit)
        {
            string text = value switch
            {
                double d => double.IsFinite(d) ? d.ToString("R", CultureInfo.InvariantCulture) : "null",
                string s => "\"" + s + "\"",
                _ => Convert.ToString(value, CultureInfo.InvariantCulture)!,
            };
            Console.WriteLine($"{{\"runner\":\"{runner}\",\"case\":\"{name}\",\"value\":{text},\"unit\":\"{unit}\"}}");
        }
    }
}
