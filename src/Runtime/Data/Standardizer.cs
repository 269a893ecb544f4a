using System;
using System.Numerics.Tensors;

namespace GenNN
{
    /// <summary>
    /// Scales each feature to zero mean and unit variance (scikit-learn's <c>StandardScaler</c>): fit it on the
    /// training set, then transform the training set, the test set and every sample you predict on.
    /// </summary>
    /// <remarks>
    /// Uses the population standard deviation. A feature that is constant in the training set (standard deviation
    /// 0) is only centred: its scale is 1, as in scikit-learn. Immutable and thread-safe once created.
    /// </remarks>
    public sealed class Standardizer
    {
        private readonly float[] _mean;
        private readonly float[] _scale;

        /// <summary>Creates a standardizer from known statistics, e.g. ones saved from an earlier <see cref="Fit"/>.</summary>
        /// <param name="mean">The mean of each feature.</param>
        /// <param name="scale">The divisor of each feature (its standard deviation); finite and greater than 0.</param>
        /// <exception cref="ArgumentException">The lengths differ or are 0, or a value is invalid.</exception>
        public Standardizer(ReadOnlySpan<float> mean, ReadOnlySpan<float> scale)
        {
            if (mean.Length == 0 || mean.Length != scale.Length)
            {
                throw new ArgumentException(
                    Dataset.Format("Expected one mean and one scale per feature, both non-empty; got {0} means and {1} scales.", mean.Length, scale.Length),
                    nameof(scale));
            }

            for (int i = 0; i < mean.Length; i++)
            {
                if (!float.IsFinite(mean[i]))
                {
                    throw new ArgumentException(Dataset.Format("Mean {0} is {1}; expected a finite value.", i, mean[i]), nameof(mean));
                }

                if (!(scale[i] > 0f && float.IsFinite(scale[i])))
                {
                    throw new ArgumentException(Dataset.Format("Scale {0} is {1}; expected a finite value greater than 0.", i, scale[i]), nameof(scale));
                }
            }

            _mean = mean.ToArray();
            _scale = scale.ToArray();
        }

        /// <summary>The number of features this standardizer transforms.</summary>
        public int FeatureCount => _mean.Length;

        /// <summary>The mean of each feature in the data it was fitted on.</summary>
        public ReadOnlySpan<float> Mean => _mean;

        /// <summary>The divisor of each feature: its standard deviation, or 1 where that was 0.</summary>
        public ReadOnlySpan<float> Scale => _scale;

        /// <summary>Computes each feature's mean and standard deviation (in double precision) over <paramref name="data"/>.</summary>
        /// <param name="data">The training set; at least one sample.</param>
        /// <returns>A standardizer for data sets with <paramref name="data"/>'s feature count.</returns>
        /// <exception cref="ArgumentException"><paramref name="data"/> is empty.</exception>
        public static Standardizer Fit(Dataset data)
        {
            ArgumentNullException.ThrowIfNull(data);
            if (data.Count == 0)
            {
                throw new ArgumentException("Cannot fit a standardizer on an empty data set.", nameof(data));
            }

            int f = data.FeatureCount;
            var sum = new double[f];
            ReadOnlySpan<float> x = data.Features;
            for (int r = 0; r < data.Count; r++)
            {
                for (int c = 0; c < f; c++)
                {
                    sum[c] += x[r * f + c];
                }
            }

            var mean = new double[f];
            for (int c = 0; c < f; c++)
            {
                mean[c] = sum[c] / data.Count;
            }

            var squares = new double[f];
            for (int r = 0; r < data.Count; r++)
            {
                for (int c = 0; c < f; c++)
                {
                    double d = x[r * f + c] - mean[c];
                    squares[c] += d * d;
                }
            }

            var meanF = new float[f];
            var scale = new float[f];
            for (int c = 0; c < f; c++)
            {
                meanF[c] = (float)mean[c];
                float std = (float)Math.Sqrt(squares[c] / data.Count);
                // Like scikit-learn: a (near-)constant feature keeps its scale, so it is centred but not blown up.
                scale[c] = std > 10f * float.Epsilon * Math.Max(1f, MathF.Abs(meanF[c])) && float.IsFinite(std) ? std : 1f;
            }

            return new Standardizer(meanF, scale);
        }

        /// <summary>Returns a new data set with standardized features and the same targets and names.</summary>
        /// <param name="data">A data set with <see cref="FeatureCount"/> features.</param>
        /// <exception cref="ArgumentException">The feature count differs.</exception>
        public Dataset Transform(Dataset data)
        {
            ArgumentNullException.ThrowIfNull(data);
            CheckFeatureCount(data.FeatureCount, nameof(data));
            var features = new float[data.Features.Length];
            Transform(data.Features, features);
            return data.WithArrays(features, data.Targets.ToArray());
        }

        /// <summary>Standardizes one or more row-major samples into <paramref name="destination"/>, which may be the same span as <paramref name="source"/>.</summary>
        /// <param name="source">Whole rows of <see cref="FeatureCount"/> features.</param>
        /// <param name="destination">Receives as many floats as <paramref name="source"/> holds.</param>
        /// <exception cref="ArgumentException">A length is not a multiple of <see cref="FeatureCount"/> or the lengths differ.</exception>
        public void Transform(ReadOnlySpan<float> source, Span<float> destination)
        {
            int f = _mean.Length;
            if (source.Length % f != 0)
            {
                throw new ArgumentException(Dataset.Format("Expected whole rows of {0} features, got {1} floats.", f, source.Length), nameof(source));
            }

            if (destination.Length != source.Length)
            {
                throw new ArgumentException(Dataset.Format("Expected a destination of {0} floats like the source, got {1}.", source.Length, destination.Length), nameof(destination));
            }

            for (int start = 0; start < source.Length; start += f)
            {
                Span<float> row = destination.Slice(start, f);
                TensorPrimitives.Subtract(source.Slice(start, f), _mean, row);
                TensorPrimitives.Divide(row, _scale, row);
            }
        }

        /// <summary>Standardizes one or more row-major samples in place.</summary>
        /// <param name="features">Whole rows of <see cref="FeatureCount"/> features.</param>
        /// <exception cref="ArgumentException">The length is not a multiple of <see cref="FeatureCount"/>.</exception>
        public void TransformInPlace(Span<float> features) => Transform(features, features);

        private void CheckFeatureCount(int featureCount, string paramName)
        {
            if (featureCount != _mean.Length)
            {
                throw new ArgumentException(
                    Dataset.Format("This standardizer was fitted on {0} features; the data set has {1}.", _mean.Length, featureCount), paramName);
            }
        }
    }
}
