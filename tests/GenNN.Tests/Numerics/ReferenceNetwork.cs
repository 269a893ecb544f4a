using System.Globalization;
using System.Text;

namespace GenNN.Tests.Numerics;

/// <summary>
/// One dense layer of a <see cref="ReferenceNetwork"/>; <paramref name="NegativeSlope"/> is LeakyReLU's slope,
/// <paramref name="L1"/> and <paramref name="L2"/> the weight penalties (Keras' kernel_regularizer).
/// </summary>
public readonly record struct LayerSpec(int Units, Activation Activation, double NegativeSlope = ReferenceNetwork.LeakySlope, double L1 = 0, double L2 = 0)
{
    public override string ToString() => Activation == Activation.LeakyReLU && NegativeSlope != ReferenceNetwork.LeakySlope
        ? string.Create(CultureInfo.InvariantCulture, $"Dense({Units}, LeakyReLU({(float)NegativeSlope}))")
        : string.Create(CultureInfo.InvariantCulture, $"Dense({Units}, {Activation})");
}

/// <summary>
/// The test oracle: a plain scalar dense network in double precision, written from the math and not from the
/// generated code. It reads parameters in gen-nn's flat layout (per layer: weights input-major
/// <c>w[i * units + o]</c>, then <c>bias[units]</c>) and computes the forward pass, the batch-mean loss and its
/// gradient with the definitions of <c>GenNN.Kernels.LossGradients</c>:
/// <list type="bullet">
/// <item>MeanSquaredError: mean over batch and outputs of <c>(y - t)^2</c>, <c>y</c> after the last activation
/// (a Softmax output backpropagates through the full softmax Jacobian).</item>
/// <item>BinaryCrossEntropy: from the logit <c>z</c> of a single Sigmoid unit, <c>log(1 + e^z) - t z</c>, mean over the batch.</item>
/// <item>SoftmaxCrossEntropy: <c>-log softmax(z)[label]</c>, mean over the batch.</item>
/// <item>MeanAbsoluteError: mean over batch and outputs of <c>|y - t|</c> (gradient <c>sign(y - t)</c>).</item>
/// <item>Huber: mean over batch and outputs of <c>d^2 / 2</c> for <c>|d| &lt;= delta</c>, else <c>delta (|d| - delta / 2)</c>.</item>
/// <item>CategoricalCrossEntropy: <c>-sum_k t_k log softmax(z)_k</c> with probability targets, mean over the batch.</item>
/// </list>
/// Layers with L1/L2 add <c>l1 sum |w| + l2 sum w^2</c> over their weights (not biases) to the mean loss, once per batch.
/// Activations: ELU (alpha 1), GELU (exact, <c>z Φ(z)</c> with erf), SiLU, Softplus, HardSigmoid (PyTorch's
/// <c>relu6(z + 3) / 6</c>), LeakyReLU with the layer's slope.
/// Everything is a straightforward loop; speed is irrelevant.
/// </summary>
public sealed class ReferenceNetwork
{
    /// <summary>The negative slope of LeakyReLU.</summary>
    public const double LeakySlope = 0.01;

    private readonly LayerSpec[] _layers;
    private readonly int[] _weightOffsets;
    private readonly int[] _biasOffsets;
    private readonly int[] _fanIn;

