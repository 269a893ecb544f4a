using System.Threading;
using GenNN.Kernels;
using GenNN.Tests.Numerics;

namespace GenNN.Tests.Parallel;

/// <summary>
/// PredictBatch and TrainBatch split across threads (GenNN.Parallelism): PredictBatch gives each sample the one-thread
/// output bit for bit; TrainBatch on several parts gives one thread's gradients and outputs bit for bit (the same dropout
/// masks, sample weights and L1/L2 penalty), and its loss within the rounding of adding the parts' shares; Fit likewise;
/// nothing is allocated.
/// </summary>
public class ParallelTrainingTests
{
    private const int TrainRows = 203; // odd: the parts are uneven
    private const int PredictRows = 1000; // not a multiple of the 64-row chunks

    // Multiply-adds per sample, counted from the topologies (forward; training = 2 x forward + all but the first layer).
    private const long WideSceForward = 100 * 128 + 128 * 64 + 64 * 10;
    private const long WideSceTraining = 2 * WideSceForward + 128 * 64 + 64 * 10;
    private const long WideDropMseTraining = 2 * (100 * 128 + 128 * 64 + 64 * 5) + 128 * 64 + 64 * 5;
    private const long WidePackSceTraining = 2 * (520 * 64 + 64 * 10) + 64 * 10;

    public static TheoryData<string, int, bool> TrainCases => new()
    {
        { nameof(WideSce), 2, false },
        { nameof(WideSce), 3, true },
        { nameof(WideSce), 4, false },
        { nameof(WideDropMse), 2, true },
        { nameof(WideDropMse), 4, false },
        { nameof(WideDropMse), 3, false },
        { nameof(WidePackSce), 2, false }, // one thread reads the first layer's weights in panels, parts in place
        { nameof(WidePackSce), 4, true },
    };

    private static INetwork Create(string name, int seed) => name switch
    {
        nameof(WideSce) => new WideSce(seed),
        nameof(WideDropMse) => new WideDropMse(seed),
        nameof(WidePackSce) => new WidePackSce(seed),
        _ => throw new ArgumentException(name),
    };

    private static void SetDegree(INetwork network, int? degree)
    {
        switch (network)
        {
            case WideSce n: n.MaxDegreeOfParallelism = degree; break;
            case WideDropMse n: n.MaxDegreeOfParallelism = degree; break;
            case WidePackSce n: n.MaxDegreeOfParallelism = degree; break;
        }
    }

    internal static (float[] Inputs, float[] Targets, float[] Weights) Data(INetwork network, int rows, int seed)
    {
        var random = new Random(seed);
        float[] inputs = Enumerable.Range(0, rows * network.InputSize).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        float[] targets = network.Loss == Loss.SoftmaxCrossEntropy
            ? Enumerable.Range(0, rows).Select(_ => (float)random.Next(network.OutputSize)).ToArray()
            : Enumerable.Range(0, rows * network.TargetSize).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        float[] weights = Enumerable.Range(0, rows).Select(_ => (float)(random.NextDouble() * 2)).ToArray();
        return (inputs, targets, weights);
    }

    private static (float Loss, float[] Gradients, float[] Outputs) Train(INetwork network, int? degree, float[] inputs, float[] targets, float[]? weights)
    {
        SetDegree(network, degree);
        network.SeedDropout(99); // the same masks for every call compared
        var outputs = new float[TrainRows * network.OutputSize];
        float loss = weights is null
            ? network.TrainBatch(inputs, targets, TrainRows, outputs)
            : network.TrainBatch(inputs, targets, weights, TrainRows, outputs);
        return (loss, network.Gradients.ToArray(), outputs);
    }

    [Theory]
    [MemberData(nameof(TrainCases))]
    public void TrainBatch_on_parts_gives_one_thread_s_gradients_bit_for_bit(string name, int degree, bool weighted)
    {
        INetwork network = Create(name, 11);
        long work = name switch
        {
            nameof(WideSce) => WideSceTraining,
            nameof(WidePackSce) => WidePackSceTraining,
            _ => WideDropMseTraining,
        };
        Assert.Equal(degree, WorkerPool.TrainingParts(TrainRows, work, degree)); // the call really is split
        (float[] inputs, float[] targets, float[] weights) = Data(network, TrainRows, 12);
        float[]? w = weighted ? weights : null;

        var one = Train(network, 1, inputs, targets, w);
        var parts = Train(network, degree, inputs, targets, w);
        var again = Train(network, degree, inputs, targets, w);

        // Reproducible for a given part count, to the bit.
        Assert.Equal(BitConverter.SingleToInt32Bits(parts.Loss), BitConverter.SingleToInt32Bits(again.Loss));
        Assert.True(parts.Gradients.AsSpan().SequenceEqual(again.Gradients), "Two runs on the same parts gave different gradients.");
        Assert.Equal(parts.Outputs, again.Outputs);

        // One thread's gradients and outputs: every gradient is the same sum in the same order, whichever part computes it
        // (these layers' widths are whole vectors, so even tanh and GELU round alike). The loss adds the parts' shares.
        Assert.True(parts.Gradients.AsSpan().SequenceEqual(one.Gradients), $"{name} gradients on {degree} parts differ from one thread's.");
        Assert.True(parts.Outputs.AsSpan().SequenceEqual(one.Outputs), $"{name} outputs on {degree} parts differ from one thread's.");
        NumericAssert.Close(parts.Loss, one.Loss, $"{name} loss on {degree} parts", tolerance: 1e-6);
    }

