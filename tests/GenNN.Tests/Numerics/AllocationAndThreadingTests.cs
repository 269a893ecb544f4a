using System.Threading;

namespace GenNN.Tests.Numerics;

/// <summary>Predict, PredictBatch and TrainBatch allocate nothing after warm-up; Predict is safe from many threads.</summary>
public class AllocationAndThreadingTests
{
    public static TheoryData<string> Cases => new(
        nameof(Mse_I100_Relu100_Tanh33_Lin17),
        nameof(Sce_I33_Leaky100_Sig16_Tanh13_Soft7),
        nameof(Bce_I17_Tanh16_Relu33_Sig1),
        nameof(Mse_I1_Sig13_Leaky7_Soft100),
        nameof(Sce_I3_Soft100),
        nameof(Sce_I20_Gelu33_Silu17_Soft4),
        nameof(Mse_I13_Softplus9_HardSig6),
        nameof(Cce_I6_Elu14_Soft5),
        nameof(Huber_I5_Silu10_Lin4),
        nameof(Mae_I8_Gelu12_Lin3),
        nameof(Mse_I7_Relu16L2_Lin5L1L2));

    [Theory]
    [MemberData(nameof(Cases))]
    public void Predict_PredictBatch_and_TrainBatch_allocate_nothing_after_warm_up(string name)
    {
        NetworkCase c = NetworkCases.Get(name);
        ReferenceNetwork r = c.Reference;
        INetwork network = c.CreatePerturbed(3);
        const int batch = 16;
        var random = new Random(4);
        float[] inputs = TestData.Inputs(r, TestData.ToDouble(network.Parameters), batch, random, 0);
        float[] targets = TestData.Targets(r, batch, random);
        float[] input = inputs.AsSpan(0, r.InputSize).ToArray();
        var output = new float[r.OutputSize];
        var outputs = new float[batch * r.OutputSize];
        float[] weights = Enumerable.Range(0, batch).Select(i => 0.5f + i % 3).ToArray();

        void Run(int iterations)
        {
            for (int i = 0; i < iterations; i++)
            {
                network.Predict(input, output);
                network.PredictBatch(inputs, outputs, batch);
                network.TrainBatch(inputs, targets, batch);
                network.TrainBatch(inputs, targets, batch, outputs);
                network.TrainBatch(inputs, targets, weights, batch, outputs);
            }
        }

        long allocated = Allocation.InLastWindow(Run);

        Assert.True(allocated == 0, $"{r.Topology}: 200 rounds of Predict + PredictBatch + TrainBatch (all three overloads) allocated {allocated} bytes, in each of three windows.");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Predict_from_four_threads_matches_sequential(string name)
    {
        NetworkCase c = NetworkCases.Get(name);
        ReferenceNetwork r = c.Reference;
        INetwork network = c.CreatePerturbed(5);
        const int samples = 197; // prime: every stride below visits every sample
        float[] inputs = TestData.Inputs(r, TestData.ToDouble(network.Parameters), samples, new Random(6), 0);

        var expected = new float[samples * r.OutputSize];
        for (int s = 0; s < samples; s++)
        {
            network.Predict(inputs.AsSpan(s * r.InputSize, r.InputSize), expected.AsSpan(s * r.OutputSize, r.OutputSize));
        }

        const int threads = 4;
        var results = new float[threads][];
        using var start = new Barrier(threads);
        var workers = new Thread[threads];
        var errors = new Exception?[threads];
        for (int t = 0; t < threads; t++)
        {
            int id = t;
            results[id] = new float[samples * r.OutputSize];
            workers[id] = new Thread(() =>
            {
                try
                {
                    start.SignalAndWait();
                    // Each thread walks the samples in its own order, many times, so calls overlap.
                    for (int round = 0; round < 20; round++)
                    {
                        for (int k = 0; k < samples; k++)
                        {
                            int s = (k * (2 * id + 1) + round) % samples;
                            network.Predict(inputs.AsSpan(s * r.InputSize, r.InputSize), results[id].AsSpan(s * r.OutputSize, r.OutputSize));
                        }
                    }
                }
                catch (Exception e)
                {
                    errors[id] = e;
                }
            });
            workers[id].Start();
        }

        foreach (Thread worker in workers) worker.Join();
        for (int t = 0; t < threads; t++)
        {
            Assert.Null(errors[t]);
            Assert.True(expected.AsSpan().SequenceEqual(results[t]), $"{r.Topology}: thread {t} got different outputs than a sequential run.");
        }
    }
}