    public ReferenceNetwork(int inputSize, IReadOnlyList<LayerSpec> layers, Loss loss, double huberDelta = 1.0)
    {
        HuberDelta = huberDelta;
        ArgumentOutOfRangeException.ThrowIfLessThan(inputSize, 1);
        ArgumentNullException.ThrowIfNull(layers);
        if (layers.Count == 0) throw new ArgumentException("A network needs at least one layer.", nameof(layers));

        _layers = layers.ToArray();
        for (int l = 0; l < _layers.Length; l++)
        {
            if (_layers[l].Units < 1) throw new ArgumentException($"Layer {l} has {_layers[l].Units} units; expected at least 1.", nameof(layers));
            if (_layers[l].Activation == Activation.Softmax && l != _layers.Length - 1)
                throw new ArgumentException($"Layer {l} uses Softmax; only the last layer may.", nameof(layers));
        }

        LayerSpec last = _layers[^1];
        switch (loss)
        {
            case Loss.MeanSquaredError or Loss.MeanAbsoluteError or Loss.Huber:
                break;
            case Loss.CategoricalCrossEntropy when last.Activation == Activation.Softmax:
                break;
            case Loss.BinaryCrossEntropy when last.Units == 1 && last.Activation == Activation.Sigmoid:
                break;
            case Loss.SoftmaxCrossEntropy when last.Activation == Activation.Softmax:
                break;
            default:
                throw new ArgumentException($"Loss {loss} does not fit an output layer {last}.", nameof(loss));
        }

        InputSize = inputSize;
        Loss = loss;
        _weightOffsets = new int[_layers.Length];
        _biasOffsets = new int[_layers.Length];
        _fanIn = new int[_layers.Length];
        int offset = 0;
        int fanIn = inputSize;
        for (int l = 0; l < _layers.Length; l++)
        {
            _fanIn[l] = fanIn;
            _weightOffsets[l] = offset;
            offset += fanIn * _layers[l].Units;
            _biasOffsets[l] = offset;
            offset += _layers[l].Units;
            fanIn = _layers[l].Units;
        }

        ParameterCount = offset;
    }

    public int InputSize { get; }

    public Loss Loss { get; }

    /// <summary>The threshold of <see cref="Loss.Huber"/>.</summary>
    public double HuberDelta { get; }

    public IReadOnlyList<LayerSpec> Layers => _layers;

    public int LayerCount => _layers.Length;

    public int OutputSize => _layers[^1].Units;

    /// <summary>Floats per sample in the targets: a label (SCE), a probability (BCE) or one value per output (the others).</summary>
    public int TargetSize => Loss is Loss.SoftmaxCrossEntropy or Loss.BinaryCrossEntropy ? 1 : OutputSize;

    public int ParameterCount { get; }

    /// <summary>The canonical topology string, e.g. <c>Input(4) -> Dense(16, ReLU) -> Dense(3, Softmax)</c>.</summary>
    public string Topology
    {
        get
        {
            var sb = new StringBuilder();
            sb.Append(CultureInfo.InvariantCulture, $"Input({InputSize})");
            foreach (LayerSpec layer in _layers) sb.Append(" -> ").Append(layer.ToString());
            return sb.ToString();
        }
    }

    public int FanIn(int layer) => _fanIn[layer];

    public int WeightOffset(int layer) => _weightOffsets[layer];

    public int WeightCount(int layer) => _fanIn[layer] * _layers[layer].Units;

    public int BiasOffset(int layer) => _biasOffsets[layer];

    /// <summary>Names a parameter index for failure messages, e.g. <c>layer 1 weight [in 3, out 2]</c>.</summary>
    public string DescribeParameter(int index)
    {
        for (int l = 0; l < _layers.Length; l++)
        {
            int units = _layers[l].Units;
            if (index < _biasOffsets[l])
            {
                int k = index - _weightOffsets[l];
                return string.Create(CultureInfo.InvariantCulture, $"layer {l} weight [in {k / units}, out {k % units}] (#{index})");
            }

            if (index < _biasOffsets[l] + units)
            {
                return string.Create(CultureInfo.InvariantCulture, $"layer {l} bias [{index - _biasOffsets[l]}] (#{index})");
            }
        }

        throw new ArgumentOutOfRangeException(nameof(index), index, $"Expected a parameter index below {ParameterCount}.");
    }

    /// <summary>Runs one sample forward and returns the outputs after the last activation.</summary>
    public double[] Forward(ReadOnlySpan<double> parameters, ReadOnlySpan<double> input)
    {
        CheckLength(parameters.Length, ParameterCount, nameof(parameters));
        CheckLength(input.Length, InputSize, nameof(input));
        return Run(parameters, input).Activations[^1];
    }

