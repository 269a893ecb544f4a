using System;
using System.Globalization;

namespace GenNN
{
    /// <summary>
    /// Adam with decoupled weight decay (Loshchilov &amp; Hutter, 2019), with PyTorch's <c>torch.optim.AdamW</c>
    /// semantics (no AMSGrad).
    /// </summary>
    /// <remarks>
    /// <para>At step <c>t</c>: <c>p *= 1 - lr * weightDecay</c>, then Adam's update from the unchanged gradient:
    /// <c>m = b1 m + (1 - b1) g</c>, <c>v = b2 v + (1 - b2) g^2</c>,
    /// <c>p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)</c>. The decay is decoupled: it does not pass
    /// through the moments, unlike L2 regularisation added to the loss.</para>
    /// <para>The decay applies to every parameter, biases included, as <c>torch.optim.AdamW(model.parameters())</c> does.
    /// Keras' AdamW also decays every variable unless it is excluded by name. The decay is scaled by the learning rate,
    /// so a learning-rate schedule scales it too (as in PyTorch).</para>
    /// </remarks>
    public sealed class AdamW : Optimizer
    {
        private float[]? _m;
        private float[]? _v;

        /// <summary>Creates an AdamW optimizer (PyTorch's defaults).</summary>
        /// <param name="learningRate">The step size; finite and at least 0.</param>
        /// <param name="weightDecay">The decoupled weight decay <c>lambda</c> (each step multiplies the parameters by
        /// <c>1 - lr * lambda</c>); finite and at least 0.</param>
        /// <param name="beta1">The decay rate of the first-moment (mean) estimate, in [0, 1).</param>
        /// <param name="beta2">The decay rate of the second-moment (uncentred variance) estimate, in [0, 1).</param>
        /// <param name="epsilon">Added to the denominator for numerical stability; finite and greater than 0.</param>
        /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is outside its range.</exception>
        public AdamW(float learningRate = 1e-3f, float weightDecay = 1e-2f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f)
            : base(learningRate)
        {
            CheckNonNegative(weightDecay, nameof(weightDecay));
            CheckRange(beta1, 0f, 1f, maxInclusive: false, nameof(beta1));
            CheckRange(beta2, 0f, 1f, maxInclusive: false, nameof(beta2));
            CheckPositive(epsilon, nameof(epsilon));
            WeightDecay = weightDecay;
            Beta1 = beta1;
            Beta2 = beta2;
            Epsilon = epsilon;
        }

        /// <summary>The decoupled weight decay <c>lambda</c>.</summary>
        public float WeightDecay { get; }

        /// <summary>The decay rate of the first-moment estimate.</summary>
        public float Beta1 { get; }

        /// <summary>The decay rate of the second-moment estimate.</summary>
        public float Beta2 { get; }

        /// <summary>The term added to the denominator for numerical stability.</summary>
        public float Epsilon { get; }

        /// <inheritdoc/>
        protected override void AllocateState(int parameterCount)
        {
            _m = new float[parameterCount];
            _v = new float[parameterCount];
        }

        /// <inheritdoc/>
        protected override void ReleaseState()
        {
            _m = null;
            _v = null;
        }

        /// <inheritdoc/>
        protected override bool SupportsRangeSteps => true;

        /// <inheritdoc/>
        protected override void StepCore(Span<float> parameters, ReadOnlySpan<float> gradients, long iteration)
            => StepRangeCore(parameters, gradients, 0, iteration);

        /// <inheritdoc/>
        protected override void StepRangeCore(Span<float> parameters, ReadOnlySpan<float> gradients, int offset, long iteration)
        {
            if (_m is null || _v is null)
            {
                return; // no parameters
            }

            // PyTorch: param.mul_(1 - lr * weight_decay), fused here into Adam's pass over the parameters.
            float decay = (float)(1.0 - (double)LearningRate * WeightDecay);
            Adam.Update(parameters, gradients, _m.AsSpan(offset, parameters.Length), _v.AsSpan(offset, parameters.Length), Beta1, Beta2, Epsilon, LearningRate, iteration, decay);
        }

        /// <summary>Describes the optimizer and its hyperparameters.</summary>
        public override string ToString() => string.Format(CultureInfo.InvariantCulture,
            "AdamW(learningRate: {0}, weightDecay: {1}, beta1: {2}, beta2: {3}, epsilon: {4}{5})",
            LearningRate, WeightDecay, Beta1, Beta2, Epsilon, FormatClipping());
    }
}
