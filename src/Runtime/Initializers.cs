using System;

namespace GenNN
{
    /// <summary>
    /// Weight initialisers (Keras' names and formulas). Generated networks use <see cref="HeUniform"/> for ReLU-family
    /// layers and <see cref="GlorotUniform"/> for the others unless a layer sets <c>KernelInitializer</c>, with biases
    /// at zero (Keras' defaults for the latter). Seeded <see cref="Random"/> instances give the same numbers on every
    /// .NET version. The normal variants draw from a normal truncated at two standard deviations whose standard
    /// deviation is divided by 0.8796 (the truncation's loss), so the weights' variance is the named one, as Keras'
    /// <c>VarianceScaling</c> does.
    /// </summary>
    public static class Initializers
    {
        /// <summary>
        /// A seed for a network created without one (its parameterless constructor): <see cref="Random.Shared"/>'s next
        /// value. Here rather than in the generated code, so that a project that runs every analyzer (CA5394 flags
        /// <see cref="Random"/>) builds without a warning it could not fix in generated code.
        /// </summary>
        public static int NewSeed() => Random.Shared.Next();

        /// <summary>Fills <paramref name="weights"/> from U(-l, l) with <c>l = sqrt(6 / fanIn)</c> (Keras' <c>he_uniform</c>).</summary>
        public static void HeUniform(Span<float> weights, int fanIn, Random random)
            => Uniform(weights, Math.Sqrt(6.0 / fanIn), random);

        /// <summary>Fills <paramref name="weights"/> from U(-l, l) with <c>l = sqrt(6 / (fanIn + fanOut))</c> (Keras' <c>glorot_uniform</c>).</summary>
        public static void GlorotUniform(Span<float> weights, int fanIn, int fanOut, Random random)
            => Uniform(weights, Math.Sqrt(6.0 / (fanIn + fanOut)), random);

        /// <summary>Fills <paramref name="weights"/> from a truncated normal of variance <c>2 / (fanIn + fanOut)</c> (Keras' <c>glorot_normal</c>).</summary>
        public static void GlorotNormal(Span<float> weights, int fanIn, int fanOut, Random random)
            => TruncatedNormal(weights, Math.Sqrt(2.0 / (fanIn + fanOut)), random);

        /// <summary>Fills <paramref name="weights"/> from a truncated normal of variance <c>2 / fanIn</c> (Keras' <c>he_normal</c>).</summary>
        public static void HeNormal(Span<float> weights, int fanIn, Random random)
            => TruncatedNormal(weights, Math.Sqrt(2.0 / fanIn), random);

        /// <summary>Fills <paramref name="weights"/> from U(-l, l) with <c>l = sqrt(3 / fanIn)</c> (Keras' <c>lecun_uniform</c>).</summary>
        public static void LeCunUniform(Span<float> weights, int fanIn, Random random)
            => Uniform(weights, Math.Sqrt(3.0 / fanIn), random);

        /// <summary>Fills <paramref name="weights"/> from a truncated normal of variance <c>1 / fanIn</c> (Keras' <c>lecun_normal</c>).</summary>
        public static void LeCunNormal(Span<float> weights, int fanIn, Random random)
            => TruncatedNormal(weights, Math.Sqrt(1.0 / fanIn), random);

        /// <summary>
        /// Normal draws (Box-Muller, both values used) of standard deviation <c>stddev / 0.8796</c>, redrawn beyond two of
        /// those deviations: the variance of what remains is <c>stddev^2</c>.
        /// </summary>
        private static void TruncatedNormal(Span<float> weights, double stddev, Random random)
        {
            ArgumentNullException.ThrowIfNull(random);
            const double TruncationStddev = 0.87962566103423978; // of N(0, 1) truncated to [-2, 2]
            double sigma = stddev / TruncationStddev;
            int i = 0;
            while (i < weights.Length)
            {
                double u1 = 1.0 - random.NextDouble(); // (0, 1]: log is finite
                double u2 = random.NextDouble();
                double radius = Math.Sqrt(-2.0 * Math.Log(u1));
                double z0 = radius * Math.Cos(2 * Math.PI * u2), z1 = radius * Math.Sin(2 * Math.PI * u2);
                if (Math.Abs(z0) <= 2.0)
                {
                    weights[i++] = (float)(z0 * sigma);
                }

                if (Math.Abs(z1) <= 2.0 && i < weights.Length)
                {
                    weights[i++] = (float)(z1 * sigma);
                }
            }
        }

        private static void Uniform(Span<float> weights, double limit, Random random)
        {
            ArgumentNullException.ThrowIfNull(random);
            for (int i = 0; i < weights.Length; i++)
            {
                weights[i] = (float)((random.NextDouble() * 2.0 - 1.0) * limit);
            }
        }
    }
}
