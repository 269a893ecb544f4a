using System;
using System.IO;

namespace GenNN
{
    /// <summary>
    /// A network whose code the gen-nn source generator wrote for one fixed topology. Every class marked
    /// <see cref="NetworkAttribute"/> implements it; optimizers, <c>Trainer</c> and the metrics work
    /// through it and know nothing of layers.
    /// </summary>
    /// <remarks>
    /// <para>Thread-safety: <see cref="Predict"/> and <see cref="PredictBatch"/> keep their scratch on the stack (or in
    /// arrays rented per call from <c>ArrayPool&lt;float&gt;.Shared</c>, which a thread's first call may allocate) and may
    /// be called from many threads at once, as long as nothing writes <see cref="Parameters"/> or <see cref="State"/>
    /// meanwhile: TrainBatch writes <see cref="State"/> (BatchNorm's running statistics), and an optimizer step or
    /// <c>Trainer.Fit</c> the parameters. To change the weights under predicting threads, load a new instance and swap the
    /// reference. An optimizer holds the state of one network's parameters and is not thread-safe: give each network its
    /// own. <see cref="TrainBatch(ReadOnlySpan{float}, ReadOnlySpan{float}, int)"/> uses per-instance buffers and is not thread-safe:
    /// a call that starts while another thread runs it on the same instance throws <see cref="InvalidOperationException"/>
    /// instead of corrupting the gradients (one interlocked exchange per call detects it).</para>
    /// <para>Threads inside a call: a large <see cref="PredictBatch"/> or TrainBatch is split across the cores (see
    /// <see cref="Parallelism"/>, the generated class's <c>MaxDegreeOfParallelism</c> and <c>FitOptions.MaxDegreeOfParallelism</c>).
    /// PredictBatch's outputs are the one-thread outputs bit for bit. TrainBatch's gradients, and so the parameters, are
    /// one thread's bit for bit too (each gradient is the same sum over the batch in the same order); its loss may differ
    /// in the last bit. The one exception: the approximated activations (tanh, GELU, ...) on a layer whose width is not a
    /// multiple of 4, whose last lanes a part may compute in another vector shape (within about 1e-8; see
    /// <see cref="Parallelism"/>).</para>
    /// <para>Spans: no method works in place. An output span that overlaps an input span throws <see cref="ArgumentException"/>.</para>
    /// <para>Parameter layout: for each layer in order, its weights then its bias. Weights are stored
    /// input-major (<c>w[i * units + o]</c> links input <c>i</c> to unit <c>o</c>); model files use PyTorch's
    /// <c>[out, in]</c> order.</para>
    /// </remarks>
    public interface INetwork
    {
        /// <summary>The number of input features per sample.</summary>
        int InputSize { get; }

        /// <summary>The number of outputs per sample.</summary>
        int OutputSize { get; }

        /// <summary>
        /// The number of floats per sample in the targets passed to <see cref="TrainBatch(ReadOnlySpan{float}, ReadOnlySpan{float}, int)"/>: one class index
        /// for <see cref="Loss.SoftmaxCrossEntropy"/>, one value for <see cref="Loss.BinaryCrossEntropy"/>,
        /// <see cref="OutputSize"/> values for the regression losses and <see cref="Loss.CategoricalCrossEntropy"/>
        /// (one probability per class).
        /// </summary>
        int TargetSize { get; }

        /// <summary>The number of trainable parameters (weights and biases).</summary>
        int ParameterCount { get; }

        /// <summary>The loss the network is trained on.</summary>
        Loss Loss { get; }

        /// <summary>
        /// The threshold of <see cref="Loss.Huber"/> (<c>NetworkAttribute.HuberDelta</c>), which evaluation needs to
        /// compute the same loss; 1 for every other loss.
        /// </summary>
        float HuberDelta => 1f;

        /// <summary>The canonical topology string, e.g. <c>Input(4) -> Dense(16, ReLU) -> Dense(3, Softmax)</c>.</summary>
        string Topology { get; }

        /// <summary>All trainable parameters, in the layout described on <see cref="INetwork"/>.</summary>
        Span<float> Parameters { get; }

        /// <summary>The gradients <see cref="TrainBatch(ReadOnlySpan{float}, ReadOnlySpan{float}, int)"/> computed, in the same layout as <see cref="Parameters"/>.</summary>
        Span<float> Gradients { get; }

