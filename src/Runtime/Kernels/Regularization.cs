using System;
using System.ComponentModel;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace GenNN.Kernels
{
    /// <summary>
    /// L1 and L2 weight penalties (Keras' <c>kernel_regularizer</c>), applied by generated networks inside TrainBatch to
    /// the layers declared with <c>L1</c> or <c>L2</c>: the penalty is added to the returned loss and its gradient to
    /// the weight gradients, in the same pass. Biases are not penalised.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Advanced)]
    public static class Regularization
    {
        /// <summary>The penalty <c>l1 sum |w| + l2 sum w^2</c> of <paramref name="weights"/>, as <see cref="Apply"/> returns it.</summary>
        /// <param name="weights">One layer's weights.</param>
        /// <param name="l1">The L1 factor; at least 0.</param>
        /// <param name="l2">The L2 factor; at least 0.</param>
        /// <returns>The penalty.</returns>
        public static double Penalty(ReadOnlySpan<float> weights, float l1, float l2)
        {
            double penalty = 0;
            if (l2 != 0f) penalty += l2 * (double)TensorPrimitives.Dot(weights, weights);
            if (l1 != 0f) penalty += l1 * (double)TensorPrimitives.SumOfMagnitudes(weights);
            return penalty;
        }

        /// <summary>
        /// Adds <c>l1 sign(w) + 2 l2 w</c> to <paramref name="gradients"/> (<c>sign(0) = 0</c>, as PyTorch's and
        /// TensorFlow's gradient of <c>|w|</c> at 0) and returns the penalty <c>l1 sum |w| + l2 sum w^2</c> (Keras'
        /// <c>L1L2</c>: no factor 1/2 on the L2 term).
        /// </summary>
        /// <param name="weights">One layer's weights.</param>
        /// <param name="gradients">Their gradients, which the penalty's gradient is added to.</param>
        /// <param name="l1">The L1 factor; at least 0.</param>
        /// <param name="l2">The L2 factor; at least 0.</param>
        /// <returns>The penalty, to add to the loss.</returns>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static float Apply(ReadOnlySpan<float> weights, Span<float> gradients, float l1, float l2)
        {
            if (weights.Length != gradients.Length)
            {
                throw new ArgumentException(
                    string.Format(System.Globalization.CultureInfo.InvariantCulture, "Expected {0} gradients, one per weight; got {1}.", weights.Length, gradients.Length),
                    nameof(gradients));
            }

            double penalty = Penalty(weights, l1, l2);

            float twiceL2 = 2f * l2;
            int n = weights.Length, i = 0;
            if (Vector128.IsHardwareAccelerated)
            {
                ref float w = ref MemoryMarshal.GetReference(weights);
                ref float g = ref MemoryMarshal.GetReference(gradients);
                Vector128<float> vl1 = Vector128.Create(l1), vl2 = Vector128.Create(twiceL2), zero = Vector128<float>.Zero;
                for (; i + 4 <= n; i += 4)
                {
                    Vector128<float> x = Vector128.LoadUnsafe(ref w, (nuint)i);
                    // sign(x) l1: +l1 above 0, -l1 below, 0 at 0 (and for NaN, whose x * 2 l2 term carries it).
                    Vector128<float> sign = Vector128.BitwiseAnd(Vector128.GreaterThan(x, zero), vl1) - Vector128.BitwiseAnd(Vector128.LessThan(x, zero), vl1);
                    (Vector128.LoadUnsafe(ref g, (nuint)i) + (sign + x * vl2)).StoreUnsafe(ref g, (nuint)i);
                }
            }

            for (; i < n; i++)
            {
                float x = weights[i];
                float sign = x > 0f ? l1 : x < 0f ? -l1 : 0f;
                gradients[i] += sign + x * twiceL2;
            }

            return (float)penalty;
        }
    }
}
