// The networks of issue 3's targets, declared once for the BenchmarkDotNet suite and the side-by-side harness.
using GenNN;

namespace GenNN.Bench
{
    /// <summary>784-64-64-10, the Fashion-MNIST MLP of the single-sample, batch and training targets.</summary>
    [Network(Loss = Loss.SoftmaxCrossEntropy)]
    [Input(784)]
    [Dense(64, Activation.ReLU)]
    [Dense(64, Activation.ReLU)]
    [Dense(10, Activation.Softmax)]
    public partial class Mlp64 { }

    /// <summary>784-256-128-10, the wider training target.</summary>
    [Network(Loss = Loss.SoftmaxCrossEntropy)]
    [Input(784)]
    [Dense(256, Activation.ReLU)]
    [Dense(128, Activation.ReLU)]
    [Dense(10, Activation.Softmax)]
    public partial class Mlp256 { }

    /// <summary>4-16-3, the Iris network (the tiny single-sample target).</summary>
    [Network(Loss = Loss.SoftmaxCrossEntropy)]
    [Input(4)]
    [Dense(16, Activation.ReLU)]
    [Dense(3, Activation.Softmax)]
    public partial class Iris16 { }

    /// <summary>Seeded random inputs and class labels, so the benchmarks run without any data set.</summary>
    public static class RandomData
    {
        /// <summary><paramref name="count"/> uniform values in [0, 1).</summary>
        public static float[] Uniform(int count, int seed)
        {
            var random = new System.Random(seed);
            var values = new float[count];
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = random.NextSingle();
            }

            return values;
        }

        /// <summary><paramref name="count"/> class indices from 0 to <paramref name="classes"/> - 1, stored as floats.</summary>
        public static float[] Labels(int count, int classes, int seed)
        {
            var random = new System.Random(seed);
            var labels = new float[count];
            for (int i = 0; i < labels.Length; i++)
            {
                labels[i] = random.Next(classes);
            }

            return labels;
        }
    }
}
