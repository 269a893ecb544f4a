using System.Globalization;
using GenNN;

namespace GenNN.Tests.Runtime;

/// <summary>
/// A one-parameter regression "network" whose TrainBatch returns scripted losses (one per call, the last one repeated),
/// for driving callbacks through an exact loss sequence. Its gradient is -1, so SGD at learning rate <c>lr</c> adds
/// exactly <c>lr</c> to the parameter per step: the parameter says how many steps ran. Save writes the parameter as text.
/// </summary>
internal sealed class ScriptedNetwork : INetwork
{
    private readonly float[] _losses;
    private readonly float[] _parameters = new float[1];
    private readonly float[] _gradients = new float[1];

    public ScriptedNetwork(params float[] losses) => _losses = losses;

    /// <summary>A data set of <paramref name="count"/> samples that fits this network.</summary>
    public static Dataset Data(int count) => new(Enumerable.Range(0, count).Select(i => (float)i).ToArray(), 1, new float[count]);

    public int Calls { get; private set; }

    /// <summary>The paths Save wrote, with the parameter value each file holds.</summary>
    public List<(string Path, float Value)> Saved { get; } = new();

    public int InputSize => 1;
    public int OutputSize => 1;
    public int TargetSize => 1;
    public int ParameterCount => 1;
    public Loss Loss => Loss.MeanSquaredError;
    public string Topology => "Scripted";
    public Span<float> Parameters => _parameters;
    public Span<float> Gradients => _gradients;

    public void Predict(ReadOnlySpan<float> input, Span<float> output) => output[0] = _parameters[0];

    public void PredictBatch(ReadOnlySpan<float> inputs, Span<float> outputs, int batchSize) => outputs.Slice(0, batchSize).Fill(_parameters[0]);

    public float TrainBatch(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batchSize)
    {
        _gradients[0] = -1f;
        return _losses[Math.Min(Calls++, _losses.Length - 1)];
    }

    public float TrainBatch(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batchSize, Span<float> outputs)
        => TrainBatch(inputs, targets, batchSize);

    public void Save(Stream stream) => throw new NotSupportedException();

    public void Save(string path)
    {
        File.WriteAllText(path, _parameters[0].ToString("R", CultureInfo.InvariantCulture));
        Saved.Add((path, _parameters[0]));
    }
}

/// <summary>Records what callbacks see, for asserting the order and content of the events.</summary>
internal sealed class RecordingCallback : Callback
{
    public List<string> Events { get; } = new();

    /// <summary>The optimizer's learning rate at each batch end (after a per-batch schedule set it).</summary>
    public List<float> BatchRates { get; } = new();

    /// <summary>Stop (through the context) at the end of this (epoch, batch).</summary>
    public (int Epoch, int Batch)? StopAt { get; init; }

    public override void OnTrainBegin(TrainingContext context) => Events.Add("train-begin");

    public override void OnEpochBegin(TrainingContext context) => Events.Add($"epoch-begin {context.Epoch}");

    public override void OnBatchBegin(TrainingContext context) => Events.Add($"batch-begin {context.Epoch}.{context.Batch} step {context.Step}");

    public override void OnBatchEnd(TrainingContext context, BatchResult result)
    {
        Events.Add($"batch-end {result.Epoch}.{result.Batch} loss {result.Loss.ToString(CultureInfo.InvariantCulture)}");
        BatchRates.Add(context.Optimizer.LearningRate);
        if (StopAt == (result.Epoch, result.Batch))
        {
            context.StopTraining("enough");
        }
    }

    public override void OnEpochEnd(TrainingContext context, EpochResult result) => Events.Add($"epoch-end {result.Epoch}");

    public override void OnTrainEnd(TrainingContext context) => Events.Add($"train-end {context.History.StopReason}");
}

/// <summary>Collects progress reports (an app routing them elsewhere).</summary>
internal sealed class RecordingProgress : IProgress<TrainingProgress>
{
    public List<TrainingProgress> Reports { get; } = new();

    public void Report(TrainingProgress value) => Reports.Add(value);
}
