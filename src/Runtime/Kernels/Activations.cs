using System;
using System.ComponentModel;
using System.Numerics.Tensors;

namespace GenNN.Kernels
{
    /// <summary>
    /// Element-wise activation functions and their backward passes, called by generated networks.
    /// Forward functions work in place on a layer's pre-activations; backward functions multiply an
    /// incoming gradient by the derivative, expressed through the activation's output <c>a</c>.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Advanced)]
    public static class Activations
    {
        /// <summary>The negative slope of <see cref="Activation.LeakyReLU"/> (PyTorch's default).</summary>
        public const float LeakyReLUSlope = 0.01f;

        /// <summary><c>z = max(z, 0)</c>.</summary>
        public static void ReLU(Span<float> z) => TensorPrimitives.Max(z, 0f, z);

        /// <summary><c>z = z &gt; 0 ? z : 0.01 z</c>.</summary>
        public static void LeakyReLU(Span<float> z)
        {
            for (int i = 0; i < z.Length; i++)
            {
                float v = z[i];
                z[i] = v > 0f ? v : LeakyReLUSlope * v;
            }
        }

        /// <summary><c>z = 1 / (1 + e^-z)</c>.</summary>
        public static void Sigmoid(Span<float> z) => TensorPrimitives.Sigmoid(z, z);

        /// <summary><c>z = tanh(z)</c>.</summary>
        public static void Tanh(Span<float> z) => TensorPrimitives.Tanh(z, z);

        /// <summary><c>z = e^(z - max z) / sum(e^(z - max z))</c>: softmax, stable for large logits.</summary>
        public static void Softmax(Span<float> z)
        {
            float max = TensorPrimitives.Max(z);
            TensorPrimitives.Subtract(z, max, z);
            TensorPrimitives.Exp(z, z);
            float sum = TensorPrimitives.Sum(z);
            TensorPrimitives.Divide(z, sum, z);
        }

        /// <summary><c>g *= a &gt; 0 ? 1 : 0</c>, where <c>a</c> is the ReLU output.</summary>
        public static void ReLUBackward(ReadOnlySpan<float> a, Span<float> g)
        {
            for (int i = 0; i < g.Length; i++)
            {
                if (!(a[i] > 0f)) g[i] = 0f;
            }
        }

        /// <summary><c>g *= a &gt; 0 ? 1 : 0.01</c>, where <c>a</c> is the leaky ReLU output.</summary>
        public static void LeakyReLUBackward(ReadOnlySpan<float> a, Span<float> g)
        {
            for (int i = 0; i < g.Length; i++)
            {
                if (!(a[i] > 0f)) g[i] *= LeakyReLUSlope;
            }
        }

        /// <summary><c>g *= a (1 - a)</c>, where <c>a</c> is the sigmoid output.</summary>
        public static void SigmoidBackward(ReadOnlySpan<float> a, Span<float> g)
        {
            for (int i = 0; i < g.Length; i++) g[i] *= a[i] * (1f - a[i]);
        }

        /// <summary><c>g *= 1 - a^2</c>, where <c>a</c> is the tanh output.</summary>
        public static void TanhBackward(ReadOnlySpan<float> a, Span<float> g)
        {
            for (int i = 0; i < g.Length; i++) g[i] *= 1f - a[i] * a[i];
        }

        /// <summary><c>g_i = a_i (g_i - sum_j g_j a_j)</c>: the softmax Jacobian applied to <c>g</c>.</summary>
        public static void SoftmaxBackward(ReadOnlySpan<float> a, Span<float> g)
        {
            float dot = TensorPrimitives.Dot(a, g);
            for (int i = 0; i < g.Length; i++) g[i] = a[i] * (g[i] - dot);
        }
    }
}