    [Fact]
    public void TrainBatch_on_parts_keeps_each_sample_s_dropout_mask()
    {
        // Dropout masks come from each element's index in the whole batch: a part gets the masks the whole batch would.
        // A wrong offset would drop other units, which changes the gradients far beyond rounding; check directly too.
        const ulong stream = 12345;
        var whole = new float[TrainRows * 64];
        var parts = new float[whole.Length];
        var source = Enumerable.Range(0, whole.Length).Select(i => 1f + i % 7).ToArray();
        Dropout.Forward(source, whole, 0.3f, stream, 1);
        foreach ((int first, int count) in new[] { (0, 50), (50, 100), (150, 53) })
        {
            Dropout.Forward(source.AsSpan(first * 64, count * 64), parts.AsSpan(first * 64, count * 64), 0.3f, stream, 1, first * 64);
        }

        Assert.Equal(whole, parts);
        var gradient = (float[])source.Clone();
        var gradientParts = (float[])source.Clone();
        Dropout.Backward(gradient, 0.3f, stream, 1);
        Dropout.Backward(gradientParts.AsSpan(0, 77), 0.3f, stream, 1, 0);
        Dropout.Backward(gradientParts.AsSpan(77), 0.3f, stream, 1, 77);
        Assert.Equal(gradient, gradientParts);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void PredictBatch_on_parts_gives_every_sample_the_one_thread_output_bit_for_bit(int degree)
    {
        var network = new WideSce(21);
        Assert.Equal(Math.Min(10, 4 * degree), WorkerPool.PredictParts(PredictRows, WideSceForward, 64, degree)); // 10 parts by work, 16 chunks
        (float[] inputs, _, _) = Data(network, PredictRows, 22);
        var one = new float[PredictRows * WideSce.OutputSize];
        var parts = new float[one.Length];
        network.MaxDegreeOfParallelism = 1;
        network.PredictBatch(inputs, one, PredictRows);
        network.MaxDegreeOfParallelism = degree;
        network.PredictBatch(inputs, parts, PredictRows);
        Assert.True(one.AsSpan().SequenceEqual(parts), $"PredictBatch on {degree} parts differs from one thread.");

        // And each sample equals Predict's... within rounding (Predict runs the one-row kernels).
        var single = new float[WideSce.OutputSize];
        network.Predict(inputs.AsSpan(999 * 100, 100), single);
        NumericAssert.AllClose(single, TestData.ToDouble(parts.AsSpan(999 * 10, 10).ToArray()), "the last sample vs Predict", tolerance: 1e-5);
    }

    [Fact]
    public void PredictBatch_from_four_threads_at_once_matches_sequential()
    {
        // The pool serves one call at a time; the others run their parts on their own thread. All must be right.
        var network = new WideSce(31) { MaxDegreeOfParallelism = 1 };
        (float[] inputs, _, _) = Data(network, PredictRows, 32);
        int[] sizes = [1000, 999, 640, 777]; // one per thread: different parts
        float[][] expected = sizes.Select(n =>
        {
            var outputs = new float[n * WideSce.OutputSize];
            network.PredictBatch(inputs.AsSpan(0, n * 100), outputs, n);
            return outputs;
        }).ToArray();
        network.MaxDegreeOfParallelism = 2;

        const int threads = 4;
        var errors = new Exception?[threads];
        var mismatches = new int[threads];
        using var start = new Barrier(threads);
        Thread[] workers = Enumerable.Range(0, threads).Select(id => new Thread(() =>
        {
            try
            {
                int n = sizes[id];
                var outputs = new float[n * WideSce.OutputSize];
                start.SignalAndWait();
                for (int round = 0; round < 30; round++)
                {
                    Array.Clear(outputs);
                    network.PredictBatch(inputs.AsSpan(0, n * 100), outputs, n);
                    if (!outputs.AsSpan().SequenceEqual(expected[id])) mismatches[id]++;
                }
            }
            catch (Exception e)
            {
                errors[id] = e;
            }
        })).ToArray();
        foreach (Thread t in workers) t.Start();
        foreach (Thread t in workers) t.Join();
        Assert.All(errors, e => Assert.Null(e));
        Assert.All(mismatches, m => Assert.Equal(0, m));
    }
}
