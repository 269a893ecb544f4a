using System;
using System.ComponentModel;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

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
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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

        /// <summary>
        /// Mean absolute error of one sample (Keras' <c>mae</c>, PyTorch's <c>L1Loss</c>): returns <c>mean(|y - t|)</c>
        /// over the outputs and writes <c>sign(y - t) / outputs * scale</c> to <paramref name="delta"/> (0 where
        /// <c>y = t</c>, as PyTorch's <c>sign</c>; NaN where <c>y</c> is NaN).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static float MeanAbsoluteError(ReadOnlySpan<float> output, ReadOnlySpan<float> target, Span<float> delta, float scale)
        {
            TensorPrimitives.Subtract(output, target, delta);
            float sum = TensorPrimitives.SumOfMagnitudes(delta);
            float step = scale / output.Length;
            for (int i = 0; i < delta.Length; i++)
            {
                float d = delta[i];
                delta[i] = d > 0f ? step : d < 0f ? -step : d * step; // d * step: 0 stays 0, NaN stays NaN
            }

            return sum / output.Length;
        }

        /// <summary>
        /// Huber loss of one sample (PyTorch's <c>HuberLoss(delta)</c>, Keras' <c>Huber(delta)</c>): with <c>d = y - t</c>,
        /// returns the mean over the outputs of <c>d^2 / 2</c> where <c>|d| &lt;= huberDelta</c> and
        /// <c>huberDelta (|d| - huberDelta / 2)</c> elsewhere, and writes its gradient <c>clamp(d, -huberDelta, huberDelta)
        /// / outputs * scale</c> to <paramref name="delta"/>.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static float Huber(ReadOnlySpan<float> output, ReadOnlySpan<float> target, Span<float> delta, float scale, float huberDelta)
        {
            TensorPrimitives.Subtract(output, target, delta);
            float step = scale / output.Length;
            double sum = 0;
            for (int i = 0; i < delta.Length; i++)
            {
                float d = delta[i];
                float abs = MathF.Abs(d);
                if (abs <= huberDelta)
                {
                    sum += 0.5f * d * d;
                }
                else
                {
                    sum += huberDelta * (abs - 0.5f * huberDelta);
                    d = float.IsNaN(d) ? d : d > 0f ? huberDelta : -huberDelta;
                }

                delta[i] = d * step;
            }

            return (float)(sum / output.Length);
        }

        /// <summary>
        /// Categorical cross-entropy from logits with one-hot or soft targets (Keras' <c>categorical_crossentropy</c>,
        /// PyTorch's <c>CrossEntropyLoss</c> with class probabilities): writes <c>softmax(logits)</c> to
        /// <paramref name="probabilities"/>, <c>(p sum(t) - t) * scale</c> (<c>(p - t) * scale</c> for targets that sum
        /// to 1) to <paramref name="delta"/>, and returns <c>-sum t log p = sum(t) logsumexp(z) - t . z</c>.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static float CategoricalCrossEntropy(ReadOnlySpan<float> logits, ReadOnlySpan<float> target, Span<float> probabilities, Span<float> delta, float scale)
        {
            float max = TensorPrimitives.Max(logits);
            float sum;
            if (logits.Length <= Activations.SmallSpan)
            {
                sum = Activations.SoftmaxSmall(logits, probabilities);
            }
            else
            {
                TensorPrimitives.Subtract(logits, max, probabilities);
                TensorPrimitives.Exp(probabilities, probabilities);
                sum = TensorPrimitives.Sum(probabilities);
                TensorPrimitives.Divide(probabilities, sum, probabilities);
            }

            float mass = TensorPrimitives.Sum(target);
            // -sum t (z - lse) = sum t (lse - z), with lse - z computed per class: no cancellation of two large sums.
            float logSumExp = MathF.Log(sum) + max;
            double loss = 0;
            for (int i = 0; i < logits.Length; i++)
            {
                float t = target[i];
                if (t != 0f) loss += t * (logSumExp - logits[i]);
                delta[i] = (probabilities[i] * mass - t) * scale;
            }

            return (float)loss;
        }
    }
}