        /// <summary>
        /// The state saved with the model but not trained (Keras' non-trainable weights, PyTorch's buffers): each BatchNorm
        /// layer's <c>running_mean</c> then <c>running_var</c>, in layer order. TrainBatch updates it; Predict reads it; no
        /// optimizer changes it. Empty for a network without BatchNorm layers.
        /// </summary>
        Span<float> State => Span<float>.Empty;

        /// <summary>
        /// The smallest batch TrainBatch accepts: 2 for a network with a BatchNorm layer that sees one value per channel in a
        /// sample (after a Dense layer, or on a flat input), since it normalises each feature over the batch (PyTorch rejects a
        /// batch of 1 there too); 1 otherwise. <c>Trainer.Fit</c> skips an epoch's last batch when it is smaller.
        /// </summary>
        int MinTrainingBatchSize => 1;

        /// <summary>
        /// Runs one sample forward. Allocates nothing; thread-safe. Inputs are not checked: a NaN input gives NaN in
        /// every output that depends on it, as in PyTorch.
        /// </summary>
        /// <param name="input">Exactly <see cref="InputSize"/> features.</param>
        /// <param name="output">Receives exactly <see cref="OutputSize"/> outputs (after the last activation).</param>
        /// <exception cref="ArgumentException">A span has the wrong length, or <paramref name="output"/> overlaps
        /// <paramref name="input"/> (the network does not work in place).</exception>
        void Predict(ReadOnlySpan<float> input, Span<float> output);

        /// <summary>
        /// Runs a row-major batch forward. Allocates nothing; thread-safe. Inputs are not checked: a NaN input gives
        /// NaN in every output of its sample, and leaves the other samples unaffected.
        /// </summary>
        /// <param name="inputs"><paramref name="batchSize"/> rows of <see cref="InputSize"/> features.</param>
        /// <param name="outputs">Receives <paramref name="batchSize"/> rows of <see cref="OutputSize"/> outputs.</param>
        /// <param name="batchSize">The number of samples.</param>
        /// <exception cref="ArgumentException">A span's length does not match <paramref name="batchSize"/>, or
        /// <paramref name="outputs"/> overlaps <paramref name="inputs"/> (the network does not work in place).</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchSize"/> is below 1 or too large for its
        /// inputs and outputs to fit in a span; the message gives the limit.</exception>
        void PredictBatch(ReadOnlySpan<float> inputs, Span<float> outputs, int batchSize);

        /// <summary>
        /// Runs a row-major batch forward and writes the output layer's logits (its values before the softmax or
        /// sigmoid), when the network has them: generated networks trained with a cross-entropy loss do
        /// (<c>PredictLogits</c>). <see cref="Trainer.Evaluate"/> computes the cross-entropy from them, as TrainBatch
        /// does, so that a sample whose probability rounds to 0 still counts its whole loss.
        /// </summary>
        /// <param name="inputs"><paramref name="batchSize"/> rows of <see cref="InputSize"/> features.</param>
        /// <param name="logits">Receives <paramref name="batchSize"/> rows of <see cref="OutputSize"/> logits.</param>
        /// <param name="batchSize">The number of samples.</param>
        /// <returns><see langword="false"/> (writing nothing) when the network has no logits to give; this default.</returns>
        bool TryPredictLogits(ReadOnlySpan<float> inputs, Span<float> logits, int batchSize) => false;

        /// <summary>
        /// The L1/L2 penalty of the weights as they are now: what TrainBatch adds to its loss, and
        /// <see cref="Trainer.Evaluate"/> to its loss too, as Keras adds <c>sum(model.losses)</c> to both. This default: 0.
        /// </summary>
        /// <returns>The penalty.</returns>
        double RegularizationLoss() => 0;

