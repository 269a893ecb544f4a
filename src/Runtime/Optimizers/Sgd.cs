using System;
using System.Globalization;
using System.Numerics.Tensors;

namespace GenNN
{
    /// <summary>
    /// Stochastic gradient descent with optional (Nesterov) momentum and weight decay, with PyTorch's
    /// <c>torch.optim.SGD</c> semantics (no dampening).
    /// </summary>
    /// <remarks>
    /// <para>With weight decay <c>wd</c> the gradient is first replaced by <c>g + wd * p</c> (PyTorch's <c>weight_decay</c>:
    /// L2 regularisation <c>wd / 2 * ||p||^2</c> added to the loss; for plain SGD the same as decoupled decay by
    /// <c>1 - lr * wd</c>). Like <c>torch.optim.SGD(model.parameters(), weight_decay=...)</c> it applies to every
    /// parameter, biases included; use the generated layers' L2 option to regularise weights only.</para>
    /// <para>Without momentum: <c>p -= lr * g</c>. With momentum <c>mu</c>: <c>v = mu * v + g</c> (with <c>v</c> starting at 0),
    /// then <c>p -= lr * v</c>, or with Nesterov <c>p -= lr * (g + mu * v)</c>. Keras' SGD writes the same update with
    /// the learning rate folded into the velocity; the two agree while the learning rate is constant.</para>
    /// </remarks>
    public sealed class Sgd : Optimizer
    {
        private float[]? _velocity;

        /// <summary>Creates an SGD optimizer.</summary>
        /// <param name="learningRate">The step size; finite and at least 0.</param>
        /// <param name="momentum">The momentum factor <c>mu</c>, in [0, 1); 0 disables momentum.</param>
        /// <param name="nesterov">Use Nesterov momentum; requires <paramref name="momentum"/> &gt; 0.</param>
        /// <param name="weightDecay">PyTorch's <c>weight_decay</c>: adds <c>weightDecay * p</c> to every gradient; finite and at least 0.</param>
        /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is outside its range.</exception>
        /// <exception cref="ArgumentException"><paramref name="nesterov"/> is set without momentum.</exception>
        public Sgd(float learningRate = 0.01f, float momentum = 0f, bool nesterov = false, float weightDecay = 0f)
            : base(learningRate)
        {
            CheckRange(momentum, 0f, 1f, maxInclusive: false, nameof(momentum));
            CheckNonNegative(weightDecay, nameof(weightDecay));
            if (nesterov && momentum == 0f)
            {
                throw new ArgumentException("Nesterov momentum requires a momentum > 0.", nameof(nesterov));
            }

            Momentum = momentum;
            Nesterov = nesterov;
            WeightDecay = weightDecay;
        }

        /// <summary>The momentum factor <c>mu</c>; 0 means plain SGD.</summary>
        public float Momentum { get; }

        /// <summary>Whether the update uses Nesterov momentum.</summary>
        public bool Nesterov { get; }

        /// <summary>The weight decay (L2 penalty) factor added to the gradient as <c>WeightDecay * p</c>; 0 means none.</summary>
        public float WeightDecay { get; }

        /// <inheritdoc/>
        protected override void AllocateState(int parameterCount)
        {
            _velocity = Momentum == 0f ? null : new float[parameterCount];
        }

        /// <inheritdoc/>
        protected override void ReleaseState() => _velocity = null;

        /// <inheritdoc/>
        protected override bool SupportsRangeSteps => true;

        /// <inheritdoc/>
        protected override void StepCore(Span<float> parameters, ReadOnlySpan<float> gradients, long iteration)
            => StepRangeCore(parameters, gradients, 0, iteration);

        /// <inheritdoc/>
        protected override void StepRangeCore(Span<float> parameters, ReadOnlySpan<float> gradients, int offset, long iteration)
        {
            float lr = LearningRate, wd = WeightDecay;
            if (_velocity is null)
            {
                if (wd != 0f)
                {
                    // p -= lr * (g + wd * p) as p = p * (1 - lr * wd) - lr * g: no buffer for g + wd * p.
                    TensorPrimitives.Multiply(parameters, (float)(1.0 - (double)lr * wd), parameters);
                }

                // p = g * (-lr) + p
                TensorPrimitives.MultiplyAdd(gradients, -lr, parameters, parameters);
                return;
            }

            Span<float> v = _velocity.AsSpan(offset, parameters.Length);
            // v = v * mu + g, then v += wd * p (the decayed gradient g + wd * p goes into the velocity, as in PyTorch)
            TensorPrimitives.MultiplyAdd(v, Momentum, gradients, v);
            if (wd != 0f)
            {
                TensorPrimitives.MultiplyAdd(parameters, wd, v, v);
            }

            if (Nesterov)
            {
                // p -= lr * (g + wd * p + mu * v)
                if (wd != 0f)
                {
                    TensorPrimitives.Multiply(parameters, (float)(1.0 - (double)lr * wd), parameters);
                }

                TensorPrimitives.MultiplyAdd(gradients, -lr, parameters, parameters);
                TensorPrimitives.MultiplyAdd(v, -lr * Momentum, parameters, parameters);
            }
            else
            {
                // p -= lr * v
                TensorPrimitives.MultiplyAdd(v, -lr, parameters, parameters);
            }
        }

        /// <summary>Describes the optimizer and its hyperparameters.</summary>
        public override string ToString() => string.Format(CultureInfo.InvariantCulture,
            "Sgd(learningRate: {0}, momentum: {1}, nesterov: {2}, weightDecay: {3}{4})",
            LearningRate, Momentum, Nesterov ? "true" : "false", WeightDecay, FormatClipping());
    }
}
