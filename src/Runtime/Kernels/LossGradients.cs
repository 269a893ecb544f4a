using System;
using System.ComponentModel;
using System.Numerics.Tensors;

namespace GenNN.Kernels
{
    /// <summary>
    /// One sample's loss and its gradient with respect to the last layer, called by generated networks.
    /// Each function returns the sample's loss and writes the gradient scaled by <c>scale</c>
    /// (the generated code passes <c>1 / batchSize</c> so the gradients are those of the batch mean).
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Advanced)]
    public static class LossGradients
    {
        /// <summary>
        /// Softmax cross-entropy from logits: writes <c>softmax(logits)</c> to <paramref name="probabilities"/>,
        /// <c>(p - onehot(label)) * scale</c> to <paramref name="delta"/>, and returns <c>-log p[label]</c>
        /// computed as <c>logsumexp(z) - z[label]</c>.
        /// </summary>
        public static float SoftmaxCrossEntropy(ReadOnlySpan<float> logits, int label, Span<float> probabilities, Span<float> delta, float scale)
        {
            float max = TensorPrimitives.Max(logits);
            float sum;
            if (logits.Length <= Activations.SmallSpan)
            {
                sum = Activations.SoftmaxSmall(logits, probabilities);
                for (int i = 0; i < probabilities.Length; i++)
                {
                    delta[i] = probabilities[i] * scale;
                }
            }
            else
            {
                TensorPrimitives.Subtract(logits, max, probabilities);
                TensorPrimitives.Exp(probabilities, probabilities);
                sum = TensorPrimitives.Sum(probabilities);
                TensorPrimitives.Divide(probabilities, sum, probabilities);
                TensorPrimitives.Multiply(probabilities, scale, delta);
            }

            delta[label] -= scale;
            return MathF.Log(sum) + max - logits[label];
        }

        /// <summary>
        /// Binary cross-entropy from a logit <c>z</c> and a target <c>t</c>: returns
        /// <c>max(z, 0) - z t + log(1 + e^-|z|)</c>, sets <paramref name="probability"/> to <c>sigmoid(z)</c> and
        /// <paramref name="delta"/> to <c>(sigmoid(z) - t) * scale</c>.
        /// </summary>
        public static float BinaryCrossEntropy(float logit, float target, out float probability, out float delta, float scale)
        {
            probability = 1f / (1f + MathF.Exp(-logit));
            delta = (probability - target) * scale;
            return MathF.Max(logit, 0f) - logit * target + MathF.Log(1f + MathF.Exp(-MathF.Abs(logit)));
        }

        /// <summary>
        /// Mean squared error of one sample: returns <c>mean((y - t)^2)</c> over the outputs and writes
        /// <c>2 (y - t) / outputs * scale</c> (the gradient with respect to <c>y</c>) to <paramref name="delta"/>.
        /// </summary>
        public static float MeanSquaredError(ReadOnlySpan<float> output, ReadOnlySpan<float> target, Span<float> delta, float scale)
        {
            TensorPrimitives.Subtract(output, target, delta);
            float sumSquares = TensorPrimitives.Dot(delta, delta);
            TensorPrimitives.Multiply(delta, 2f * scale / output.Length, delta);
            return sumSquares / output.Length;
        }
    }
}
