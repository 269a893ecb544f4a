using GenNN;
using GenNN.Kernels;

namespace GenNN.Tests.Runtime;

/// <summary>
/// A hand-written single-layer network (softmax regression, logistic regression or linear regression, by loss)
/// standing in for generated networks in the runtime tests. Same parameter layout: weights input-major, then bias.
/// </summary>
internal sealed class LinearModel : INetwork
{
    private readonly float[] _parameters;
    private readonly float[] _gradients;
    private readonly float[] _logits;
    private readonly float[] _probabilities;
    private readonly float[] _delta;

    public LinearModel(int inputSize, int outputSize, Loss loss, int seed = 1)
    {
        if (loss == Loss.BinaryCrossEntropy && outputSize != 1)
        {
            throw new ArgumentException("BCE needs one output.");
        }

        InputSize = inputSize;
        OutputSize = outputSize;
        Loss = loss;
        _parameters = new float[inputSize * outputSize + outputSize];
        _gradients = new float[_parameters.Length];
        _logits = new float[outputSize];
        _probabilities = new float[outputSize];
        _delta = new float[outputSize];
        Initializers.GlorotUniform(_parameters.AsSpan(0, inputSize * outputSize), inputSize, outputSize, new Random(seed));
    }

    /// <summary>When set, <see cref="TrainBatch"/> returns this instead of the real loss (to test the NaN guard).</summary>
    public float? ForcedLoss { get; set; }

    /// <summary>When set, <see cref="TrainBatch"/> fills the gradients with this (and returns a finite loss).</summary>
    public float? ForcedGradient { get; set; }

    /// <summary>The 1-based <see cref="TrainBatch"/> call from which <see cref="ForcedLoss"/> and <see cref="ForcedGradient"/> apply.</summary>
    public int ForcedFromCall { get; set; } = 1;

    /// <summary>When set, <see cref="Predict"/> writes NaN outputs (to test the validation-loss guard).</summary>
    public bool NaNPredictions { get; set; }

    /// <summary>How many times <see cref="TrainBatch"/> ran, and the largest batch it saw.</summary>
    public int TrainBatchCalls { get; private set; }

    public int InputSize { get; }
    public int OutputSize { get; }
    public int TargetSize => Loss == Loss.MeanSquaredError ? OutputSize : 1;
    public int ParameterCount => _parameters.Length;
    public Loss Loss { get; }
    public string Topology => $"Input({InputSize}) -> Dense({OutputSize}, {Activation})";
    public Span<float> Parameters => _parameters;
    public Span<float> Gradients => _gradients;

    private Activation Activation => Loss switch
    {
        Loss.SoftmaxCrossEntropy => Activation.Softmax,
        Loss.BinaryCrossEntropy => Activation.Sigmoid,
        _ => Activation.Linear,
    };

    public void Predict(ReadOnlySpan<float> input, Span<float> output)
    {
        Guard.SampleLength(input.Length, InputSize, nameof(input), "InputSize");
        Guard.SampleLength(output.Length, OutputSize, nameof(output), "OutputSize");
        Logits(input, output);
        if (NaNPredictions)
        {
            output.Fill(float.NaN);
            return;
        }

        switch (Loss)
        {
            case Loss.SoftmaxCrossEntropy:
                System.Numerics.Tensors.TensorPrimitives.SoftMax(output, output);
                break;
            case Loss.BinaryCrossEntropy:
                output[0] = 1f / (1f + MathF.Exp(-output[0]));
                break;
        }
    }

    public void PredictBatch(ReadOnlySpan<float> inputs, Span<float> outputs, int batchSize)
    {
        Guard.BatchSize(batchSize);
        Guard.BatchLength(inputs.Length, batchSize, InputSize, nameof(inputs), "InputSize");
        Guard.BatchLength(outputs.Length, batchSize, OutputSize, nameof(outputs), "OutputSize");
        for (int s = 0; s < batchSize; s++)
        {
            Predict(inputs.Slice(s * InputSize, InputSize), outputs.Slice(s * OutputSize, OutputSize));
        }
    }

    public float TrainBatch(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batchSize)
    {
        Guard.BatchSize(batchSize);
        Guard.BatchLength(inputs.Length, batchSize, InputSize, nameof(inputs), "InputSize");
        Guard.BatchLength(targets.Length, batchSize, TargetSize, nameof(targets), "TargetSize");
        TrainBatchCalls++;
        Array.Clear(_gradients);
        float scale = 1f / batchSize;
        double lossSum = 0;
        int weights = InputSize * OutputSize;
        for (int s = 0; s < batchSize; s++)
        {
            ReadOnlySpan<float> x = inputs.Slice(s * InputSize, InputSize);
            Logits(x, _logits);
            lossSum += Loss switch
            {
                Loss.SoftmaxCrossEntropy => LossGradients.SoftmaxCrossEntropy(_logits, (int)targets[s], _probabilities, _delta, scale),
                Loss.BinaryCrossEntropy => LossGradients.BinaryCrossEntropy(_logits[0], targets[s], out _, out _delta[0], scale),
                _ => LossGradients.MeanSquaredError(_logits, targets.Slice(s * OutputSize, OutputSize), _delta, scale),
            };
            for (int i = 0; i < InputSize; i++)
            {
                for (int o = 0; o < OutputSize; o++)
                {
                    _gradients[i * OutputSize + o] += x[i] * _delta[o];
                }
            }

            for (int o = 0; o < OutputSize; o++)
            {
                _gradients[weights + o] += _delta[o];
            }
        }

        if (TrainBatchCalls < ForcedFromCall)
        {
            return (float)(lossSum / batchSize);
        }

        if (ForcedGradient is float gradient)
        {
            _gradients.AsSpan().Fill(gradient);
        }

        return ForcedLoss ?? (float)(lossSum / batchSize);
    }

    /// <summary>The 1-based <see cref="TrainBatch"/> call from which <see cref="TrainOnBatch"/> steps the optimizer twice.</summary>
    public int StepsTwiceFromCall { get; set; } = int.MaxValue;

    /// <summary>INetwork's TrainOnBatch (TrainBatch, then Step unless the loss is NaN or infinite), with a second Step from <see cref="StepsTwiceFromCall"/> on.</summary>
    public float TrainOnBatch(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, ReadOnlySpan<float> sampleWeights, int batchSize, Optimizer optimizer, Span<float> outputs)
    {
        float loss = sampleWeights.IsEmpty
            ? TrainBatch(inputs, targets, batchSize, outputs)
            : ((INetwork)this).TrainBatch(inputs, targets, sampleWeights, batchSize, outputs);
        if (float.IsFinite(loss))
        {
            optimizer.Step(Parameters, Gradients);
            if (TrainBatchCalls >= StepsTwiceFromCall)
            {
                optimizer.Step(Parameters, Gradients);
            }
        }

        return loss;
    }

    public float TrainBatch(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batchSize, Span<float> outputs)
    {
        if (!outputs.IsEmpty)
        {
            PredictBatch(inputs, outputs, batchSize);
        }

        return TrainBatch(inputs, targets, batchSize);
    }

    public void Save(Stream stream) => throw new NotSupportedException("Test model.");

    public void Save(string path) => throw new NotSupportedException("Test model.");

    private void Logits(ReadOnlySpan<float> x, Span<float> z)
    {
        int weights = InputSize * OutputSize;
        for (int o = 0; o < OutputSize; o++)
        {
            float acc = _parameters[weights + o];
            for (int i = 0; i < InputSize; i++)
            {
                acc += x[i] * _parameters[i * OutputSize + o];
            }

            z[o] = acc;
        }
    }
}
