using System;

namespace GenNN
{
    /// <summary>
    /// Weight initialisers. Generated networks use <see cref="HeUniform"/> for ReLU-family layers and
    /// <see cref="GlorotUniform"/> for the others, with biases at zero (Keras' defaults for the latter).
    /// Seeded <see cref="Random"/> instances give the same numbers on every .NET version.
    /// </summary>
    public static class Initializers
    {
        /// <summary>Fills <paramref name="weights"/> from U(-l, l) with <c>l = sqrt(6 / fanIn)</c> (Keras' <c>he_uniform</c>).</summary>
        public static void HeUniform(Span<float> weights, int fanIn, Random random)
            => Uniform(weights, Math.Sqrt(6.0 / fanIn), random);

        /// <summary>Fills <paramref name="weights"/> from U(-l, l) with <c>l = sqrt(6 / (fanIn + fanOut))</c> (Keras' <c>glorot_uniform</c>).</summary>
        public static void GlorotUniform(Span<float> weights, int fanIn, int fanOut, Random random)
            => Uniform(weights, Math.Sqrt(6.0 / (fanIn + fanOut)), random);

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