    /// <summary>Runs a row-major batch forward and returns <paramref name="batchSize"/> rows of outputs.</summary>
    public double[] ForwardBatch(ReadOnlySpan<double> parameters, ReadOnlySpan<double> inputs, int batchSize)
    {
        CheckLength(inputs.Length, batchSize * InputSize, nameof(inputs));
        var outputs = new double[batchSize * OutputSize];
        for (int s = 0; s < batchSize; s++)
        {
            Forward(parameters, inputs.Slice(s * InputSize, InputSize)).CopyTo(outputs, s * OutputSize);
        }

        return outputs;
    }

    /// <summary>The mean loss over the batch.</summary>
    public double MeanLoss(ReadOnlySpan<double> parameters, ReadOnlySpan<double> inputs, ReadOnlySpan<double> targets, int batchSize)
        => LossAndGradient(parameters, inputs, targets, batchSize, new double[ParameterCount]);

    /// <summary>
    /// Returns the mean loss over the batch and writes its gradient with respect to every parameter into
    /// <paramref name="gradient"/> (overwriting it).
    /// </summary>
    public double LossAndGradient(ReadOnlySpan<double> parameters, ReadOnlySpan<double> inputs, ReadOnlySpan<double> targets,
        int batchSize, Span<double> gradient)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        CheckLength(parameters.Length, ParameterCount, nameof(parameters));
        CheckLength(inputs.Length, batchSize * InputSize, nameof(inputs));
        CheckLength(targets.Length, batchSize * TargetSize, nameof(targets));
        CheckLength(gradient.Length, ParameterCount, nameof(gradient));
        gradient.Clear();

        double totalLoss = 0;
        for (int s = 0; s < batchSize; s++)
        {
            Pass pass = Run(parameters, inputs.Slice(s * InputSize, InputSize));
            ReadOnlySpan<double> target = targets.Slice(s * TargetSize, TargetSize);

            // dLoss/dz of the last layer for this sample (before dividing by the batch size).
            double sampleLoss = OutputDelta(pass, target, out double[] delta);
            totalLoss += sampleLoss;

            for (int l = _layers.Length - 1; l >= 0; l--)
            {
                int units = _layers[l].Units;
                int fanIn = _fanIn[l];
                double[] below = pass.Activations[l];
                for (int o = 0; o < units; o++)
                {
                    double d = delta[o] / batchSize;
                    gradient[_biasOffsets[l] + o] += d;
                    for (int i = 0; i < fanIn; i++) gradient[_weightOffsets[l] + i * units + o] += below[i] * d;
                }

                if (l == 0) break;

                // Back through the weights to the activations of the layer below, then through its activation.
                var deltaBelow = new double[fanIn];
                for (int i = 0; i < fanIn; i++)
                {
                    double sum = 0;
                    for (int o = 0; o < units; o++) sum += parameters[_weightOffsets[l] + i * units + o] * delta[o];
                    deltaBelow[i] = sum;
                }

                delta = ActivationBackward(_layers[l - 1], pass.PreActivations[l - 1], pass.Activations[l], deltaBelow);
            }
        }

