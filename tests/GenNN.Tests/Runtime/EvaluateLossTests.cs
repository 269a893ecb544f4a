using GenNN.Tests.Numerics;

namespace GenNN.Tests.Runtime;

/// <summary>
/// Trainer.Evaluate reports the loss TrainBatch computes: the cross-entropies from the logits (exact where the
/// probabilities round to 0 or 1), plus the L1/L2 penalty, so that <c>loss</c> and <c>val_loss</c> on the same data agree.
/// </summary>
public class EvaluateLossTests
{
    private static Dataset Random(int count, int features, int classes, int seed, float scale = 1f)
    {
        var random = new Random(seed);
        var x = new float[count * features];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = scale * (float)(random.NextDouble() * 2 - 1);
        }

        var y = new float[count];
        for (int i = 0; i < count; i++)
        {
            y[i] = random.Next(classes);
        }

        return new Dataset(x, features, y);
    }

    /// <summary>A sample's softmax cross-entropy from its logits, in double: log-sum-exp minus the label's logit.</summary>
    private static double CrossEntropy(ReadOnlySpan<float> logits, int label)
    {
        double[] row = logits.ToArray().Select(z => (double)z).ToArray();
        double max = row.Max();
        return max + Math.Log(row.Sum(z => Math.Exp(z - max))) - row[label];
    }

    [Fact]
    public void Evaluate_equals_TrainBatch_on_the_same_data_with_saturated_softmax_and_a_penalty()
    {
        var model = new Sce_I9_Tanh12L1_Soft4L2(seed: 3);
        foreach (ref float p in model.Parameters)
        {
            p *= 40f; // logits hundreds apart: confidently wrong samples lose far more than -log(1e-7) = 16.1
        }

        Dataset data = Random(21, 9, 4, seed: 5);
        float trained = model.TrainBatch(data.Features, data.Targets, data.Count);
        EvaluationResult evaluated = Trainer.Evaluate(model, data, batchSize: 8);

        // The data really has such samples: the loss the old probability clamp gave was smaller.
        var logits = new float[data.Count * 4];
        model.PredictLogits(data.Features, logits, data.Count);
        double worst = Enumerable.Range(0, data.Count).Max(s => CrossEntropy(logits.AsSpan(s * 4, 4), (int)data.Targets[s]));
        Assert.True(worst > 30, $"The worst sample's loss is only {worst}.");

        Assert.True(model.RegularizationLoss() > 0);
        Assert.Equal(trained, evaluated.Loss, trained * 1e-5);
    }

    [Fact]
    public void Evaluate_reports_a_saturated_sigmoid_s_whole_loss_like_BCEWithLogitsLoss()
    {
        var model = new Bce_I8_Relu8_Sig1(seed: 1);
        model.Parameters.Clear();
        model.Parameters[^1] = 100f; // the output bias: logit 100 for every sample, p = 1 in float
        var data = new Dataset(new float[16], 8, new float[] { 0f, 0.3f });

        float trained = model.TrainBatch(data.Features, data.Targets, data.Count);
        EvaluationResult evaluated = Trainer.Evaluate(model, data);

        Assert.Equal((100 + 70) / 2.0, evaluated.Loss, 4); // max(z, 0) - z t + log(1 + e^-|z|); Keras' clamp gave 13.7
        Assert.Equal(trained, evaluated.Loss, 3);
        Assert.Equal(0.0, evaluated.Accuracy); // p = 1 > 0.5: wrong for both targets, which are below 0.5
    }

    [Theory]
    [InlineData(1)]
    [InlineData(13)]
    [InlineData(300)] // several chunks, and packed weights where the network packs them
    public void PredictLogits_then_softmax_gives_PredictBatch_s_bits(int batchSize)
    {
        var model = new Sce_I9_Tanh12L1_Soft4L2(seed: 7);
        Dataset data = Random(batchSize, 9, 4, seed: batchSize);
        var logits = new float[batchSize * 4];
        var outputs = new float[batchSize * 4];
        model.PredictLogits(data.Features, logits, batchSize);
        model.PredictBatch(data.Features, outputs, batchSize);
        for (int s = 0; s < batchSize; s++)
        {
            GenNN.Kernels.Activations.Softmax(logits.AsSpan(s * 4, 4));
        }

        Assert.Equal(outputs, logits);
    }

    [Fact]
    public void PredictLogits_propagates_NaN_and_checks_its_arguments()
    {
        var model = new Bce_I8_Relu8_Sig1(seed: 2);
        var inputs = new float[16];
        inputs[9] = float.NaN;
        var logits = new float[2];
        model.PredictLogits(inputs, logits, 2);
        Assert.False(float.IsNaN(logits[0]));
        Assert.True(float.IsNaN(logits[1]));

        var ex = Assert.Throws<ArgumentException>(() => model.PredictLogits(inputs, new float[3], 2));
        Assert.Contains("logits", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.PredictLogits(inputs, logits, 0));
    }

    [Fact]
    public void RegularizationLoss_is_Keras_penalty_of_the_weights_and_Evaluate_adds_it()
    {
        var model = new Sce_I9_Tanh12L1_Soft4L2(seed: 4);
        ReadOnlySpan<float> p = model.Parameters;
        double l1 = 0.004 * p.Slice(0, 9 * 12).ToArray().Sum(w => Math.Abs((double)w));  // layer 0 weights, L1 = 0.004
        double l2 = 0.01 * p.Slice(9 * 12 + 12, 12 * 4).ToArray().Sum(w => (double)w * w); // layer 1 weights, L2 = 0.01
        Assert.Equal(l1 + l2, model.RegularizationLoss(), 6);

        Assert.Equal(0, new Bce_I8_Relu8_Sig1(seed: 1).RegularizationLoss());

        // Evaluate: the cross-entropy plus the penalty (Keras' evaluate includes model.losses).
        Dataset data = Random(10, 9, 4, seed: 1);
        var logits = new float[40];
        model.PredictLogits(data.Features, logits, 10);
        double crossEntropy = Enumerable.Range(0, 10).Average(s => CrossEntropy(logits.AsSpan(s * 4, 4), (int)data.Targets[s]));
        Assert.Equal(crossEntropy + l1 + l2, Trainer.Evaluate(model, data).Loss, 6);
    }
}
