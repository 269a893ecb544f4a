using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace GenNN
{
    /// <summary>
    /// Regression metrics: mean absolute error, mean squared error, its root, and the coefficient of determination R2,
    /// with scikit-learn's definitions (<c>mean_absolute_error</c>, <c>mean_squared_error</c>, <c>r2_score</c>).
    /// </summary>
    /// <remarks>
    /// <para>With several outputs, MAE and MSE are means over every output of every sample (equal to scikit-learn's
    /// <c>uniform_average</c>), RMSE is the square root of that MSE (Keras' <c>RootMeanSquaredError</c>; scikit-learn's
    /// <c>root_mean_squared_error</c> would average per-output roots instead), and R2 is the mean of the per-output R2
    /// (<see cref="OutputR2"/>), as scikit-learn's <c>uniform_average</c>.</para>
    /// <para>R2 of one output is <c>1 - sum (y - p)^2 / sum (y - mean y)^2</c>. For an output whose targets are all equal
    /// it is 1 when every prediction is exact and 0 otherwise (scikit-learn's <c>force_finite=True</c>). A NaN prediction
    /// makes every metric NaN.</para>
    /// </remarks>
    public sealed class RegressionReport
    {
        private readonly double[] _outputR2;

        private RegressionReport(long count, int outputSize, double absSum, double squareSum, double[] outputR2)
        {
            Count = count;
            OutputSize = outputSize;
            double values = (double)count * outputSize;
            MeanAbsoluteError = absSum / values;
            MeanSquaredError = squareSum / values;
            RootMeanSquaredError = Math.Sqrt(MeanSquaredError);
            _outputR2 = outputR2;
            double sum = 0;
            foreach (double r2 in outputR2)
            {
                sum += r2;
            }

            R2 = sum / outputSize;
        }

        /// <summary>The number of samples.</summary>
        public long Count { get; }

        /// <summary>The number of outputs per sample.</summary>
        public int OutputSize { get; }

        /// <summary>The mean absolute error over every output.</summary>
        public double MeanAbsoluteError { get; }

        /// <summary>The mean squared error over every output.</summary>
        public double MeanSquaredError { get; }

        /// <summary>The square root of <see cref="MeanSquaredError"/>.</summary>
        public double RootMeanSquaredError { get; }

        /// <summary>The coefficient of determination, averaged over the outputs.</summary>
        public double R2 { get; }

        /// <summary>The coefficient of determination of each output.</summary>
        public IReadOnlyList<double> OutputR2 => _outputR2;

        /// <summary>Computes the metrics from raw predictions and targets.</summary>
        /// <param name="predictions">Row-major, <paramref name="outputSize"/> values per sample.</param>
        /// <param name="targets">Same layout and length as <paramref name="predictions"/>.</param>
        /// <param name="outputSize">Values per sample; at least 1.</param>
        /// <returns>The report.</returns>
        /// <exception cref="ArgumentException">The lengths differ, are not a multiple of <paramref name="outputSize"/>, or are 0.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="outputSize"/> is less than 1.</exception>
        public static RegressionReport Compute(ReadOnlySpan<float> predictions, ReadOnlySpan<float> targets, int outputSize = 1)
        {
            if (outputSize < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(outputSize), outputSize, "Expected at least 1 output per sample.");
            }

            if (predictions.Length != targets.Length)
            {
                throw new ArgumentException(
                    Dataset.Format("Expected one target per prediction ({0}), got {1}.", predictions.Length, targets.Length), nameof(targets));
            }

            if (targets.Length == 0 || targets.Length % outputSize != 0)
            {
                throw new ArgumentException(
                    Dataset.Format("Expected a positive multiple of outputSize = {0} values, got {1}.", outputSize, targets.Length), nameof(targets));
            }

            var accumulator = new Accumulator(TargetMeans(targets, outputSize));
            accumulator.Add(predictions, targets);
            return accumulator.ToReport();
        }

        /// <summary>The mean of each output's targets (the first pass of R2: sums of squares about the mean, not about 0).</summary>
        internal static double[] TargetMeans(ReadOnlySpan<float> targets, int outputSize)
        {
            var means = new double[outputSize];
            for (int i = 0; i < targets.Length; i++)
            {
                means[i % outputSize] += targets[i];
            }

            long count = targets.Length / outputSize;
            for (int o = 0; o < outputSize; o++)
            {
                means[o] /= count;
            }

            return means;
        }

        /// <summary>Formats the metrics, e.g. <c>mae: 0.1234 - mse: 0.0456 - rmse: 0.2135 - r2: 0.9321 (30 samples)</c>.</summary>
        public override string ToString()
        {
            var text = new StringBuilder();
            text.Append(CultureInfo.InvariantCulture,
                $"mae: {MeanAbsoluteError:0.0000} - mse: {MeanSquaredError:0.0000} - rmse: {RootMeanSquaredError:0.0000} - r2: {R2:0.0000} ({Count} samples)");
            return text.ToString();
        }

        /// <summary>Accumulates batch by batch: allocated once per report, nothing per sample.</summary>
        internal sealed class Accumulator
        {
            private readonly double[] _means;
            private readonly double[] _residual;
            private readonly double[] _total;
            private double _absSum;
            private double _squareSum;
            private long _values;

            public Accumulator(double[] means)
            {
                _means = means;
                _residual = new double[means.Length];
                _total = new double[means.Length];
            }

            public void Add(ReadOnlySpan<float> predictions, ReadOnlySpan<float> targets)
            {
                int outputs = _means.Length;
                for (int i = 0; i < targets.Length; i++)
                {
                    int o = i % outputs;
                    double error = (double)predictions[i] - targets[i];
                    double spread = targets[i] - _means[o];
                    _absSum += Math.Abs(error);
                    _squareSum += error * error;
                    _residual[o] += error * error;
                    _total[o] += spread * spread;
                }

                _values += targets.Length;
            }

            public RegressionReport ToReport()
            {
                int outputs = _means.Length;
                var r2 = new double[outputs];
                for (int o = 0; o < outputs; o++)
                {
                    r2[o] = _total[o] != 0 ? 1 - _residual[o] / _total[o]
                        : double.IsNaN(_residual[o]) ? double.NaN
                        : _residual[o] == 0 ? 1 : 0;
                }

                return new RegressionReport(_values / outputs, outputs, _absSum, _squareSum, r2);
            }
        }
    }
}