        return totalLoss / batchSize + Penalty(parameters, gradient);
    }

    /// <summary>Adds the L1/L2 penalties' gradient to <paramref name="gradient"/> and returns the penalty.</summary>
    private double Penalty(ReadOnlySpan<double> parameters, Span<double> gradient)
    {
        double penalty = 0;
        for (int l = 0; l < _layers.Length; l++)
        {
            double l1 = _layers[l].L1, l2 = _layers[l].L2;
            for (int k = _weightOffsets[l]; k < _biasOffsets[l]; k++)
            {
                double w = parameters[k];
                penalty += l1 * Math.Abs(w) + l2 * w * w;
                gradient[k] += l1 * Math.Sign(w) + 2 * l2 * w;
            }
        }

        return penalty;
    }

    /// <summary>
    /// The smallest distance to a kink: <c>|z - k|</c> over every pre-activation of the sample and every kink <c>k</c> of
    /// its activation (0 for ReLU/LeakyReLU, -3 and 3 for HardSigmoid), or <see cref="double.PositiveInfinity"/> when
    /// the network has none.
    /// </summary>
    public double KinkDistance(ReadOnlySpan<double> parameters, ReadOnlySpan<double> input)
    {
        Pass pass = Run(parameters, input);
        double min = double.PositiveInfinity;
        for (int l = 0; l < _layers.Length; l++)
        {
            foreach (double k in Kinks(_layers[l].Activation))
            {
                foreach (double z in pass.PreActivations[l]) min = Math.Min(min, Math.Abs(z - k));
            }
        }

        return min;
    }

    /// <summary>
    /// The side of every kink over a batch (true = above), layer by layer: each pre-activation against its activation's
    /// kinks and, given the targets, each output against the loss's (MAE at <c>y = t</c>, Huber at <c>|y - t| = delta</c>).
    /// </summary>
    public bool[] KinkPattern(ReadOnlySpan<double> parameters, ReadOnlySpan<double> inputs, int batchSize, ReadOnlySpan<double> targets = default)
    {
        var pattern = new List<bool>();
        for (int s = 0; s < batchSize; s++)
        {
            Pass pass = Run(parameters, inputs.Slice(s * InputSize, InputSize));
            for (int l = 0; l < _layers.Length; l++)
            {
                foreach (double k in Kinks(_layers[l].Activation))
                {
                    foreach (double z in pass.PreActivations[l]) pattern.Add(z > k);
                }
            }

            // |w| of an L1 layer has a kink at w = 0 (the pattern takes the parameters, so a perturbed weight counts).
            if (s == 0)
            {
                for (int l = 0; l < _layers.Length; l++)
                {
                    if (_layers[l].L1 == 0) continue;
                    for (int k = _weightOffsets[l]; k < _biasOffsets[l]; k++) pattern.Add(parameters[k] > 0);
                }
            }

            if (!targets.IsEmpty && Loss is Loss.MeanAbsoluteError or Loss.Huber)
            {
                double[] y = pass.Activations[^1];
                for (int o = 0; o < y.Length; o++)
                {
                    double d = y[o] - targets[s * OutputSize + o];
                    pattern.Add(Loss == Loss.MeanAbsoluteError ? d > 0 : Math.Abs(d) > HuberDelta);
                }
            }
        }

        return pattern.ToArray();
    }

    /// <summary>Whether the activation is of the ReLU family (He initialisation, biases shifted up in the tests).</summary>
    public static bool HasKink(Activation activation) => activation is Activation.ReLU or Activation.LeakyReLU;

    /// <summary>The pre-activation values where the activation's derivative jumps.</summary>
    public static double[] Kinks(Activation activation) => activation switch
    {
        Activation.ReLU or Activation.LeakyReLU => [0.0],
        Activation.HardSigmoid => [-3.0, 3.0],
        _ => [],
    };

    private sealed record Pass(double[][] PreActivations, double[][] Activations);

    /// <summary>Activations[0] is the input; Activations[l + 1] = f(PreActivations[l]).</summary>
    private Pass Run(ReadOnlySpan<double> parameters, ReadOnlySpan<double> input)
    {
        var pre = new double[_layers.Length][];
        var act = new double[_layers.Length + 1][];
        act[0] = input.ToArray();
        for (int l = 0; l < _layers.Length; l++)
        {
            int units = _layers[l].Units;
            int fanIn = _fanIn[l];
            double[] x = act[l];
            var z = new double[units];
            for (int o = 0; o < units; o++)
            {
                double sum = parameters[_biasOffsets[l] + o];
                for (int i = 0; i < fanIn; i++) sum += x[i] * parameters[_weightOffsets[l] + i * units + o];
                z[o] = sum;
            }

            pre[l] = z;
            act[l + 1] = ActivationForward(_layers[l], z);
        }

        return new Pass(pre, act);
    }

    private double OutputDelta(Pass pass, ReadOnlySpan<double> target, out double[] delta)
    {
        double[] z = pass.PreActivations[^1];
        double[] y = pass.Activations[^1];
        int n = z.Length;
        switch (Loss)
        {
            case Loss.MeanSquaredError:
            {
                double loss = 0;
                var dy = new double[n];
                for (int o = 0; o < n; o++)
                {
                    double diff = y[o] - target[o];
                    loss += diff * diff;
                    dy[o] = 2 * diff / n;
                }

                delta = ActivationBackward(_layers[^1], z, y, dy);
                return loss / n;
            }

            case Loss.MeanAbsoluteError:
            case Loss.Huber:
            {
                double loss = 0;
                var dy = new double[n];
                for (int o = 0; o < n; o++)
                {
                    double d = y[o] - target[o];
                    double a = Math.Abs(d);
                    if (Loss == Loss.MeanAbsoluteError)
                    {
                        loss += a;
                        dy[o] = Math.Sign(d) / (double)n;
                    }
                    else
                    {
                        loss += a <= HuberDelta ? 0.5 * d * d : HuberDelta * (a - 0.5 * HuberDelta);
                        dy[o] = Math.Clamp(d, -HuberDelta, HuberDelta) / n;
                    }
                }

                delta = ActivationBackward(_layers[^1], z, y, dy);
                return loss / n;
            }

            case Loss.CategoricalCrossEntropy:
            {
                // -sum t log softmax(z) = sum t (logsumexp(z) - z); d/dz = softmax(z) sum(t) - t.
                double max = z.Max();
                double sum = 0;
                foreach (double v in z) sum += Math.Exp(v - max);
                double logSumExp = max + Math.Log(sum);
                double mass = 0, loss = 0;
                for (int o = 0; o < n; o++)
                {
                    mass += target[o];
                    loss += target[o] * (logSumExp - z[o]);
                }

                delta = new double[n];
                for (int o = 0; o < n; o++) delta[o] = Math.Exp(z[o] - logSumExp) * mass - target[o];
                return loss;
            }

            case Loss.BinaryCrossEntropy:
            {
                // -(t log s + (1 - t) log(1 - s)) with s = sigmoid(z) equals softplus(z) - t z; d/dz = s - t.
                double logit = z[0];
                double t = target[0];
                double softplus = Math.Max(logit, 0) + Math.Log(1 + Math.Exp(-Math.Abs(logit)));
                delta = [Sigmoid(logit) - t];
                return softplus - t * logit;
            }

            case Loss.SoftmaxCrossEntropy:
            {
                // -log softmax(z)[k] = logsumexp(z) - z[k]; d/dz = softmax(z) - onehot(k).
                int label = (int)target[0];
                if (label != target[0] || label < 0 || label >= n) throw new ArgumentException($"Label {target[0]} is not a class index in [0, {n}).");
                double max = z.Max();
                double sum = 0;
                foreach (double v in z) sum += Math.Exp(v - max);
                double logSumExp = max + Math.Log(sum);
                delta = new double[n];
                for (int o = 0; o < n; o++) delta[o] = Math.Exp(z[o] - logSumExp) - (o == label ? 1 : 0);
                return logSumExp - z[label];
            }

            default:
                throw new InvalidOperationException($"Unknown loss {Loss}.");
        }
    }

    private static double[] ActivationForward(LayerSpec layer, double[] z)
    {
        var a = new double[z.Length];
        switch (layer.Activation)
        {
            case Activation.Softmax:
            {
                double max = z.Max();
                double sum = 0;
                for (int i = 0; i < z.Length; i++) sum += a[i] = Math.Exp(z[i] - max);
                for (int i = 0; i < z.Length; i++) a[i] /= sum;
                return a;
            }

            default:
                for (int i = 0; i < z.Length; i++) a[i] = Scalar(layer, z[i]);
                return a;
        }
    }

    private static double Scalar(LayerSpec layer, double z) => layer.Activation switch
    {
        Activation.Linear => z,
        Activation.ReLU => z > 0 ? z : 0,
        Activation.LeakyReLU => z > 0 ? z : layer.NegativeSlope * z,
        Activation.Sigmoid => Sigmoid(z),
        Activation.Tanh => Math.Tanh(z),
        Activation.ELU => z > 0 ? z : Math.Exp(z) - 1,
        Activation.GELU => z * Phi(z),
        Activation.SiLU => z * Sigmoid(z),
        Activation.Softplus => Math.Max(z, 0) + Math.Log(1 + Math.Exp(-Math.Abs(z))),
        Activation.HardSigmoid => Math.Clamp(z + 3, 0, 6) / 6,
        _ => throw new ArgumentOutOfRangeException(nameof(layer), layer.Activation, "Not an element-wise activation."),
    };

    private static double Derivative(LayerSpec layer, double z) => layer.Activation switch
    {
        Activation.Linear => 1,
        Activation.ReLU => z > 0 ? 1 : 0,
        Activation.LeakyReLU => z > 0 ? 1 : layer.NegativeSlope,
        Activation.Sigmoid => Sigmoid(z) * (1 - Sigmoid(z)),
        Activation.Tanh => 1 - Math.Tanh(z) * Math.Tanh(z),
        Activation.ELU => z > 0 ? 1 : Math.Exp(z),
        Activation.GELU => Phi(z) + z * Math.Exp(-0.5 * z * z) / Math.Sqrt(2 * Math.PI),
        Activation.SiLU => Sigmoid(z) * (1 + z * (1 - Sigmoid(z))),
        Activation.Softplus => Sigmoid(z),
        Activation.HardSigmoid => z > -3 && z < 3 ? 1.0 / 6 : 0,
        _ => throw new ArgumentOutOfRangeException(nameof(layer), layer.Activation, "Not an element-wise activation."),
    };

    /// <summary>The standard normal CDF, <c>erfc(-z / √2) / 2</c>.</summary>
    public static double Phi(double z) => 0.5 * Erfc(-z / Math.Sqrt(2));

    /// <summary>
    /// <c>erfc(x)</c> in double precision: the Maclaurin series of erf for |x| &lt; 2 (terms below 3, so no digits lost
    /// to cancellation), and the continued fraction <c>e^(-x^2) / √π / (x + (1/2) / (x + 1 / (x + (3/2) / ...)))</c>
    /// evaluated from 80 levels deep for x &gt;= 2; erfc(-x) = 2 - erfc(x).
    /// </summary>
    public static double Erfc(double x)
    {
        if (double.IsNaN(x)) return x;
        if (x < 0) return 2 - Erfc(-x);
        if (x < 2)
        {
            double term = x, sum = x;
            for (int n = 1; n < 100 && Math.Abs(term) > 1e-17 * Math.Abs(sum); n++)
            {
                term *= -x * x / n;
                sum += term / (2 * n + 1);
            }

            return 1 - 2 / Math.Sqrt(Math.PI) * sum;
        }

        double f = x;
        for (int k = 80; k >= 1; k--) f = x + k / 2.0 / f;
        return Math.Exp(-x * x) / Math.Sqrt(Math.PI) / f;
    }

    /// <summary>dL/dz from dL/da for a = f(z): the transposed Jacobian of f applied to <paramref name="da"/>.</summary>
    private static double[] ActivationBackward(LayerSpec layer, double[] z, double[] a, double[] da)
    {
        int n = z.Length;
        var dz = new double[n];
        if (layer.Activation == Activation.Softmax)
        {
            // Full Jacobian: d a_j / d z_i = a_j (delta_ij - a_i); dz_i = sum_j da_j * d a_j / d z_i.
            for (int i = 0; i < n; i++)
            {
                double sum = 0;
                for (int j = 0; j < n; j++) sum += da[j] * a[j] * ((i == j ? 1 : 0) - a[i]);
                dz[i] = sum;
            }

            return dz;
        }

        for (int i = 0; i < n; i++) dz[i] = da[i] * Derivative(layer, z[i]);
        return dz;
    }

    private static double Sigmoid(double z) => z >= 0 ? 1 / (1 + Math.Exp(-z)) : Math.Exp(z) / (1 + Math.Exp(z));

    private static void CheckLength(int actual, int expected, string name)
    {
        if (actual != expected) throw new ArgumentException($"Expected {expected} values, got {actual}.", name);
    }
}
