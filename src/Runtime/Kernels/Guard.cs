using System;
using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Threading;

namespace GenNN.Kernels
{
    /// <summary>Argument checks shared by generated networks; each throws an exception that names the expected value.</summary>
    [EditorBrowsable(EditorBrowsableState.Advanced)]
    public static class Guard
    {
        /// <summary>Throws unless a one-sample span holds exactly <paramref name="expected"/> floats.</summary>
        /// <param name="actual">The span's length.</param>
        /// <param name="expected">The length the network needs.</param>
        /// <param name="paramName">The parameter's name.</param>
        /// <param name="sizeName">The constant that gives the expected length, e.g. <c>InputSize</c>.</param>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void SampleLength(int actual, int expected, string paramName, string sizeName)
        {
            if (actual != expected)
            {
                ThrowSampleLength(actual, expected, paramName, sizeName);
            }
        }

        [DoesNotReturn]
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void ThrowSampleLength(int actual, int expected, string paramName, string sizeName)
            => throw new ArgumentException(
                string.Format(CultureInfo.InvariantCulture, "{0} must hold {1} = {2} floats, but holds {3}.", paramName, sizeName, expected, actual),
                paramName);

        /// <summary>Throws unless a batch span holds exactly <paramref name="batchSize"/> x <paramref name="perSample"/> floats.</summary>
        /// <param name="actual">The span's length.</param>
        /// <param name="batchSize">The number of samples.</param>
        /// <param name="perSample">Floats per sample.</param>
        /// <param name="paramName">The parameter's name.</param>
        /// <param name="sizeName">The constant that gives <paramref name="perSample"/>, e.g. <c>InputSize</c>.</param>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void BatchLength(int actual, int batchSize, int perSample, string paramName, string sizeName)
        {
            if (actual != (long)batchSize * perSample)
            {
                ThrowBatchLength(actual, batchSize, perSample, paramName, sizeName);
            }
        }

        [DoesNotReturn]
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void ThrowBatchLength(int actual, int batchSize, int perSample, string paramName, string sizeName)
            => throw new ArgumentException(
                string.Format(CultureInfo.InvariantCulture,
                    "{0} must hold batchSize x {1} = {2} x {3} = {4} floats, but holds {5}.",
                    paramName, sizeName, batchSize, perSample, (long)batchSize * perSample, actual),
                paramName);

        /// <summary>Throws unless <paramref name="batchSize"/> is at least 1.</summary>
        public static void BatchSize(int batchSize)
        {
            if (batchSize < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "Expected a batch size of at least 1.");
            }
        }

        /// <summary>Throws unless <paramref name="batchSize"/> is from 1 to <paramref name="maxBatchSize"/>.</summary>
        /// <param name="batchSize">The number of samples.</param>
        /// <param name="maxBatchSize">The largest batch size the method supports.</param>
        /// <param name="limit">Where the limit comes from, for the message.</param>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void BatchSize(int batchSize, int maxBatchSize, string limit)
        {
            if ((uint)(batchSize - 1) >= (uint)maxBatchSize)
            {
                ThrowBatchSize(batchSize, maxBatchSize, limit);
            }
        }

