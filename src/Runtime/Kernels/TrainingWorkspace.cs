using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace GenNN.Kernels
{
    /// <summary>
    /// A generated network's per-instance training buffers: the batch's activations and deltas, which every part of a
    /// TrainBatch shares, each part's own scratch, and the parts' shares of the loss. Grown to the largest batch and part
    /// count seen, then reused: a TrainBatch call allocates nothing.
    /// </summary>
    /// <remarks>
    /// A TrainBatch runs in two phases (<see cref="Run(int, int, int, BatchPart, BatchPart, Span{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, ulong, GenNN.Optimizer)"/>). The first is split by rows: each part runs its samples forward,
    /// computes their loss and takes the backward pass through every layer's input gradient, all of which concern each
    /// sample alone. The second is split by parameters: each part computes the weight and bias gradients of its slice,
    /// each a sum over the whole batch in sample order. No gradient is split between parts, so nothing is added up
    /// afterwards, and the gradients and a fused optimizer step have the bits of one thread's, for any number of parts:
    /// the parts' rows start at multiples of the kernels' register tile, so every sample meets the tiles it meets on one
    /// thread. A network with BatchNorm layers runs the first phase in stages (the second <c>Run</c>): a batch statistic is
    /// computed by channels, each over every row in order, so it too has the same bits for any number of parts.
    /// (Activations whose vector code approximates, such as tanh, sigmoid or GELU, may round a value differently
    /// where a part's span ends off a whole vector; ReLU, leaky ReLU, linear and softmax layers never do.) The loss adds the
    /// parts' shares in part order, so it may differ from one thread's in its last bit.
    /// </remarks>
    [EditorBrowsable(EditorBrowsableState.Advanced)]
    public sealed class TrainingWorkspace
    {
        private readonly float[] _gradients;
        private readonly int _parameterCount;
        private float[] _scratch = Array.Empty<float>();
        private float[][] _partScratch = Array.Empty<float[]>();
        private double[] _losses = Array.Empty<double>();

        /// <summary>Creates the workspace of a network.</summary>
        /// <param name="gradients">The network's gradient buffer (with its slack), which the second phase writes.</param>
        /// <param name="parameterCount">The number of parameters.</param>
        public TrainingWorkspace(float[] gradients, int parameterCount)
        {
            ArgumentNullException.ThrowIfNull(gradients);
            if (parameterCount < 0 || parameterCount > gradients.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(parameterCount), parameterCount, "Expected 0 to gradients.Length parameters.");
            }

            _gradients = gradients;
            _parameterCount = parameterCount;
        }

        /// <summary>The network's gradient buffer (with its slack).</summary>
        public Span<float> Gradients => _gradients;

        /// <summary>The batch's training scratch, which the parts share: each layer's <c>[batch x width]</c> buffers.</summary>
        public Span<float> Scratch => _scratch;

        /// <summary>The scratch of part <paramref name="part"/>, which no other part touches.</summary>
        /// <param name="part">The part.</param>
        /// <returns>At least the length given to <see cref="Run(int, int, int, BatchPart, BatchPart, Span{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, ulong, GenNN.Optimizer)"/>.</returns>
        public Span<float> PartScratch(int part) => _partScratch[part];

        /// <summary>Records part <paramref name="part"/>'s share of the loss in the current phase.</summary>
        /// <param name="part">The part.</param>
        /// <param name="loss">Its share: its rows' loss sum / batch size, or its slice's L1/L2 penalty.</param>
        public void SetLoss(int part, double loss) => _losses[part] = loss;

        /// <summary>
        /// The optimizer whose step the second phase applies slice by slice, or <see langword="null"/>: set while it runs,
        /// when the step is fused and the loss is finite.
        /// </summary>
        public GenNN.Optimizer? Optimizer { get; private set; }

        /// <summary>
        /// The stage of the first phase that runs now, from 0, when it runs in stages (<see cref="Run(int, int, int, int, BatchPart, BatchPart, Span{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, ulong, GenNN.Optimizer)"/>).
        /// </summary>
        public int Stage { get; private set; }

        /// <summary>
        /// Runs a TrainBatch in <paramref name="parts"/> parts through <see cref="WorkerPool.Run"/>: <paramref name="rows"/> for
        /// each part of the rows, then, once all are done, <paramref name="parameters"/> for each slice of the parameters.
        /// Returns the batch's mean loss: the first phase's shares plus the second's penalties.
        /// </summary>
        /// <param name="parts">The number of parts (<see cref="WorkerPool.TrainingParts"/>).</param>
        /// <param name="scratchLength">The floats of shared scratch the batch needs.</param>
        /// <param name="partScratchLength">The floats of scratch each part needs for itself.</param>
        /// <param name="rows">The generated first phase on a part of the rows: writes its rows of <see cref="Scratch"/> and calls <see cref="SetLoss"/>.</param>
        /// <param name="parameters">The generated second phase on a slice of the parameters: writes their <see cref="Gradients"/>,
        /// steps them with <see cref="Optimizer"/> when it is set, and calls <see cref="SetLoss"/> with their penalty.</param>
        /// <param name="values">The network's parameters.</param>
        /// <param name="inputs">The batch's inputs.</param>
        /// <param name="targets">The batch's targets.</param>
        /// <param name="sampleWeights">The batch's sample weights, or empty.</param>
        /// <param name="outputs">The batch's outputs, or empty.</param>
        /// <param name="batchSize">The number of samples.</param>
        /// <param name="stream">The dropout stream, or 0.</param>
        /// <param name="optimizer">An optimizer to step after the gradients (TrainOnBatch), or <see langword="null"/>. When its
        /// <see cref="GenNN.Optimizer.CanStepInRanges"/> is true the step is fused into the second phase, in ranges aligned to
        /// <see cref="GenNN.Optimizer.RangeAlignment"/>; otherwise (clipping) <see cref="GenNN.Optimizer.Step"/> runs after the
        /// batch. Either way only when the loss is finite.</param>
        /// <returns>The batch's mean loss.</returns>
        public float Run(
            int parts, int scratchLength, int partScratchLength, BatchPart rows, BatchPart parameters, Span<float> values, ReadOnlySpan<float> inputs,
            ReadOnlySpan<float> targets, ReadOnlySpan<float> sampleWeights, Span<float> outputs, int batchSize, ulong stream, GenNN.Optimizer? optimizer = null)
            => Run(parts, 1, scratchLength, partScratchLength, rows, parameters, values, inputs, targets, sampleWeights, outputs, batchSize, stream, optimizer);

        /// <summary>
        /// Runs a TrainBatch whose first phase has <paramref name="stages"/> stages, one after the other, each in
        /// <paramref name="parts"/> parts that all finish before the next stage begins: a network with BatchNorm layers stops
        /// its rows where it needs a statistic of the whole batch and computes it in a stage split otherwise (by channels).
        /// <paramref name="rows"/> reads <see cref="Stage"/>; the losses that the stages set add up. Then the second phase, as
        /// in the other overload.
        /// </summary>
        /// <param name="parts">The number of parts (<see cref="WorkerPool.TrainingParts"/>).</param>
        /// <param name="stages">The stages of the first phase; at least 1.</param>
        /// <param name="scratchLength">The floats of shared scratch the batch needs.</param>
        /// <param name="partScratchLength">The floats of scratch each part needs for itself.</param>
        /// <param name="rows">The generated first phase: runs stage <see cref="Stage"/> of its part and calls <see cref="SetLoss"/>.</param>
        /// <param name="parameters">The generated second phase on a slice of the parameters.</param>
        /// <param name="values">The network's parameters.</param>
        /// <param name="inputs">The batch's inputs.</param>
        /// <param name="targets">The batch's targets.</param>
        /// <param name="sampleWeights">The batch's sample weights, or empty.</param>
        /// <param name="outputs">The batch's outputs, or empty.</param>
        /// <param name="batchSize">The number of samples.</param>
        /// <param name="stream">The dropout stream, or 0.</param>
        /// <param name="optimizer">An optimizer to step after the gradients, or <see langword="null"/>.</param>
        /// <returns>The batch's mean loss.</returns>
        public float Run(
            int parts, int stages, int scratchLength, int partScratchLength, BatchPart rows, BatchPart parameters, Span<float> values, ReadOnlySpan<float> inputs,
            ReadOnlySpan<float> targets, ReadOnlySpan<float> sampleWeights, Span<float> outputs, int batchSize, ulong stream, GenNN.Optimizer? optimizer = null)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(stages, 1);
            // Checked before the batch runs: a mismatched optimizer then changes neither the parameters nor the gradients.
            optimizer?.CheckParameterCount(_parameterCount, nameof(optimizer));
            Grow(parts, scratchLength, partScratchLength);
            try
            {
                double loss = 0;
                for (int stage = 0; stage < stages; stage++)
                {
                    Stage = stage;
                    WorkerPool.Run(parts, rows, this, values, inputs, targets, sampleWeights, outputs, batchSize, stream);
                    loss += Sum(parts);
                }

                // The step begins once the loss is known to be finite (the penalty is finite for finite weights).
                bool fused = optimizer is { CanStepInRanges: true };
                if (fused && double.IsFinite(loss))
                {
                    Optimizer = optimizer;
                    optimizer!.BeginStep(_parameterCount);
                }

                WorkerPool.Run(parts, parameters, this, values, inputs, default, default, default, batchSize, stream);
                float result = (float)(loss + Sum(parts));
                if (optimizer is not null && !fused && float.IsFinite(result))
                {
                    // Clipping needs every gradient first: the separate step.
                    optimizer.Step(values, _gradients.AsSpan(0, _parameterCount));
                }

                return result;
            }
            finally
            {
                Optimizer = null;
                Stage = 0;
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private double Sum(int parts)
        {
            double sum = 0;
            for (int part = 0; part < parts; part++)
            {
                sum += _losses[part];
            }

            return sum;
        }

        private void Grow(int parts, int scratchLength, int partScratchLength)
        {
            if (_scratch.Length < scratchLength)
            {
                _scratch = new float[scratchLength];
            }

            if (_partScratch.Length < parts)
            {
                Array.Resize(ref _partScratch, parts);
                Array.Resize(ref _losses, parts);
            }

            for (int part = 0; part < parts; part++)
            {
                if (_partScratch[part] is not { } buffer || buffer.Length < partScratchLength)
                {
                    _partScratch[part] = new float[partScratchLength];
                }
            }
        }
    }
}