        /// <summary>
        /// Runs a batch forward and backward: overwrites <see cref="Gradients"/> with the gradient of the mean
        /// loss over the batch and returns that mean loss. Does not change <see cref="Parameters"/>; updates <see cref="State"/>
        /// (BatchNorm's running statistics), if the network has any. Not thread-safe.
        /// </summary>
        /// <param name="inputs"><paramref name="batchSize"/> rows of <see cref="InputSize"/> features.</param>
        /// <param name="targets"><paramref name="batchSize"/> rows of <see cref="TargetSize"/> targets.</param>
        /// <param name="batchSize">The number of samples; at least 1.</param>
        /// <returns>The mean loss over the batch.</returns>
        /// <exception cref="ArgumentException">A length does not match, an input is NaN or infinite (the message names it
        /// as <c>inputs[sample, feature]</c>), or a target is out of range (a class label outside 0 .. OutputSize - 1, a
        /// binary target outside [0, 1], a non-finite value). Nothing is written then.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchSize"/> is below 1 or above the generated
        /// class's <c>MaxTrainingBatchSize</c> (its training scratch must fit in one array); the message gives the limit.</exception>
        /// <exception cref="InvalidOperationException">Another thread is running TrainBatch on this instance.</exception>
        float TrainBatch(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batchSize);

        /// <summary>
        /// Like <see cref="TrainBatch(ReadOnlySpan{float}, ReadOnlySpan{float}, int)"/>, and also writes the forward
        /// pass's outputs (before this batch's update) to <paramref name="outputs"/>, so a training loop can report
        /// accuracy without a second forward pass. Not thread-safe.
        /// </summary>
        /// <param name="inputs"><paramref name="batchSize"/> rows of <see cref="InputSize"/> features.</param>
        /// <param name="targets"><paramref name="batchSize"/> rows of <see cref="TargetSize"/> targets.</param>
        /// <param name="batchSize">The number of samples; at least 1.</param>
        /// <param name="outputs">Receives <paramref name="batchSize"/> rows of <see cref="OutputSize"/> outputs; empty to skip.</param>
        /// <returns>The mean loss over the batch.</returns>
        /// <exception cref="ArgumentException">A length does not match, an input is not finite, a target is out of range, or
        /// <paramref name="outputs"/> overlaps <paramref name="inputs"/> or <paramref name="targets"/>.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchSize"/> is below 1 or above <c>MaxTrainingBatchSize</c>.</exception>
        /// <exception cref="InvalidOperationException">Another thread is running TrainBatch on this instance.</exception>
        float TrainBatch(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batchSize, Span<float> outputs);

        /// <summary>
        /// Seeds the dropout masks of TrainBatch and restarts their sequence: after <c>SeedDropout(s)</c> the n-th TrainBatch
        /// call draws the same masks on every run and every kernel path. A network constructed with a seed starts as if
        /// seeded with it. Does nothing on a network without <c>[Dropout]</c> layers.
        /// </summary>
        /// <param name="seed">The seed.</param>
        void SeedDropout(ulong seed)
        {
        }

        /// <summary>
        /// Like <see cref="TrainBatch(ReadOnlySpan{float}, ReadOnlySpan{float}, int)"/> with a weight per sample (Keras'
        /// <c>sample_weight</c>): returns <c>sum(w_i loss_i) / batchSize</c>, the mean over the batch of each sample's
        /// loss times its weight (Keras' <c>sum_over_batch_size</c> reduction; not divided by the sum of the weights), and
        /// stores its gradient. All weights 1 gives exactly the unweighted result; a weight of 2 counts a sample twice and
        /// 0 leaves it out (but it still counts in <paramref name="batchSize"/>). L1/L2 penalties are added unweighted.
        /// Not thread-safe.
        /// </summary>
        /// <param name="inputs"><paramref name="batchSize"/> rows of <see cref="InputSize"/> features.</param>
        /// <param name="targets"><paramref name="batchSize"/> rows of <see cref="TargetSize"/> targets.</param>
        /// <param name="sampleWeights"><paramref name="batchSize"/> weights, each finite and at least 0.</param>
        /// <param name="batchSize">The number of samples; at least 1.</param>
        /// <returns>The weighted mean loss over the batch.</returns>
        /// <exception cref="ArgumentException">As the unweighted overload, or a weight is negative or not finite, or there
        /// is not one per sample.</exception>
        float TrainBatch(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, ReadOnlySpan<float> sampleWeights, int batchSize)
            => TrainBatch(inputs, targets, sampleWeights, batchSize, default);

