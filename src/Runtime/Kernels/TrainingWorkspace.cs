using System;
using System.ComponentModel;
using System.Numerics.Tensors;

namespace GenNN.Kernels
{
    /// <summary>
    /// A generated network's per-instance training buffers for a data-parallel TrainBatch: per part of the batch, its
    /// scratch, its gradient buffer (part 0 writes the network's own) and its share of the loss. Grown to the largest
    /// batch and part count seen, then reused: a TrainBatch call allocates nothing.
    /// </summary>
    /// <remarks>
    /// Each part computes the gradient of the whole batch's mean loss over its rows (scaled by 1 / batch size, not by
    /// 1 / its own rows), so the parts' gradients simply add. They are added in part order, element by element
    /// (<c>((g0 + g1) + g2) + ...</c>), whichever threads do it, and the loss shares likewise: results are bit-for-bit
    /// reproducible for a given number of parts.
    /// </remarks>
    [EditorBrowsable(EditorBrowsableState.Advanced)]
    public sealed class TrainingWorkspace
    {
        private static readonly BatchPart ReduceBody = Reduce;

        private readonly float[] _gradients;
        private readonly int _parameterCount;
        private float[][] _partGradients = Array.Empty<float[]>();
        private float[][] _scratch = Array.Empty<float[]>();
        private double[] _losses = Array.Empty<double>();
        private int _parts;
        // Whether the reduction steps the optimizer after summing each slice.
        private bool _stepping;

        /// <summary>Creates the workspace of a network.</summary>
        /// <param name="gradients">The network's gradient buffer (with its slack): part 0 writes it directly.</param>
        /// <param name="parameterCount">The number of parameters, which the reduction adds up.</param>
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

        /// <summary>The gradient buffer part <paramref name="part"/> writes: the network's own for part 0.</summary>
        /// <param name="part">The part.</param>
        /// <returns>A buffer as long as the network's gradient buffer.</returns>
        public Span<float> Gradients(int part) => part == 0 ? _gradients : _partGradients[part];

        /// <summary>The training scratch of part <paramref name="part"/>.</summary>
        /// <param name="part">The part.</param>
        /// <returns>At least the length given to <see cref="Run"/>.</returns>
        public Span<float> Scratch(int part) => _scratch[part];

        /// <summary>Records part <paramref name="part"/>'s share of the loss: its rows' loss sum / batch size (plus the penalty, for part 0).</summary>
        /// <param name="part">The part.</param>
        /// <param name="loss">Its share.</param>
        public void SetLoss(int part, double loss) => _losses[part] = loss;

