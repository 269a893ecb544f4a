using System;
using System.ComponentModel;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace GenNN.Kernels
{
    /// <summary>
    /// The kernels of generated BatchNorm layers. Values are channels last: a batch is <c>count x channels</c> floats, where
    /// <c>count</c> is the samples times the positions of a sample (pixels, steps), and every statistic is per channel over
    /// all <c>count</c> values.
    /// </summary>
    /// <remarks>
    /// TrainBatch splits a batch's rows between threads, but a batch statistic needs every row: its generated code stops
    /// where one is needed and computes it split by channels instead (<see cref="Statistics"/>, <see cref="ChannelSums"/>,
    /// <see cref="ChannelProductSums"/>). Each channel's sum runs over the rows in order, in double, whatever the split: a
    /// vector lane adds exactly as a scalar does, so the results have the same bits on any number of threads.
    /// </remarks>
    [EditorBrowsable(EditorBrowsableState.Advanced)]
    public static class BatchNorm
    {
        /// <summary>Channels whose double accumulators one pass keeps on the stack.</summary>
        private const int Block = 256;

        /// <summary>
        /// The batch statistics of channels <c>[first, first + mean.Length)</c> of <paramref name="x"/> (<c>count x channels</c>):
        /// the mean and <c>1 / sqrt(variance + epsilon)</c> with the biased variance, as training normalises with them. Then the
        /// running statistics move towards the batch's by <paramref name="momentum"/>, with the unbiased variance (PyTorch's
        /// rule). Two passes in double: the sum, then the squares about the mean.
        /// </summary>
        /// <param name="x">The batch's input to the layer, <c>count x channels</c>; count at least 2.</param>
        /// <param name="channels">The channels.</param>
        /// <param name="first">The first channel of this call.</param>
        /// <param name="mean">The batch means of the channels, written.</param>
        /// <param name="invStd">Their <c>1 / sqrt(variance + epsilon)</c>, written.</param>
        /// <param name="runningMean">The running means of the same channels, updated.</param>
        /// <param name="runningVar">The running variances of the same channels, updated.</param>
        /// <param name="momentum">The weight of the batch's statistics.</param>
        /// <param name="epsilon">Added to the variance.</param>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Statistics(
            ReadOnlySpan<float> x, int channels, int first, Span<float> mean, Span<float> invStd, Span<float> runningMean, Span<float> runningVar,
            float momentum, float epsilon)
        {
            int count = x.Length / channels;
            Span<double> sum = stackalloc double[Block];
            Span<double> center = stackalloc double[Block];
            for (int c0 = 0; c0 < mean.Length; c0 += Block)
            {
                int width = Math.Min(Block, mean.Length - c0);
                Span<double> s = sum.Slice(0, width), m = center.Slice(0, width);
                s.Clear();
                for (int r = 0; r < count; r++)
                {
                    Add(x.Slice(r * channels + first + c0, width), s);
                }

                for (int j = 0; j < width; j++)
                {
                    m[j] = s[j] / count;
                }

                s.Clear();
                for (int r = 0; r < count; r++)
                {
                    AddSquares(x.Slice(r * channels + first + c0, width), m, s);
                }

                for (int j = 0; j < width; j++)
                {
                    double variance = s[j] / count;
                    mean[c0 + j] = (float)m[j];
                    invStd[c0 + j] = (float)(1.0 / Math.Sqrt(variance + epsilon));
                    double unbiased = s[j] / (count - 1);
                    runningMean[c0 + j] = (float)((1.0 - momentum) * runningMean[c0 + j] + momentum * m[j]);
                    runningVar[c0 + j] = (float)((1.0 - momentum) * runningVar[c0 + j] + momentum * unbiased);
                }
            }
        }

        /// <summary>
        /// <c>sums[j] = sum over rows of values[row, first + j]</c> for <paramref name="values"/> of <c>count x channels</c>
        /// (a BatchNorm's bias gradient, and a part of its input gradient), added in double in row order.
        /// </summary>
        /// <param name="values">The values, <c>count x channels</c>.</param>
        /// <param name="channels">The channels.</param>
        /// <param name="first">The first channel summed.</param>
        /// <param name="sums">The sums, one per channel from <paramref name="first"/> on.</param>
        public static void ChannelSums(ReadOnlySpan<float> values, int channels, int first, Span<float> sums)
            => Sums(values, default, channels, first, sums);

        /// <summary>
        /// <c>sums[j] = sum over rows of a[row, first + j] b[row, first + j]</c> (a BatchNorm's weight gradient: the deltas
        /// times the normalised inputs), added in double in row order.
        /// </summary>
        /// <param name="a">The first factors, <c>count x channels</c>.</param>
        /// <param name="b">The second factors, <c>count x channels</c>.</param>
        /// <param name="channels">The channels.</param>
        /// <param name="first">The first channel summed.</param>
        /// <param name="sums">The sums, one per channel from <paramref name="first"/> on.</param>
        public static void ChannelProductSums(ReadOnlySpan<float> a, ReadOnlySpan<float> b, int channels, int first, Span<float> sums)
            => Sums(a, b, channels, first, sums);

        /// <summary>The sums of <paramref name="a"/> (times <paramref name="b"/> unless it is empty) per channel, in double, block by block of channels.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Sums(ReadOnlySpan<float> a, ReadOnlySpan<float> b, int channels, int first, Span<float> sums)
        {
            int count = a.Length / channels;
            Span<double> sum = stackalloc double[Block];
            for (int c0 = 0; c0 < sums.Length; c0 += Block)
            {
                int width = Math.Min(Block, sums.Length - c0);
                Span<double> s = sum.Slice(0, width);
                s.Clear();
                for (int r = 0; r < count; r++)
                {
                    int at = r * channels + first + c0;
                    if (b.IsEmpty)
                    {
                        Add(a.Slice(at, width), s);
                    }
                    else
                    {
                        AddProducts(a.Slice(at, width), b.Slice(at, width), s);
                    }
                }

                for (int j = 0; j < width; j++)
                {
                    sums[c0 + j] = (float)s[j];
                }
            }
        }

        /// <summary>
        /// Training's normalisation of some rows: <c>normalized = (x - mean) invStd</c>, kept for the backward pass, and
        /// <c>y = weight normalized + bias</c>, channel by channel.
        /// </summary>
        /// <param name="x">The rows' inputs, <c>rows x channels</c>.</param>
        /// <param name="normalized">The rows' normalised inputs, written.</param>
        /// <param name="y">The rows' outputs (before the layer's activation), written.</param>
        /// <param name="mean">The batch means (<see cref="Statistics"/>).</param>
        /// <param name="invStd">The batch's <c>1 / sqrt(variance + epsilon)</c>.</param>
        /// <param name="weight">The layer's weights (gamma).</param>
        /// <param name="bias">The layer's biases (beta).</param>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void TrainingForward(
            ReadOnlySpan<float> x, Span<float> normalized, Span<float> y, ReadOnlySpan<float> mean, ReadOnlySpan<float> invStd,
            ReadOnlySpan<float> weight, ReadOnlySpan<float> bias)
        {
            int channels = mean.Length;
            for (int at = 0; at < x.Length; at += channels)
            {
                ReadOnlySpan<float> xr = x.Slice(at, channels);
                Span<float> nr = normalized.Slice(at, channels), yr = y.Slice(at, channels);
                int j = 0;
                if (Vector.IsHardwareAccelerated)
                {
                    for (; j <= channels - Vector<float>.Count; j += Vector<float>.Count)
                    {
                        Vector<float> n = (new Vector<float>(xr.Slice(j)) - new Vector<float>(mean.Slice(j))) * new Vector<float>(invStd.Slice(j));
                        n.CopyTo(nr.Slice(j));
                        (n * new Vector<float>(weight.Slice(j)) + new Vector<float>(bias.Slice(j))).CopyTo(yr.Slice(j));
                    }
                }

                for (; j < channels; j++)
                {
                    float n = (xr[j] - mean[j]) * invStd[j];
                    nr[j] = n;
                    yr[j] = n * weight[j] + bias[j];
                }
            }
        }

        /// <summary>
        /// Inference: <c>y = (x - runningMean) weight / sqrt(runningVar + epsilon) + bias</c>, as PyTorch's
        /// <c>eval()</c> mode computes it: a scale and a shift per channel (in <paramref name="scaleShift"/>, 2 x channels floats),
        /// then one multiply-add per value. <paramref name="x"/> and <paramref name="y"/> may be the same span.
        /// </summary>
        /// <param name="x">The inputs, <c>count x channels</c>.</param>
        /// <param name="y">The outputs (before the layer's activation), written.</param>
        /// <param name="weight">The layer's weights (gamma).</param>
        /// <param name="bias">The layer's biases (beta).</param>
        /// <param name="runningMean">The running means.</param>
        /// <param name="runningVar">The running variances.</param>
        /// <param name="epsilon">Added to the variance.</param>
        /// <param name="scaleShift">Work area of 2 x channels floats.</param>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Inference(
            ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, ReadOnlySpan<float> runningMean,
            ReadOnlySpan<float> runningVar, float epsilon, Span<float> scaleShift)
        {
            int channels = weight.Length;
            Span<float> scale = scaleShift.Slice(0, channels), shift = scaleShift.Slice(channels, channels);
            for (int c = 0; c < channels; c++)
            {
                float s = weight[c] / MathF.Sqrt(runningVar[c] + epsilon);
                scale[c] = s;
                shift[c] = bias[c] - runningMean[c] * s;
            }

            for (int at = 0; at < x.Length; at += channels)
            {
                ReadOnlySpan<float> xr = x.Slice(at, channels);
                Span<float> yr = y.Slice(at, channels);
                int j = 0;
                if (Vector.IsHardwareAccelerated)
                {
                    for (; j <= channels - Vector<float>.Count; j += Vector<float>.Count)
                    {
                        (new Vector<float>(xr.Slice(j)) * new Vector<float>(scale.Slice(j)) + new Vector<float>(shift.Slice(j))).CopyTo(yr.Slice(j));
                    }
                }

                for (; j < channels; j++)
                {
                    yr[j] = xr[j] * scale[j] + shift[j];
                }
            }
        }

        /// <summary>
        /// The gradient of the layer's input for some rows, from the gradient of its output (before the activation):
        /// <c>inputDelta = weight invStd (delta - sumDelta / count - normalized sumDeltaNormalized / count)</c>, where the sums
        /// run over the whole batch (<see cref="ChannelSums"/>, <see cref="ChannelProductSums"/>) and <paramref name="count"/>
        /// is the batch's values per channel.
        /// </summary>
        /// <param name="delta">The rows' output gradients, <c>rows x channels</c>.</param>
        /// <param name="normalized">The rows' normalised inputs (<see cref="TrainingForward"/>).</param>
        /// <param name="inputDelta">The rows' input gradients, written.</param>
        /// <param name="invStd">The batch's <c>1 / sqrt(variance + epsilon)</c>.</param>
        /// <param name="weight">The layer's weights (gamma).</param>
        /// <param name="sumDelta">The batch's sums of <paramref name="delta"/> per channel.</param>
        /// <param name="sumDeltaNormalized">The batch's sums of <paramref name="delta"/> times <paramref name="normalized"/>.</param>
        /// <param name="count">The batch's values per channel.</param>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void InputGradient(
            ReadOnlySpan<float> delta, ReadOnlySpan<float> normalized, Span<float> inputDelta, ReadOnlySpan<float> invStd, ReadOnlySpan<float> weight,
            ReadOnlySpan<float> sumDelta, ReadOnlySpan<float> sumDeltaNormalized, int count)
        {
            int channels = weight.Length;
            float inverse = 1f / count;
            // Vectors of channels, then the rest one at a time: each value takes the same operations in the same order
            // either way (no fused multiply-add), so the bits do not depend on the vector width.
            int vectors = Vector.IsHardwareAccelerated ? channels - channels % Vector<float>.Count : 0;
            var scale = new Vector<float>(inverse);
            for (int at = 0; at < delta.Length; at += channels)
            {
                int c = 0;
                for (; c < vectors; c += Vector<float>.Count)
                {
                    Vector<float> d = new Vector<float>(delta.Slice(at + c)) - new Vector<float>(sumDelta.Slice(c)) * scale
                        - new Vector<float>(normalized.Slice(at + c)) * (new Vector<float>(sumDeltaNormalized.Slice(c)) * scale);
                    (new Vector<float>(weight.Slice(c)) * new Vector<float>(invStd.Slice(c)) * d).CopyTo(inputDelta.Slice(at + c));
                }

                for (; c < channels; c++)
                {
                    float d = delta[at + c] - sumDelta[c] * inverse - normalized[at + c] * (sumDeltaNormalized[c] * inverse);
                    inputDelta[at + c] = weight[c] * invStd[c] * d;
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Add(ReadOnlySpan<float> x, Span<double> sum)
        {
            int j = 0;
            if (Vector.IsHardwareAccelerated)
            {
                Span<Vector<double>> s = MemoryMarshal.Cast<double, Vector<double>>(sum);
                for (; j <= x.Length - Vector<float>.Count; j += Vector<float>.Count)
                {
                    Vector.Widen(new Vector<float>(x.Slice(j)), out Vector<double> low, out Vector<double> high);
                    int v = j / Vector<double>.Count;
                    s[v] += low;
                    s[v + 1] += high;
                }
            }

            for (; j < x.Length; j++)
            {
                sum[j] += x[j];
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void AddSquares(ReadOnlySpan<float> x, ReadOnlySpan<double> mean, Span<double> sum)
        {
            int j = 0;
            if (Vector.IsHardwareAccelerated)
            {
                Span<Vector<double>> s = MemoryMarshal.Cast<double, Vector<double>>(sum);
                ReadOnlySpan<Vector<double>> m = MemoryMarshal.Cast<double, Vector<double>>(mean);
                for (; j <= x.Length - Vector<float>.Count; j += Vector<float>.Count)
                {
                    Vector.Widen(new Vector<float>(x.Slice(j)), out Vector<double> low, out Vector<double> high);
                    int v = j / Vector<double>.Count;
                    Vector<double> dl = low - m[v], dh = high - m[v + 1];
                    s[v] += dl * dl;
                    s[v + 1] += dh * dh;
                }
            }

            for (; j < x.Length; j++)
            {
                double d = x[j] - mean[j];
                sum[j] += d * d;
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void AddProducts(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<double> sum)
        {
            int j = 0;
            if (Vector.IsHardwareAccelerated)
            {
                Span<Vector<double>> s = MemoryMarshal.Cast<double, Vector<double>>(sum);
                for (; j <= a.Length - Vector<float>.Count; j += Vector<float>.Count)
                {
                    Vector.Widen(new Vector<float>(a.Slice(j)), out Vector<double> al, out Vector<double> ah);
                    Vector.Widen(new Vector<float>(b.Slice(j)), out Vector<double> bl, out Vector<double> bh);
                    int v = j / Vector<double>.Count;
                    s[v] += al * bl;
                    s[v + 1] += ah * bh;
                }
            }

            for (; j < a.Length; j++)
            {
                sum[j] += (double)a[j] * b[j];
            }
        }
    }
}
