using System;
using System.ComponentModel;
using System.Globalization;

namespace GenNN.Kernels
{
    /// <summary>Argument checks shared by generated networks; each throws an exception that names the expected value.</summary>
    [EditorBrowsable(EditorBrowsableState.Advanced)]
    public static class Guard
    {
        /// <summary>Throws unless <paramref name="actual"/> equals <paramref name="expected"/>.</summary>
        public static void Length(int actual, int expected, string paramName, string what)
        {
            if (actual != expected)
            {
                throw new ArgumentException(
                    string.Format(CultureInfo.InvariantCulture, "Expected {0} = {1} floats, got {2}.", what, expected, actual),
                    paramName);
            }
        }

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