        /// <summary>
        /// Runs <paramref name="body"/> for each of <paramref name="parts"/> parts through <see cref="WorkerPool.Run"/>,
        /// adds the parts' gradients into part 0's (the network's) in part order, and returns the sum of the loss shares.
        /// </summary>
        /// <param name="parts">The number of parts (<see cref="WorkerPool.TrainingParts"/>).</param>
        /// <param name="scratchLength">The floats of scratch the largest part needs.</param>
        /// <param name="body">The generated part: the kernel on its rows, writing <see cref="Gradients"/> and <see cref="SetLoss"/>.</param>
        /// <param name="parameters">The network's parameters.</param>
        /// <param name="inputs">The batch's inputs.</param>
        /// <param name="targets">The batch's targets.</param>
        /// <param name="sampleWeights">The batch's sample weights, or empty.</param>
        /// <param name="outputs">The batch's outputs, or empty.</param>
        /// <param name="batchSize">The number of samples.</param>
        /// <param name="stream">The dropout stream, or 0.</param>
        /// <param name="optimizer">An optimizer to step after the gradients (TrainOnBatch), or <see langword="null"/>. When its
        /// <see cref="GenNN.Optimizer.CanStepInRanges"/> is true the step is fused: with one part the generated kernel steps
        /// each layer as its backward pass completes it (it reads <see cref="Optimizer"/>); with more, each reduction slice is
        /// stepped as soon as it is summed, in ranges aligned to <see cref="GenNN.Optimizer.RangeAlignment"/>. Otherwise
        /// (clipping) <see cref="GenNN.Optimizer.Step"/> runs after the batch. Either way only when the loss is finite.</param>
        /// <returns>The batch's mean loss.</returns>
        public float Run(
            int parts, int scratchLength, BatchPart body, Span<float> parameters, ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets,
            ReadOnlySpan<float> sampleWeights, Span<float> outputs, int batchSize, ulong stream, GenNN.Optimizer? optimizer = null)
        {
            // Checked before the batch runs: a mismatched optimizer then changes neither the parameters nor the gradients.
            optimizer?.CheckParameterCount(_parameterCount, nameof(optimizer));
            GenNN.Optimizer? fused = optimizer is { CanStepInRanges: true } ? optimizer : null;
            Grow(parts, scratchLength);
            _parts = parts;
            Optimizer = fused;
            try
            {
                WorkerPool.Run(parts, body, this, parameters, inputs, targets, sampleWeights, outputs, batchSize, stream);
                double loss = 0;
                for (int part = 0; part < parts; part++)
                {
                    loss += _losses[part];
                }

                if (parts > 1)
                {
                    // The parts' shares are all in: a finite loss begins the step that the reduction applies slice by slice.
                    _stepping = fused is not null && double.IsFinite(loss);
                    if (_stepping)
                    {
                        fused!.BeginStep(_parameterCount);
                    }

                    WorkerPool.Run(parts, ReduceBody, this, parameters, default, default, default, default, 0, 0);
                }

                float result = (float)loss;
                if (optimizer is not null && fused is null && float.IsFinite(result))
                {
                    // Clipping needs every gradient first: the separate step.
                    optimizer.Step(parameters, _gradients.AsSpan(0, _parameterCount));
                }

                return result;
            }
            finally
            {
                Optimizer = null;
                _stepping = false;
            }
        }

        /// <summary>
        /// The optimizer of the <see cref="Run"/> in progress whose step is fused into it, or <see langword="null"/>: a
        /// one-part kernel applies it layer by layer.
        /// </summary>
        public GenNN.Optimizer? Optimizer { get; private set; }

        private void Grow(int parts, int scratchLength)
        {
            if (_scratch.Length < parts)
            {
                Array.Resize(ref _scratch, parts);
                Array.Resize(ref _partGradients, parts);
                Array.Resize(ref _losses, parts);
                for (int part = 1; part < parts; part++)
                {
                    _partGradients[part] ??= new float[_gradients.Length];
                }
            }

            for (int part = 0; part < parts; part++)
            {
                if (_scratch[part] is not { } buffer || buffer.Length < scratchLength)
                {
                    _scratch[part] = new float[scratchLength];
                }
            }
        }

        /// <summary>
        /// Adds parts 1.. into part 0's gradients over one slice of the parameters (whole 16-float blocks), in part order:
        /// every element gets the same sum whichever thread takes its slice. Then, for a fused step, updates the slice's
        /// parameters while its gradients are in cache (slices start at multiples of 16: the bits of a separate step).
        /// </summary>
        private static void Reduce(object? state, in BatchArguments arguments, int slice, int slices)
        {
            var workspace = (TrainingWorkspace)state!;
            (int first, int count) = WorkerPool.PartRows(workspace._parameterCount, slice, slices, 16);
            Span<float> sum = workspace._gradients.AsSpan(first, count);
            for (int part = 1; part < workspace._parts; part++)
            {
                TensorPrimitives.Add(sum, workspace._partGradients[part].AsSpan(first, count), sum);
            }

            if (workspace._stepping && count > 0)
            {
                workspace.Optimizer!.StepRange(arguments.Parameters.Slice(first, count), sum, first);
            }
        }
    }
}
