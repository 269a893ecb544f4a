using GenNN.Tests.Parallel;

namespace GenNN.Tests.Numerics;

/// <summary>
/// From <c>PackRows</c> (128) rows on, PredictBatch reads the weights of its Dense layers of 64 or more units (a multiple of
/// 16) from a copy in panels of 16 columns; a TrainBatch of 32+ rows on one thread does so for those of 512+ inputs. Only the addresses change, so every output must keep the bits of the same
/// rows predicted in batches too small to pack (each checked against the reference by the engine-matrix tests), on every
/// ISA path, with one thread or several; and NaN stays in its own sample.
/// </summary>
public class PackedWeightsTests
{
    public static TheoryData<string> Networks => new() { "Sce_I64_Relu64_Tanh32_Soft8", "Mse_I130_Relu2_Tanh144", "Mse_I13_Relu600_Leaky112", "Sce_I784_Relu96_Soft10", "WideSce" };

    private static INetwork Create(string name) => name switch
    {
        "Sce_I64_Relu64_Tanh32_Soft8" => new Sce_I64_Relu64_Tanh32_Soft8(3),
        "Mse_I130_Relu2_Tanh144" => new Mse_I130_Relu2_Tanh144(3),
        "Mse_I13_Relu600_Leaky112" => new Mse_I13_Relu600_Leaky112(3),
        "Sce_I784_Relu96_Soft10" => new Sce_I784_Relu96_Soft10(3),
        _ => new WideSce(3),
    };

    private static float[] Inputs(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
    }

    /// <summary>The rows of <paramref name="inputs"/> predicted 100 at a time: below PackRows, so from the weights in place.</summary>
    private static float[] InSmallBatches(INetwork net, float[] inputs, int batch)
    {
        var outputs = new float[batch * net.OutputSize];
        for (int s = 0; s < batch; s += 100)
        {
            int rows = Math.Min(100, batch - s);
            net.PredictBatch(inputs.AsSpan(s * net.InputSize, rows * net.InputSize), outputs.AsSpan(s * net.OutputSize, rows * net.OutputSize), rows);
        }

        return outputs;
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void A_large_batch_keeps_the_bits_of_small_batches(string name)
    {
        INetwork net = Create(name);
        foreach (int batch in new[] { 128, 131, 517 })
        {
            float[] inputs = Inputs(batch * net.InputSize, batch);
            float[] expected = InSmallBatches(net, inputs, batch);
            foreach (int threads in new[] { 1, 2 })
            {
                var actual = new float[batch * net.OutputSize];
                int previous = Parallelism.MaxDegreeOfParallelism;
                Parallelism.MaxDegreeOfParallelism = threads; // 2 parts of 258+ rows: each packs its own copy
                try
                {
                    net.PredictBatch(inputs, actual, batch);
                }
                finally
                {
                    Parallelism.MaxDegreeOfParallelism = previous;
                }

                Assert.Equal(expected, actual);
            }
        }
    }

    /// <summary>
    /// A TrainBatch of 32 or more rows on one thread (256 or more on the Vector512 path) reads the weights of Dense layers of
    /// 512+ inputs from a copy in panels: the forward outputs it returns keep the bits of a batch of 8 (which reads them in
    /// place) for the same rows. 32 and 71 rows read them in place on the Vector512 path, 260 in panels on every path.
    /// </summary>
    [Theory]
    [InlineData("Sce_I784_Relu96_Soft10")]
    [InlineData("Mse_I13_Relu600_Leaky112")]
    public void TrainBatch_with_packed_weights_keeps_the_bits_of_a_small_batch(string name)
    {
        // One thread: a batch split across threads reads the weights in place.
        INetwork net = name == "Mse_I13_Relu600_Leaky112"
            ? new Mse_I13_Relu600_Leaky112(3) { MaxDegreeOfParallelism = 1 }
            : new Sce_I784_Relu96_Soft10(3) { MaxDegreeOfParallelism = 1 };
        const int Small = 8;
        foreach (int batch in new[] { 32, 71, 260 })
        {
            float[] inputs = Inputs(batch * net.InputSize, batch);
            var random = new Random(batch);
            float[] targets = net.Loss == Loss.SoftmaxCrossEntropy
                ? Enumerable.Range(0, batch).Select(_ => (float)random.Next(net.OutputSize)).ToArray()
                : Enumerable.Range(0, batch * net.TargetSize).Select(_ => (float)random.NextDouble()).ToArray();
            var small = new float[Small * net.OutputSize];
            net.TrainBatch(inputs.AsSpan(0, Small * net.InputSize), targets.AsSpan(0, Small * net.TargetSize), Small, small);
            var large = new float[batch * net.OutputSize];
            net.TrainBatch(inputs, targets, batch, large);

            Assert.Equal(small, large.AsSpan(0, small.Length).ToArray());
        }
    }

    [Fact]
    public void TrainBatch_with_packed_weights_allocates_nothing_once_warm()
    {
        var net = new Sce_I784_Relu96_Soft10(3) { MaxDegreeOfParallelism = 1 };
        const int Batch = 256; // packs on every path
        float[] inputs = Inputs(Batch * 784, 5);
        float[] targets = Enumerable.Range(0, Batch).Select(i => (float)(i % 10)).ToArray();
        Assert.Equal(0, Allocation.InLastWindow(times =>
        {
            for (int i = 0; i < times; i++) net.TrainBatch(inputs, targets, Batch);
        }));
    }

    [Fact]
    public void A_NaN_input_stays_in_its_sample_when_the_weights_are_packed()
    {
        var net = new Sce_I64_Relu64_Tanh32_Soft8(3);
        const int Batch = 200;
        float[] inputs = Inputs(Batch * 64, 9);
        float[] clean = new float[Batch * 8];
        net.PredictBatch(inputs, clean, Batch);
        inputs[150 * 64 + 7] = float.NaN;
        float[] outputs = new float[Batch * 8];

        net.PredictBatch(inputs, outputs, Batch);

        for (int s = 0; s < Batch; s++)
        {
            for (int o = 0; o < 8; o++)
            {
                if (s == 150) Assert.True(float.IsNaN(outputs[s * 8 + o]));
                else Assert.Equal(clean[s * 8 + o], outputs[s * 8 + o]);
            }
        }
    }

    [Fact]
    public void A_large_batch_allocates_nothing_once_warm()
    {
        var net = new WideSce(3) { MaxDegreeOfParallelism = 1 }; // the packed copy is rented on this thread
        float[] inputs = Inputs(300 * 100, 4);
        float[] outputs = new float[300 * 10];
        Assert.Equal(0, Allocation.InLastWindow(times =>
        {
            for (int i = 0; i < times; i++) net.PredictBatch(inputs, outputs, 300);
        }));
    }
}