        /// <summary>
        /// The weighted <see cref="TrainBatch(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, int)"/> that also
        /// writes the forward pass's outputs to <paramref name="outputs"/> (empty to skip). Generated networks implement it;
        /// the default throws <see cref="NotSupportedException"/>.
        /// </summary>
        /// <param name="inputs"><paramref name="batchSize"/> rows of <see cref="InputSize"/> features.</param>
        /// <param name="targets"><paramref name="batchSize"/> rows of <see cref="TargetSize"/> targets.</param>
        /// <param name="sampleWeights"><paramref name="batchSize"/> weights, each finite and at least 0.</param>
        /// <param name="batchSize">The number of samples; at least 1.</param>
        /// <param name="outputs">Receives <paramref name="batchSize"/> rows of <see cref="OutputSize"/> outputs; empty to skip.</param>
        /// <returns>The weighted mean loss over the batch.</returns>
        float TrainBatch(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, ReadOnlySpan<float> sampleWeights, int batchSize, Span<float> outputs)
            => throw new NotSupportedException(GetType().Name + " does not support sample weights; generated networks do.");

        /// <summary>
        /// One training step on a batch, as Keras' <c>train_on_batch</c>: <see cref="TrainBatch(ReadOnlySpan{float}, ReadOnlySpan{float}, int)"/>
        /// then <paramref name="optimizer"/>'s step on <see cref="Parameters"/>, fused when it can be (see the other overload).
        /// Returns the mean loss; a NaN or infinite loss leaves the parameters as they were. Not thread-safe.
        /// </summary>
        /// <param name="inputs"><paramref name="batchSize"/> rows of <see cref="InputSize"/> features.</param>
        /// <param name="targets"><paramref name="batchSize"/> rows of <see cref="TargetSize"/> targets.</param>
        /// <param name="batchSize">The number of samples; at least 1.</param>
        /// <param name="optimizer">The optimizer that updates the parameters.</param>
        /// <returns>The mean loss over the batch, before the update.</returns>
        float TrainOnBatch(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, int batchSize, Optimizer optimizer)
            => TrainOnBatch(inputs, targets, default, batchSize, optimizer, default);

        /// <summary>
        /// One training step on a batch: the gradient of the (weighted) mean loss, as TrainBatch computes it, then
        /// <paramref name="optimizer"/>'s update of <see cref="Parameters"/>. Generated networks fuse the two when
        /// <see cref="Optimizer.CanStepInRanges"/> is true (no gradient clipping): each layer's parameters are updated as
        /// soon as their gradients are complete, while both are still in cache (when the batch is split across threads,
        /// each thread updates the slice of the parameters whose gradients it computed). The result
        /// is bit-identical to <c>TrainBatch</c> followed by <see cref="Optimizer.Step"/>; <see cref="Gradients"/> holds the
        /// batch's gradients afterwards either way. When the loss is NaN or infinite no update is applied (the optimizer's
        /// state and <see cref="Optimizer.Iterations"/> do not move either). Not thread-safe.
        /// </summary>
        /// <param name="inputs"><paramref name="batchSize"/> rows of <see cref="InputSize"/> features.</param>
        /// <param name="targets"><paramref name="batchSize"/> rows of <see cref="TargetSize"/> targets.</param>
        /// <param name="sampleWeights"><paramref name="batchSize"/> weights (each finite and at least 0), or empty for the unweighted mean.</param>
        /// <param name="batchSize">The number of samples; at least 1.</param>
        /// <param name="optimizer">The optimizer that updates the parameters.</param>
        /// <param name="outputs">Receives the forward pass's outputs (before the update); empty to skip.</param>
        /// <returns>The mean loss over the batch, before the update.</returns>
        /// <exception cref="ArgumentNullException"><paramref name="optimizer"/> is null.</exception>
        /// <exception cref="ArgumentException">As TrainBatch; or the optimizer holds state for another parameter count.</exception>
        float TrainOnBatch(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, ReadOnlySpan<float> sampleWeights, int batchSize, Optimizer optimizer, Span<float> outputs)
        {
            ArgumentNullException.ThrowIfNull(optimizer);
            float loss = sampleWeights.IsEmpty
                ? TrainBatch(inputs, targets, batchSize, outputs)
                : TrainBatch(inputs, targets, sampleWeights, batchSize, outputs);
            if (float.IsFinite(loss))
            {
                optimizer.Step(Parameters, Gradients);
            }

            return loss;
        }

        /// <summary>Writes the parameters to <paramref name="stream"/> as a safetensors file.</summary>
        void Save(Stream stream);

        /// <summary>Writes the parameters to <paramref name="path"/> as a safetensors file, atomically.</summary>
        void Save(string path);
    }
}
