using System.Linq;
using GenNN.Generator.Emit.Layers;
using GenNN.Generator.Model;

namespace GenNN.Generator.Emit
{
    /// <summary>
    /// The network's layers (their emitters) and where every buffer lives, computed once from the spec: the parameter
    /// count, Predict's hidden activations, and TrainBatch's per-row scratch and per-part scratch.
    /// </summary>
    internal sealed class NetworkLayout
    {
        /// <summary>Floats of hidden activations a PredictBatch chunk may keep on the stack.</summary>
        private const int ChunkFloats = 16 * 1024;

        public NetworkLayout(NetworkSpec spec)
        {
            Layers = LayerEmitter.Create(spec);
            int n = Layers.Length;
            Activation = new int[n];
            Delta = new int[n];
            PartScratch = new int[n];
            int perRow = 0, part = 0;
            for (int i = 0; i < n; i++)
            {
                LayerEmitter l = Layers[i];
                Activation[i] = perRow;
                Delta[i] = perRow + l.OutputSize;
                perRow += 2 * l.OutputSize;
                PartScratch[i] = part;
                part += l.PartScratch;
                if (i < n - 1) HiddenPerRow += l.OutputSize;
            }

            ParameterCount = Layers.Sum(l => l.ParameterCount);

            // Then the pre-activations TrainBatch keeps: the last layer's logits for a cross-entropy, and the inputs
            // of the activations whose derivative needs them.
            PreActivation = Place(i => KeepsPreActivation(spec, i) ? Layers[i].OutputSize : 0, ref perRow);

            // Then the outputs after dropout of the layers that have one.
            Dropped = Place(i => spec.Dropouts.Any(d => d.After == i) ? Layers[i].OutputSize : 0, ref perRow);

            // Then what the layers keep from their forward pass for their parameter gradients (padded inputs).
            Kept = Place(i => Layers[i].KeptPerRow, ref perRow);

            // Then the deltas that layers read in panels for their weight gradients.
            PackedDelta = Place(i => Layers[i].PackedDeltaPerRow, ref perRow);
            TrainingPerRow = perRow;

            // The weights a large PredictBatch packs into panels, one layer after another.
            int packed = 0;
            PackedWeights = Place(i => Layers[i].PackedWeights, ref packed);
            PackedWeightsTotal = packed;

            // After every row, what the layers need once per batch (BatchNorm's statistics).
            BatchScratch = new int[n];
            int batch = 0;
            for (int i = 0; i < n; i++)
            {
                BatchScratch[i] = batch;
                batch += Layers[i].BatchScratch;
            }

            BatchScratchTotal = batch;
            StateSize = Layers.Sum(l => l.StateSize);
            CounterCount = Layers.Sum(l => l.CounterCount);
            ForwardScratch = Layers.Max(l => l.ForwardScratch);
            PartScratchTotal = part;
            CutRowScratch = Layers.Max(l => l.CutRowScratch);
            InputSize = spec.InputSize;
            OutputSize = Output.OutputSize;
            TargetSize = spec.ScalarTargets ? 1 : OutputSize;
            int rows = HiddenPerRow == 0 ? 64 : System.Math.Max(1, System.Math.Min(64, ChunkFloats / HiddenPerRow));
            ChunkRows = rows >= 8 ? rows / 8 * 8 : rows; // whole register tiles of 8 rows
        }

        /// <summary>
        /// Each layer's offset from <paramref name="next"/> on for the <paramref name="floats"/> it needs, in layer order,
        /// or -1 for a layer that needs none; moves <paramref name="next"/> past them.
        /// </summary>
        private int[] Place(System.Func<int, int> floats, ref int next)
        {
            var offsets = new int[Layers.Length];
            for (int i = 0; i < offsets.Length; i++)
            {
                int size = floats(i);
                offsets[i] = size > 0 ? next : -1;
                next += size;
            }

            return offsets;
        }

        /// <summary>The layers' emitters, in order.</summary>
        public LayerEmitter[] Layers { get; }

        public LayerEmitter Output => Layers[Layers.Length - 1];

        /// <summary>Per-row offset of each layer's output in the training scratch.</summary>
        public int[] Activation { get; }

        /// <summary>Per-row offset of each layer's delta (the loss gradient of its output) in the training scratch.</summary>
        public int[] Delta { get; }

        /// <summary>Per-row offset of each layer's kept pre-activation in the training scratch, or -1.</summary>
        public int[] PreActivation { get; }

        /// <summary>Per-row offset of each layer's outputs after dropout in the training scratch, or -1.</summary>
        public int[] Dropped { get; }

        /// <summary>Per-row offset of what each layer keeps from its forward pass (<see cref="LayerEmitter.KeptPerRow"/>), or -1.</summary>
        public int[] Kept { get; }

        /// <summary>Offset of each layer's packed weights (<see cref="LayerEmitter.PackedWeights"/>) in PredictBatch's packed buffer, or -1.</summary>
        public int[] PackedWeights { get; }

        /// <summary>Floats of every layer's packed weights.</summary>
        public int PackedWeightsTotal { get; }

        /// <summary>Per-row offset of each layer's deltas in panels (<see cref="LayerEmitter.PackedDeltaPerRow"/>), or -1.</summary>
        public int[] PackedDelta { get; }

        /// <summary>Floats of the widest layer's forward work area (<see cref="LayerEmitter.ForwardScratch"/>), after Predict's hidden outputs.</summary>
        public int ForwardScratch { get; }

        /// <summary>Offset of each layer's part scratch (<see cref="LayerEmitter.PartScratch"/>) in a part's scratch.</summary>
        public int[] PartScratch { get; }

        public int ParameterCount { get; }

        public int InputSize { get; }

        public int OutputSize { get; }

        /// <summary>Floats per sample in the training targets.</summary>
        public int TargetSize { get; }

        /// <summary>Hidden-layer floats per sample in Predict.</summary>
        public int HiddenPerRow { get; }

        /// <summary>Samples per PredictBatch chunk.</summary>
        public int ChunkRows { get; }

        /// <summary>Floats per sample of TrainBatch's shared scratch.</summary>
        public int TrainingPerRow { get; }

        /// <summary>Offset of each layer's batch scratch (<see cref="LayerEmitter.BatchScratch"/>) after the rows of TrainBatch's shared scratch.</summary>
        public int[] BatchScratch { get; }

        /// <summary>Floats of every layer's batch scratch together.</summary>
        public int BatchScratchTotal { get; }

        /// <summary>Floats of state (running statistics) after the parameters and their 16 floats of slack.</summary>
        public int StateSize { get; }

        /// <summary>The int64 counters (BatchNorm's <c>num_batches_tracked</c>).</summary>
        public int CounterCount { get; }

        /// <summary>Whether TrainBatch's first phase runs in stages, split by rows and by channels in turn (BatchNorm).</summary>
        public bool Staged => Layers.Any(l => l.NeedsBatchStatistics);

        /// <summary>Floats of every layer's part scratch together.</summary>
        public int PartScratchTotal { get; }

        /// <summary>Floats of the widest cut row of parameter gradients.</summary>
        public int CutRowScratch { get; }

        /// <summary>Whether TrainBatch keeps layer <paramref name="index"/>'s pre-activation: the logits of a cross-entropy, or for the backward pass.</summary>
        private bool KeepsPreActivation(NetworkSpec spec, int index)
            => (index == Layers.Length - 1 && spec.FromLogits) || ActivationText.BackwardFromPreActivation(Layers[index].Activation);
    }
}