        [DoesNotReturn]
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void ThrowBatchSize(int batchSize, int maxBatchSize, string limit)
            => throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize,
                string.Format(CultureInfo.InvariantCulture, "Expected a batch size from 1 to {0} ({1}).", maxBatchSize, limit));

        /// <summary>Throws unless <paramref name="input"/> and <paramref name="output"/> are separate memory (empty spans overlap nothing).</summary>
        /// <param name="input">A span the method reads.</param>
        /// <param name="output">A span the method writes.</param>
        /// <param name="inputName">The input parameter's name.</param>
        /// <param name="outputName">The output parameter's name.</param>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void NoOverlap(ReadOnlySpan<float> input, ReadOnlySpan<float> output, string inputName, string outputName)
        {
            if (input.Overlaps(output))
            {
                ThrowOverlap(inputName, outputName);
            }
        }

        [DoesNotReturn]
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void ThrowOverlap(string inputName, string outputName)
            => throw new ArgumentException(
                string.Format(CultureInfo.InvariantCulture,
                    "{0} and {1} overlap; the network does not work in place: pass an output buffer separate from the input.", inputName, outputName),
                outputName);

        /// <summary>
        /// Marks a training call as running on an instance, or throws if one already is: TrainBatch writes per-instance
        /// buffers, and two threads running it at once would silently corrupt the gradients.
        /// </summary>
        /// <param name="running">The instance's flag; 0 when idle. Pair every successful call with <see cref="ExitTrainBatch"/>.</param>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void EnterTrainBatch(ref int running)
        {
            if (Interlocked.CompareExchange(ref running, 1, 0) != 0)
            {
                ThrowConcurrentTrainBatch();
            }
        }

        /// <summary>Clears the flag set by <see cref="EnterTrainBatch"/>.</summary>
        /// <param name="running">The instance's flag.</param>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void ExitTrainBatch(ref int running) => Volatile.Write(ref running, 0);

        [DoesNotReturn]
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void ThrowConcurrentTrainBatch()
            => throw new InvalidOperationException(
                "TrainBatch is not thread-safe: another thread is running it on this instance. Train each instance from one thread at a time.");

        /// <summary>Throws unless every target is an integer class index in [0, <paramref name="classes"/>).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void ClassLabels(ReadOnlySpan<float> targets, int classes)
        {
            for (int s = 0; s < targets.Length; s++)
            {
                float t = targets[s];
                if (!(t >= 0f && t < classes) || t != MathF.Floor(t))
                {
                    throw new ArgumentException(
                        string.Format(CultureInfo.InvariantCulture,
                            "Target of sample {0} is {1}; SoftmaxCrossEntropy expects an integer class index from 0 to {2}.",
                            s, t, classes - 1),
                        nameof(targets));
                }
            }
        }

        /// <summary>Throws unless every target is a probability in [0, 1].</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void BinaryTargets(ReadOnlySpan<float> targets)
        {
            for (int s = 0; s < targets.Length; s++)
            {
                float t = targets[s];
                if (!(t >= 0f && t <= 1f))
                {
                    throw new ArgumentException(
                        string.Format(CultureInfo.InvariantCulture,
                            "Target of sample {0} is {1}; BinaryCrossEntropy expects a value in [0, 1].", s, t),
                        nameof(targets));
                }
            }
        }

        /// <summary>
        /// Throws unless there is one sample weight per sample and every weight is finite and at least 0 (Keras'
        /// <c>sample_weight</c>: 0 leaves a sample out, 2 counts it twice).
        /// </summary>
        /// <param name="weights">The batch's sample weights.</param>
        /// <param name="batchSize">The number of samples.</param>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void SampleWeights(ReadOnlySpan<float> weights, int batchSize)
        {
            if (weights.Length != batchSize)
            {
                throw new ArgumentException(
                    string.Format(CultureInfo.InvariantCulture, "Expected {0} sample weights (one per sample, batchSize); got {1}.", batchSize, weights.Length),
                    "sampleWeights");
            }

            for (int s = 0; s < weights.Length; s++)
            {
                float w = weights[s];
                if (!(w >= 0f) || float.IsInfinity(w))
                {
                    throw new ArgumentException(
                        string.Format(CultureInfo.InvariantCulture, "sampleWeights[{0}] is {1}; expected a finite weight of at least 0.", s, w),
                        "sampleWeights");
                }
            }
        }

        /// <summary>
        /// Throws unless every target row is a probability distribution over the classes, as
        /// <see cref="Loss.CategoricalCrossEntropy"/> needs: each value in [0, 1] and each row summing to 1 within 1e-3.
        /// </summary>
        /// <param name="targets">The batch's targets, <paramref name="classes"/> per sample.</param>
        /// <param name="classes">Targets per sample (the network's outputs).</param>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void ProbabilityTargets(ReadOnlySpan<float> targets, int classes)
        {
            for (int start = 0, s = 0; start < targets.Length; start += classes, s++)
            {
                ReadOnlySpan<float> row = targets.Slice(start, classes);
                double sum = 0;
                for (int k = 0; k < row.Length; k++)
                {
                    float t = row[k];
                    if (!(t >= 0f && t <= 1f))
                    {
                        throw new ArgumentException(
                            string.Format(CultureInfo.InvariantCulture,
                                "targets[{0}, {1}] is {2}; CategoricalCrossEntropy expects class probabilities in [0, 1] (one-hot or soft targets).",
                                s, k, t),
                            nameof(targets));
                    }

                    sum += t;
                }

                if (Math.Abs(sum - 1.0) > 1e-3)
                {
                    throw new ArgumentException(
                        string.Format(CultureInfo.InvariantCulture,
                            "The targets of sample {0} sum to {1}; CategoricalCrossEntropy expects {2} class probabilities summing to 1 (for class indices use SoftmaxCrossEntropy).",
                            s, sum, classes),
                        nameof(targets));
                }
            }
        }

        /// <summary>
        /// Throws unless every input is finite, naming the first bad one as <c>inputs[sample, feature]</c>. A vectorised
        /// scan: it costs a fraction of a percent of a training step.
        /// </summary>
        /// <param name="inputs">The batch, row-major.</param>
        /// <param name="inputSize">Features per sample.</param>
        public static void FiniteInputs(ReadOnlySpan<float> inputs, int inputSize)
        {
            if (!AllFinite(inputs))
            {
                ThrowNotFinite(inputs, inputSize, nameof(inputs));
            }
        }

        /// <summary>Throws unless every target is finite, naming the first bad one as <c>targets[sample, index]</c>.</summary>
        /// <param name="targets">The batch's targets, row-major.</param>
        /// <param name="targetSize">Targets per sample.</param>
        public static void FiniteTargets(ReadOnlySpan<float> targets, int targetSize)
        {
            if (!AllFinite(targets))
            {
                ThrowNotFinite(targets, targetSize, nameof(targets));
            }
        }

        /// <summary>
        /// Whether every value is finite: sums <c>x * 0</c>, which is 0 for a finite <c>x</c> and NaN for NaN and
        /// infinities, and tests the sum once at the end (no branch per element, four independent accumulators).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static bool AllFinite(ReadOnlySpan<float> values)
        {
            ref float first = ref MemoryMarshal.GetReference(values);
            nuint length = (nuint)values.Length;
            nuint i = 0;
            float rest = 0f;
            if (Vector512.IsHardwareAccelerated && length >= 64)
            {
                Vector512<float> zero = Vector512<float>.Zero, a0 = zero, a1 = zero, a2 = zero, a3 = zero;
                for (; i + 64 <= length; i += 64)
                {
                    a0 += Vector512.LoadUnsafe(ref first, i) * zero;
                    a1 += Vector512.LoadUnsafe(ref first, i + 16) * zero;
                    a2 += Vector512.LoadUnsafe(ref first, i + 32) * zero;
                    a3 += Vector512.LoadUnsafe(ref first, i + 48) * zero;
                }

                rest = Vector512.Sum((a0 + a1) + (a2 + a3));
            }
            else if (Vector256.IsHardwareAccelerated && length >= 32)
            {
                Vector256<float> zero = Vector256<float>.Zero, a0 = zero, a1 = zero, a2 = zero, a3 = zero;
                for (; i + 32 <= length; i += 32)
                {
                    a0 += Vector256.LoadUnsafe(ref first, i) * zero;
                    a1 += Vector256.LoadUnsafe(ref first, i + 8) * zero;
                    a2 += Vector256.LoadUnsafe(ref first, i + 16) * zero;
                    a3 += Vector256.LoadUnsafe(ref first, i + 24) * zero;
                }

                rest = Vector256.Sum((a0 + a1) + (a2 + a3));
            }
            else if (Vector128.IsHardwareAccelerated && length >= 16)
            {
                Vector128<float> zero = Vector128<float>.Zero, a0 = zero, a1 = zero, a2 = zero, a3 = zero;
                for (; i + 16 <= length; i += 16)
                {
                    a0 += Vector128.LoadUnsafe(ref first, i) * zero;
                    a1 += Vector128.LoadUnsafe(ref first, i + 4) * zero;
                    a2 += Vector128.LoadUnsafe(ref first, i + 8) * zero;
                    a3 += Vector128.LoadUnsafe(ref first, i + 12) * zero;
                }

                rest = Vector128.Sum((a0 + a1) + (a2 + a3));
            }

            float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
            for (; i + 4 <= length; i += 4)
            {
                s0 += Unsafe.Add(ref first, i) * 0f;
                s1 += Unsafe.Add(ref first, i + 1) * 0f;
                s2 += Unsafe.Add(ref first, i + 2) * 0f;
                s3 += Unsafe.Add(ref first, i + 3) * 0f;
            }

            for (; i < length; i++)
            {
                s0 += Unsafe.Add(ref first, i) * 0f;
            }

            return rest + ((s0 + s1) + (s2 + s3)) == 0f;
        }

        /// <summary>Finds the first non-finite value (only once the scan has failed) and throws naming its position.</summary>
        [DoesNotReturn]
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void ThrowNotFinite(ReadOnlySpan<float> values, int perSample, string paramName)
        {
            int i = 0;
            while (i < values.Length - 1 && float.IsFinite(values[i]))
            {
                i++;
            }

            throw new ArgumentException(
                string.Format(CultureInfo.InvariantCulture, "{0}[{1}, {2}] is {3}: training data must be finite.",
                    paramName, i / perSample, i % perSample, values[i]),
                paramName);
        }
    }
}
