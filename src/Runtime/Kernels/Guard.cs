using System;
using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.CompilerServices;

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

        /// <summary>Throws unless every target is an integer class index in [0, <paramref name="classes"/>).</summary>
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

        /// <summary>Throws unless every target is finite.</summary>
        public static void FiniteTargets(ReadOnlySpan<float> targets, int targetSize)
        {
            for (int i = 0; i < targets.Length; i++)
            {
                if (!float.IsFinite(targets[i]))
                {
                    throw new ArgumentException(
                        string.Format(CultureInfo.InvariantCulture,
                            "Target {0} of sample {1} is {2}; expected a finite value.", i % targetSize, i / targetSize, targets[i]),
                        nameof(targets));
                }
            }
        }
    }
}
