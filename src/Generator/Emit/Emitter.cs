using System.Collections.Generic;
using System.Linq;
using GenNN.Generator.Emit.Layers;
using GenNN.Generator.Model;
using Microsoft.CodeAnalysis.CSharp;
using static GenNN.Generator.Emit.Invariant;

namespace GenNN.Generator.Emit
{
    /// <summary>
    /// Turns a <see cref="NetworkSpec"/> into the source of its partial class: a pure function of the spec.
    /// The file holds two parts: the user's partial class (constants, buffers, the public API, all with
    /// <c>global::</c> names) and a <c>file static class</c> in <c>GenNN.Generated</c> with the kernels, where
    /// <c>using</c> directives are safe from the user's own type names.
    /// </summary>
    internal static class Emitter
    {
        /// <summary>Hidden activations up to this many floats live on the stack in Predict; wider ones are pooled.</summary>
        private const int MaxStackScratch = 16 * 1024;

        public static string Emit(NetworkSpec spec, GeneratorOptions options)
        {
            var layout = new NetworkLayout(spec);
            var w = new SourceWriter();
            EmitHeader(w, spec, options, layout);

            if (spec.Namespace is not null)
            {
                using (w.Block("namespace " + string.Join(".", spec.Namespace.Split('.').Select(Identifier))))
                {
                    EmitNetworkClass(w, spec, options, layout);
                }
            }
            else
            {
                EmitNetworkClass(w, spec, options, layout);
            }

            w.Line();
            using (w.Block("namespace GenNN.Generated"))
            {
                w.Line("using System;");
                w.Line("using System.Runtime.CompilerServices;");
                w.Line("using System.Runtime.InteropServices;");
                w.Line("using System.Runtime.Intrinsics;");
                w.Line("using System.Runtime.Intrinsics.X86;");
                w.Line("using System.Runtime.Intrinsics.Arm;");
                w.Line("using GenNN.Kernels;");
                w.Line();
                EmitKernelClass(w, spec, options, layout);
            }

            return w.ToString();
        }

        /// <summary>The canonical topology string written into model files and <c>INetwork.Topology</c>.</summary>
        public static string Topology(NetworkSpec spec, NetworkLayout layout)
            => "Input(" + spec.Input + ")" + string.Concat(layout.Layers.Select(l => " -> " + l.Topology
                + string.Concat(DropoutsAfter(spec, l.Index).Select(d => " -> Dropout(" + R(d.Dropout.Rate) + ")"))));

        /// <summary>
        /// The lines of <c>Summary()</c>: a header, one row per layer (the input, each Dense layer with its activation and
        /// regulariser, each dropout), then the parameter totals with their size in float32 bytes (as Keras prints them).
        /// </summary>
        private static string[] SummaryLines(NetworkSpec spec, NetworkLayout layout)
        {
            var rows = new List<string[]> { new[] { "Layer (type)", "Output shape", "Activation", "Param #" } };
            rows.Add(new[] { "input (Input)", "(None, " + spec.Input + ")", "", "0" });
            int dropout = 0;
            foreach (LayerEmitter l in layout.Layers)
            {
                // Keras counts a BatchNorm's moving mean and variance in its row and in the total, as non-trainable.
                rows.Add(new[] { l.TensorPrefix + " (" + l.Kind + ")", l.OutputShape, l.SummaryActivation, S(l.ParameterCount + l.StateSize) });
                foreach ((DropoutSpec d, int _) in DropoutsAfter(spec, l.Index))
                {
                    rows.Add(new[] { "dropout." + S(dropout++) + " (Dropout)", l.OutputShape, "rate " + R(d.Rate), "0" });
                }
            }

            int[] widths = Enumerable.Range(0, 4).Select(c => rows.Max(r => r[c].Length) + 2).ToArray();
            string Row(string[] r) => (r[0].PadRight(widths[0]) + r[1].PadRight(widths[1]) + r[2].PadRight(widths[2]) + r[3].PadLeft(widths[3] - 2)).TrimEnd();
            string rule = new string('=', widths.Sum() - 2);
            var lines = new List<string> { "Model: \"" + spec.ClassName + "\"", Row(rows[0]), rule };
            lines.AddRange(rows.Skip(1).Select(Row));
            lines.Add(rule);
            long all = (long)layout.ParameterCount + layout.StateSize;
            lines.Add("Total params: " + S(all) + " (" + Bytes(4L * all) + ")");
            lines.Add("Trainable params: " + S(layout.ParameterCount) + " (" + Bytes(4L * layout.ParameterCount) + ")");
            lines.Add("Non-trainable params: " + S(layout.StateSize) + " (" + Bytes(4L * layout.StateSize) + ")");
            lines.Add("Loss: " + spec.Loss + (spec.Loss == LossKind.Huber ? " (delta " + R(spec.HuberDelta) + ")" : ""));
            return lines.Select(line => line.Replace("\\", "\\\\").Replace("\"", "\\\"")).ToArray();
        }

        /// <summary>A size as Keras' summary prints it: 524.00 B, 1.23 KB, 4.56 MB (powers of 1024).</summary>
        private static string Bytes(long bytes)
        {
            string[] units = { "B", "KB", "MB", "GB" };
            double value = bytes;
            int unit = 0;
            while (value >= 1024 && unit < units.Length - 1)
            {
                value /= 1024;
                unit++;
            }

            return value.ToString("F2", System.Globalization.CultureInfo.InvariantCulture) + " " + units[unit];
        }

        private static void EmitHeader(SourceWriter w, NetworkSpec spec, GeneratorOptions options, NetworkLayout layout)
        {
            w.Line("// <auto-generated/>");
            w.Line("// gen-nn wrote this file from the attributes on " + spec.FullName + ". Do not edit it: change the attributes.");
            w.Line("//");
            w.Line("// Topology:   " + Topology(spec, layout));
            w.Line("// Loss:       " + spec.Loss + (spec.Loss == LossKind.Huber ? " (delta " + Literal(spec.HuberDelta) + ")" : "") + " (targets: " + TargetDescription(spec, layout) + ")");
            w.Line("// Parameters: " + S(layout.ParameterCount) + " floats, one buffer; weights input-major (w[i * units + o]),");
            w.Line("//             saved in PyTorch's [out, in] order.");
            if (layout.StateSize > 0)
            {
                w.Line(F("// State:      {0} floats after the parameters and 16 of slack (BatchNorm's running_mean and running_var),", layout.StateSize));
                w.Line(F("//             and {0} int64 num_batches_tracked; saved, never trained. BatchNorm weights start at 1.", layout.CounterCount));
            }

            foreach (LayerEmitter l in layout.Layers)
            {
                foreach (TensorSpec t in l.Tensors)
                {
                    w.Line(F("//   [{0}, {1}) {2}.{3}  {4}", t.Offset, t.End, l.TensorPrefix, t.Name.PadRight(6), t.Description));
                }
            }

            w.Line(options.VectorWidth == 256
                ? "// Kernels:    Vector256, Vector128 and scalar bodies per layer (GenNNVectorWidth=256), chosen by GenNN.Kernels.Simd:"
                : "// Kernels:    Vector512, Vector256, Vector128 and scalar bodies per layer, chosen by GenNN.Kernels.Simd:");
            w.Line("//             when the JIT compiles them, or at run time in a Native AOT binary (KernelPath tells which).");
            w.Line("#nullable enable");
            w.Line();
        }

        /// <summary>A name as a C# identifier: keywords get an <c>@</c> (a class may be called <c>@event</c>).</summary>
        internal static string Identifier(string name)
            => SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None || SyntaxFacts.GetContextualKeywordKind(name) != SyntaxKind.None
                ? "@" + name
                : name;

        private static string TargetDescription(NetworkSpec spec, NetworkLayout layout) => spec.Loss switch
        {
            LossKind.SoftmaxCrossEntropy => F("one class index 0..{0} per sample", layout.OutputSize - 1),
            LossKind.BinaryCrossEntropy => "one value in [0, 1] per sample",
            LossKind.CategoricalCrossEntropy => F("{0} class probabilities per sample, summing to 1", layout.OutputSize),
            _ => F("{0} value(s) per sample", layout.OutputSize),
        };

        private static void EmitNetworkClass(SourceWriter w, NetworkSpec spec, GeneratorOptions options, NetworkLayout layout)
        {
            string c = Identifier(spec.ClassName);
            string k = spec.ClassName + "Kernels";
            w.Line("[global::System.CodeDom.Compiler.GeneratedCode(\"GenNN.Generator\", \"0.1.0\")]");
            using (w.Block("partial class " + c + " : global::GenNN.INetwork"))
            {
                w.Line(spec.Input.Rank == 1
                    ? "/// <summary>The number of input features per sample.</summary>"
                    : "/// <summary>The number of input floats per sample: " + string.Join(" x ", spec.Input.Dimensions.Select(S)) + ", channels last (see <see cref=\"InputShape\"/>).</summary>");
                w.Line(F("public const int InputSize = {0};", spec.InputSize));
                w.Line();
                w.Line("/// <summary>");
                w.Line("/// The shape of one input sample, channels last, as in Keras: (features), (length, channels) or (height, width,");
                w.Line("/// channels). A sample's floats run along the last dimension first.");
                w.Line("/// </summary>");
                w.Line("public static global::System.ReadOnlySpan<int> InputShape => new int[] { " + string.Join(", ", spec.Input.Dimensions.Select(S)) + " };");
                w.Line();
                w.Line("/// <summary>The number of outputs per sample.</summary>");
                w.Line(F("public const int OutputSize = {0};", layout.OutputSize));
                w.Line();
                w.Line("/// <summary>Floats per sample in training targets: " + TargetDescription(spec, layout) + ".</summary>");
                w.Line(F("public const int TargetSize = {0};", layout.TargetSize));
                w.Line();
                w.Line("/// <summary>The number of trainable parameters (weights and biases).</summary>");
                w.Line(F("public const int ParameterCount = {0};", layout.ParameterCount));
                if (layout.StateSize > 0)
                {
                    w.Line();
                    w.Line("/// <summary>The number of floats of state saved with the model but not trained: the BatchNorm layers' running means and variances.</summary>");
                    w.Line(F("public const int StateSize = {0};", layout.StateSize));
                }
                w.Line();
                w.Line("/// <summary>The number of layers (Dropout not counted): layers.0 to layers." + S(spec.Layers.Count - 1) + " in the summary and in model files.</summary>");
                w.Line(F("public const int LayerCount = {0};", spec.Layers.Count));
                foreach (LayerEmitter layer in layout.Layers)
                {
                    layer.EmitConstants(w);
                }

                if (layout.Layers.OfType<BatchNormEmitter>().Any(b => b.Positions == 1))
                {
                    w.Line();
                    w.Line("/// <summary>The smallest batch TrainBatch accepts: a BatchNorm layer normalises each feature over the batch, which needs 2 samples.</summary>");
                    w.Line("public const int MinTrainingBatchSize = 2;");
                }

                w.Line();
                w.Line("/// <summary>The largest batch size TrainBatch accepts: its scratch of " + F("batchSize x {0} + 16 floats must fit in one array.</summary>", layout.TrainingPerRow));
                w.Line(F("public const int MaxTrainingBatchSize = {0};", MaxTrainingBatchSize(spec, layout)));
                w.Line();
                w.Line("/// <summary>");
                w.Line("/// A table of the layers like Keras' <c>model.summary()</c>: each layer's output shape, activation and parameter");
                w.Line("/// count, then the totals in parameters and bytes, and the loss. The same text as <see cref=\"Summary\"/>.");
                w.Line("/// </summary>");
                w.Line("public const string SummaryText =");
                string[] summary = SummaryLines(spec, layout);
                for (int i = 0; i < summary.Length; i++)
                {
                    w.Line("    \"" + summary[i] + (i < summary.Length - 1 ? "\\n\" +" : "\\n\";"));
                }

                w.Line();
                w.Line("/// <summary>Describes the network like Keras' <c>model.summary()</c>; see <see cref=\"SummaryText\"/>.</summary>");
                w.Line("/// <returns>The table, one line per layer, with the totals.</returns>");
                w.Line("public static string Summary() => SummaryText;");
                w.Line();
                w.Line("/// <summary>The canonical topology string, recorded in model files.</summary>");
                w.Line("public const string Topology = \"" + Topology(spec, layout) + "\";");
                w.Line();
                w.Line("/// <summary>");
                w.Line("/// The kernel bodies this process runs: Vector512, Vector256, Vector128 or Scalar. The JIT picks them from the");
                w.Line("/// CPU (and DOTNET_EnableAVX512 / DOTNET_EnableAVX2 / DOTNET_EnableHWIntrinsic); a Native AOT binary checks");
                w.Line("/// AVX2 and FMA at run time within its compiled instruction set (IlcInstructionSet).");
                w.Line("/// </summary>");
                w.Line(F("public static global::GenNN.KernelPath KernelPath => global::GenNN.Kernels.Simd.Select(global::GenNN.KernelPath.Vector{0});", options.VectorWidth));
                w.Line();
                w.Line("// Both buffers end with 16 floats of slack that narrow kernels may read past a row; they stay zero.");
                if (layout.StateSize > 0)
                {
                    w.Line("// The state (running statistics) follows the parameters' slack in the same array, where the kernels find it.");
                    w.Line("private readonly float[] _parameters = new float[ParameterCount + 16 + StateSize];");
                    w.Line(F("private readonly long[] _counters = new long[{0}]; // num_batches_tracked of each BatchNorm layer", layout.CounterCount));
                }
                else
                {
                    w.Line("private readonly float[] _parameters = new float[ParameterCount + 16];");
                }

                w.Line("private readonly float[] _gradients = new float[ParameterCount + 16];");
                w.Line("private global::GenNN.Kernels.TrainingWorkspace? _training;");
                w.Line("private int? _maxDegreeOfParallelism;");
                w.Line("private int _trainBatchRunning;");
                w.Line("private global::GenNN.ModelPreprocessing? _preprocessing;");
                if (spec.HasDropout)
                {
                    w.Line("private ulong _dropoutSeed;");
                    w.Line("private ulong _dropoutCalls;");
                }

                w.Line();
                w.Line("/// <summary>Creates the network with weights initialised from a random seed.</summary>");
                w.Line(F("public {0}()", c));
                w.Line("    : this(global::GenNN.Initializers.NewSeed())");
                using (w.Block())
                {
                }

                w.Line();
                w.Line("/// <summary>");
                w.Line("/// Creates the network with reproducible weights: He uniform for ReLU-family layers, Glorot uniform for the");
                w.Line("/// others, biases zero. The same seed gives bit-identical weights.");
                w.Line("/// </summary>");
                w.Line("/// <param name=\"seed\">The seed of the weight initialisation.</param>");
                if (spec.HasDropout || layout.StateSize > 0)
                {
                    w.Line(F("public {0}(int seed)", c));
                    using (w.Block())
                    {
                        w.Line(F("global::GenNN.Generated.{0}.Initialize(Parameters, seed);", k));
                        if (layout.StateSize > 0)
                        {
                            w.Line(F("global::GenNN.Generated.{0}.InitializeState(State);", k));
                        }

                        if (spec.HasDropout)
                        {
                            w.Line("_dropoutSeed = (ulong)(uint)seed;");
                        }
                    }
                }

                if (spec.HasDropout)
                {

                    w.Line();
                    w.Line("/// <inheritdoc/>");
                    using (w.Block("public void SeedDropout(ulong seed)"))
                    {
                        w.Line("_dropoutSeed = seed;");
                        w.Line("_dropoutCalls = 0;");
                    }
                }
                else if (layout.StateSize == 0)
                {
                    w.Line(F("public {0}(int seed) => global::GenNN.Generated.{1}.Initialize(Parameters, seed);", c, k));
                }
                w.Line();
                w.Line("/// <inheritdoc/>");
                w.Line("public global::System.Span<float> Parameters => new global::System.Span<float>(_parameters, 0, ParameterCount);");
                w.Line();
                w.Line("/// <inheritdoc/>");
                w.Line("public global::System.Span<float> Gradients => new global::System.Span<float>(_gradients, 0, ParameterCount);");
                if (layout.StateSize > 0)
                {
                    w.Line();
                    w.Line("/// <inheritdoc/>");
                    w.Line("public global::System.Span<float> State => new global::System.Span<float>(_parameters, ParameterCount + 16, StateSize);");
                }
                w.Line();
                w.Line("/// <summary>");
                w.Line("/// The most threads one <see cref=\"PredictBatch\"/> or TrainBatch call on this instance uses, the calling thread");
                w.Line("/// included; <see langword=\"null\"/> (the default) for <see cref=\"global::GenNN.Parallelism.MaxDegreeOfParallelism\"/>.");
                w.Line("/// Batches too small to gain stay on the calling thread. PredictBatch's outputs and TrainBatch's gradients are the");
                w.Line("/// one-thread ones bit for bit (the loss may differ in its last bit; see Parallelism for the one exception).");
                w.Line("/// </summary>");
                w.Line("/// <exception cref=\"global::System.ArgumentOutOfRangeException\">On set: the value is below 1.</exception>");
                using (w.Block("public int? MaxDegreeOfParallelism"))
                {
                    w.Line("get => _maxDegreeOfParallelism;");
                    w.Line("set => _maxDegreeOfParallelism = global::GenNN.Kernels.WorkerPool.CheckDegree(value);");
                }

                w.Line();
                w.Line("int global::GenNN.INetwork.InputSize => InputSize;");
                w.Line();
                w.Line("int global::GenNN.INetwork.OutputSize => OutputSize;");
                w.Line();
                w.Line("int global::GenNN.INetwork.TargetSize => TargetSize;");
                w.Line();
                w.Line("int global::GenNN.INetwork.ParameterCount => ParameterCount;");
                if (layout.Layers.OfType<BatchNormEmitter>().Any(b => b.Positions == 1))
                {
                    w.Line();
                    w.Line("int global::GenNN.INetwork.MinTrainingBatchSize => MinTrainingBatchSize;");
                }
                w.Line();
                w.Line("string global::GenNN.INetwork.Topology => Topology;");
                w.Line();
                w.Line("global::GenNN.Loss global::GenNN.INetwork.Loss => global::GenNN.Loss." + spec.Loss + ";");
                if (spec.Loss == LossKind.Huber)
                {
                    w.Line();
                    w.Line("float global::GenNN.INetwork.HuberDelta => " + Literal(spec.HuberDelta) + ";");
                }

                w.Line();
                EmitPredict(w, k, layout, spec.FromLogits);
                w.Line();
                EmitTrainBatch(w, spec, k, layout);
                w.Line();
                EmitRegularizationLoss(w, layout);
                w.Line();
                EmitSerialization(w, c, k, layout.StateSize > 0);
                w.Line();
                EmitPreprocessing(w, spec, layout);
            }
        }

        private static void EmitPredict(SourceWriter w, string k, NetworkLayout layout, bool fromLogits)
        {
            w.Line("/// <inheritdoc/>");
            using (w.Block("public void Predict(global::System.ReadOnlySpan<float> input, global::System.Span<float> output)"))
            {
                w.Line("global::GenNN.Kernels.Guard.SampleLength(input.Length, InputSize, nameof(input), nameof(InputSize));");
                w.Line("global::GenNN.Kernels.Guard.SampleLength(output.Length, OutputSize, nameof(output), nameof(OutputSize));");
                w.Line("global::GenNN.Kernels.Guard.NoOverlap(input, output, nameof(input), nameof(output));");
                EmitWithScratch(w, layout.HiddenPerRow + layout.ForwardScratch, "global::GenNN.Generated." + k + ".ForwardOne(Parameters, input, output, scratch);");
            }

            w.Line();
            w.Line("/// <inheritdoc/>");
            using (w.Block("public void PredictBatch(global::System.ReadOnlySpan<float> inputs, global::System.Span<float> outputs, int batchSize)"))
            {
                w.Line("global::GenNN.Kernels.Guard.BatchSize(batchSize, int.MaxValue / (InputSize > OutputSize ? InputSize : OutputSize), \"the most samples whose inputs and outputs fit in a span\");");
                w.Line("global::GenNN.Kernels.Guard.BatchLength(inputs.Length, batchSize, InputSize, nameof(inputs), nameof(InputSize));");
                w.Line("global::GenNN.Kernels.Guard.BatchLength(outputs.Length, batchSize, OutputSize, nameof(outputs), nameof(OutputSize));");
                w.Line("global::GenNN.Kernels.Guard.NoOverlap(inputs, outputs, nameof(inputs), nameof(outputs));");
                w.Line("// Large batches are split across threads in whole chunks, so every sample's output is the one-thread output.");
                w.Line(F("int parts = global::GenNN.Kernels.WorkerPool.PredictParts(batchSize, global::GenNN.Generated.{0}.ForwardMultiplyAdds, global::GenNN.Generated.{0}.ChunkRows, _maxDegreeOfParallelism);", k));
                using (w.Block("if (parts == 1)"))
                {
                    w.Line(F("global::GenNN.Generated.{0}.PredictRows(Parameters, inputs, outputs, batchSize);", k));
                }

                using (w.Block("else"))
                {
                    w.Line(F("global::GenNN.Kernels.WorkerPool.Run(parts, global::GenNN.Generated.{0}.PredictPartBody, null, Parameters, inputs, default, default, outputs, batchSize, 0);", k));
                }
            }

            if (!fromLogits)
            {
                return;
            }

            w.Line();
            w.Line("/// <summary>");
            w.Line("/// Like <see cref=\"PredictBatch\"/>, but writes the output layer's logits: its values before the softmax (or");
            w.Line("/// sigmoid), what PyTorch's <c>CrossEntropyLoss</c> and <c>BCEWithLogitsLoss</c> take. TrainBatch and");
            w.Line("/// <see cref=\"global::GenNN.Trainer.Evaluate\"/> compute the cross-entropy from them, exactly where the");
            w.Line("/// probabilities round to 0 or 1. Runs on the calling thread; thread-safe like PredictBatch.");
            w.Line("/// </summary>");
            w.Line("/// <param name=\"inputs\">batchSize x InputSize floats, row-major.</param>");
            w.Line("/// <param name=\"logits\">Receives batchSize x OutputSize floats; must not overlap <paramref name=\"inputs\"/>.</param>");
            w.Line("/// <param name=\"batchSize\">The number of samples.</param>");
            using (w.Block("public void PredictLogits(global::System.ReadOnlySpan<float> inputs, global::System.Span<float> logits, int batchSize)"))
            {
                w.Line("global::GenNN.Kernels.Guard.BatchSize(batchSize, int.MaxValue / (InputSize > OutputSize ? InputSize : OutputSize), \"the most samples whose inputs and outputs fit in a span\");");
                w.Line("global::GenNN.Kernels.Guard.BatchLength(inputs.Length, batchSize, InputSize, nameof(inputs), nameof(InputSize));");
                w.Line("global::GenNN.Kernels.Guard.BatchLength(logits.Length, batchSize, OutputSize, nameof(logits), nameof(OutputSize));");
                w.Line("global::GenNN.Kernels.Guard.NoOverlap(inputs, logits, nameof(inputs), nameof(logits));");
                w.Line(F("global::GenNN.Generated.{0}.PredictRows(Parameters, inputs, logits, batchSize, logits: true);", k));
            }

            w.Line();
            using (w.Block("bool global::GenNN.INetwork.TryPredictLogits(global::System.ReadOnlySpan<float> inputs, global::System.Span<float> logits, int batchSize)"))
            {
                w.Line("PredictLogits(inputs, logits, batchSize);");
                w.Line("return true;");
            }
        }

        /// <summary>Declares <c>scratch</c> for the hidden activations (stack, or the shared pool when wide) around <paramref name="body"/>.</summary>
        private static void EmitWithScratch(SourceWriter w, int floats, params string[] body)
        {
            if (floats == 0)
            {
                w.Line("global::System.Span<float> scratch = default;");
                foreach (string line in body) w.Line(line);
            }
            else if (floats <= MaxStackScratch)
            {
                w.Line(F("global::System.Span<float> scratch = global::GenNN.Kernels.Buffers.Aligned64(stackalloc float[{0}], {1});", floats + 16, floats));
                foreach (string line in body) w.Line(line);
            }
            else
            {
                w.Line(F("float[] rented = global::System.Buffers.ArrayPool<float>.Shared.Rent({0});", floats));
                using (w.Block("try"))
                {
                    w.Line(F("global::System.Span<float> scratch = new global::System.Span<float>(rented, 0, {0});", floats));
                    foreach (string line in body) w.Line(line);
                }

                using (w.Block("finally"))
                {
                    w.Line("global::System.Buffers.ArrayPool<float>.Shared.Return(rented);");
                }
            }
        }

        private static void EmitTrainBatch(SourceWriter w, NetworkSpec spec, string k, NetworkLayout layout)
        {
            w.Line("/// <inheritdoc/>");
            w.Line("public float TrainBatch(global::System.ReadOnlySpan<float> inputs, global::System.ReadOnlySpan<float> targets, int batchSize)");
            w.Line("    => TrainBatchCore(inputs, targets, default, batchSize, default, null);");
            w.Line();
            w.Line("/// <inheritdoc/>");
            w.Line("public float TrainBatch(global::System.ReadOnlySpan<float> inputs, global::System.ReadOnlySpan<float> targets, int batchSize, global::System.Span<float> outputs)");
            w.Line("    => TrainBatchCore(inputs, targets, default, batchSize, outputs, null);");
            w.Line();
            w.Line("/// <inheritdoc/>");
            w.Line("public float TrainBatch(global::System.ReadOnlySpan<float> inputs, global::System.ReadOnlySpan<float> targets, global::System.ReadOnlySpan<float> sampleWeights, int batchSize)");
            w.Line("    => TrainBatch(inputs, targets, sampleWeights, batchSize, default);");
            w.Line();
            w.Line("/// <inheritdoc/>");
            using (w.Block("public float TrainBatch(global::System.ReadOnlySpan<float> inputs, global::System.ReadOnlySpan<float> targets, global::System.ReadOnlySpan<float> sampleWeights, int batchSize, global::System.Span<float> outputs)"))
            {
                w.Line("global::GenNN.Kernels.Guard.SampleWeights(sampleWeights, batchSize);");
                w.Line("return TrainBatchCore(inputs, targets, sampleWeights, batchSize, outputs, null);");
            }

            w.Line();
            w.Line("/// <inheritdoc/>");
            w.Line("public float TrainOnBatch(global::System.ReadOnlySpan<float> inputs, global::System.ReadOnlySpan<float> targets, int batchSize, global::GenNN.Optimizer optimizer)");
            w.Line("    => TrainOnBatch(inputs, targets, default, batchSize, optimizer, default);");
            w.Line();
            w.Line("/// <inheritdoc/>");
            using (w.Block("public float TrainOnBatch(global::System.ReadOnlySpan<float> inputs, global::System.ReadOnlySpan<float> targets, global::System.ReadOnlySpan<float> sampleWeights, int batchSize, global::GenNN.Optimizer optimizer, global::System.Span<float> outputs)"))
            {
                w.Line("global::System.ArgumentNullException.ThrowIfNull(optimizer);");
                using (w.Block("if (!sampleWeights.IsEmpty)"))
                {
                    w.Line("global::GenNN.Kernels.Guard.SampleWeights(sampleWeights, batchSize);");
                }

                w.Line("return TrainBatchCore(inputs, targets, sampleWeights, batchSize, outputs, optimizer);");
            }

            w.Line();
            w.Line("/// <summary>");
            w.Line("/// TrainBatch's checks and call; <paramref name=\"sampleWeights\"/> is empty for the unweighted mean. With an");
            w.Line("/// <paramref name=\"optimizer\"/>, its step follows (TrainOnBatch): fused into the gradient pass when it can step in ranges.");
            w.Line("/// </summary>");
            w.Line(Jit.OptimizedQualified);
            using (w.Block("private float TrainBatchCore(global::System.ReadOnlySpan<float> inputs, global::System.ReadOnlySpan<float> targets, global::System.ReadOnlySpan<float> sampleWeights, int batchSize, global::System.Span<float> outputs, global::GenNN.Optimizer? optimizer)"))
            {
                w.Line("global::GenNN.Kernels.Guard.BatchSize(batchSize, MaxTrainingBatchSize, nameof(MaxTrainingBatchSize));");
                w.Line("global::GenNN.Kernels.Guard.BatchLength(inputs.Length, batchSize, InputSize, nameof(inputs), nameof(InputSize));");
                w.Line("global::GenNN.Kernels.Guard.BatchLength(targets.Length, batchSize, TargetSize, nameof(targets), nameof(TargetSize));");
                using (w.Block("if (!outputs.IsEmpty)"))
                {
                    w.Line("global::GenNN.Kernels.Guard.BatchLength(outputs.Length, batchSize, OutputSize, nameof(outputs), nameof(OutputSize));");
                    w.Line("global::GenNN.Kernels.Guard.NoOverlap(inputs, outputs, nameof(inputs), nameof(outputs));");
                    w.Line("global::GenNN.Kernels.Guard.NoOverlap(targets, outputs, nameof(targets), nameof(outputs));");
                }

                w.Line("global::GenNN.Kernels.Guard.FiniteInputs(inputs, InputSize);");
                foreach (BatchNormEmitter norm in layout.Layers.OfType<BatchNormEmitter>().Where(b => b.Positions == 1).Take(1))
                {
                    using (w.Block("if (batchSize == 1)"))
                    {
                        w.Line(F("throw new global::System.ArgumentException(\"TrainBatch got a batch of 1, but BatchNorm layer {0} normalises each of its {1} channels over the batch, and a batch of 1 has one value per channel (PyTorch rejects it too). Train with batches of 2 or more.\", nameof(batchSize));", norm.Index, norm.Channels));
                    }
                }

                w.Line(spec.Loss switch
                {
                    LossKind.SoftmaxCrossEntropy => "global::GenNN.Kernels.Guard.ClassLabels(targets, OutputSize);",
                    LossKind.BinaryCrossEntropy => "global::GenNN.Kernels.Guard.BinaryTargets(targets);",
                    LossKind.CategoricalCrossEntropy => "global::GenNN.Kernels.Guard.ProbabilityTargets(targets, OutputSize);",
                    _ => "global::GenNN.Kernels.Guard.FiniteTargets(targets, TargetSize);",
                });
                w.Line();
                w.Line("global::GenNN.Kernels.Guard.EnterTrainBatch(ref _trainBatchRunning);");
                using (w.Block("try"))
                {
                    if (spec.HasDropout)
                    {
                        w.Line("// Each call draws new dropout masks: the stream of call n after the seed.");
                        w.Line("ulong dropoutStream = global::GenNN.Kernels.Dropout.Stream(_dropoutSeed, _dropoutCalls++);");
                    }

                    w.Line("// In parts when the batch is large enough: by rows, then by parameters (see TrainingWorkspace.Run).");
                    w.Line(F("int parts = global::GenNN.Kernels.WorkerPool.TrainingParts(batchSize, global::GenNN.Generated.{0}.TrainingMultiplyAdds, _maxDegreeOfParallelism);", k));
                    w.Line("global::GenNN.Kernels.TrainingWorkspace training = _training ??= new global::GenNN.Kernels.TrainingWorkspace(_gradients, ParameterCount);");
                    if (layout.Staged)
                    {
                        w.Line("// The rows stop where a BatchNorm layer needs statistics of the whole batch: the stages alternate between rows and channels.");
                        w.Line(F("float loss = training.Run(parts, global::GenNN.Generated.{0}.TrainingStages, global::GenNN.Generated.{0}.TrainingScratchLength(batchSize), global::GenNN.Generated.{0}.PartScratchLength,", k));
                        w.Line(F("    global::GenNN.Generated.{0}.TrainRowsBody, global::GenNN.Generated.{0}.TrainParametersBody,", k));
                        w.Line(F("    Parameters, inputs, targets, sampleWeights, outputs, batchSize, {0}, optimizer);", spec.HasDropout ? "dropoutStream" : "0"));
                        w.Line("for (int i = 0; i < _counters.Length; i++) _counters[i]++; // num_batches_tracked, as PyTorch counts it");
                        w.Line("return loss;");
                    }
                    else
                    {
                        w.Line(F("return training.Run(parts, global::GenNN.Generated.{0}.TrainingScratchLength(batchSize), global::GenNN.Generated.{0}.PartScratchLength,", k));
                        w.Line(F("    global::GenNN.Generated.{0}.TrainRowsBody, global::GenNN.Generated.{0}.TrainParametersBody,", k));
                        w.Line(F("    Parameters, inputs, targets, sampleWeights, outputs, batchSize, {0}, optimizer);", spec.HasDropout ? "dropoutStream" : "0"));
                    }
                }

                using (w.Block("finally"))
                {
                    w.Line("global::GenNN.Kernels.Guard.ExitTrainBatch(ref _trainBatchRunning);");
                }
            }

            w.Line();
        }

        /// <summary>
        /// The largest batch TrainBatch accepts: its scratch (<c>TrainingScratchLength</c>) must fit in one float array
        /// (Array.MaxLength, 0x7FFFFFC7, on every .NET), and its inputs, targets and outputs in a span.
        /// </summary>
        private static void EmitRegularizationLoss(SourceWriter w, NetworkLayout layout)
        {
            string[] penalties = layout.Layers.Where(l => l.Regularized).Select(l => l.PenaltyExpression("Parameters")).ToArray();
            w.Line("/// <summary>");
            w.Line("/// The L1/L2 penalty of the weights as they are now: what TrainBatch adds to its loss, and Trainer.Evaluate to");
            w.Line("/// its loss too, as Keras adds <c>sum(model.losses)</c> to both" + (penalties.Length == 0 ? "; 0, as no layer sets L1 or L2." : "."));
            w.Line("/// </summary>");
            w.Line("/// <returns>The sum over the regularized layers of <c>l1 sum |w| + l2 sum w^2</c>.</returns>");
            w.Line("public double RegularizationLoss() => " + (penalties.Length == 0 ? "0;" : string.Join(" + ", penalties) + ";"));
        }

        private static int MaxTrainingBatchSize(NetworkSpec spec, NetworkLayout layout)
        {
            const long MaxArrayLength = 0x7FFFFFC7;
            long byScratch = (MaxArrayLength - 16 - layout.BatchScratchTotal) / layout.TrainingPerRow;
            long bySpans = int.MaxValue / System.Math.Max(System.Math.Max(layout.InputSize, layout.OutputSize), layout.TargetSize);
            return (int)System.Math.Max(1, System.Math.Min(byScratch, bySpans));
        }

        private static void EmitSerialization(SourceWriter w, string c, string k, bool state)
        {
            w.Line("/// <summary>");
            w.Line("/// Saves the parameters, and the <see cref=\"Preprocessing\"/> if set, to <paramref name=\"path\"/> as a safetensors");
            w.Line("/// file, atomically: a failed save keeps the previous file.");
            w.Line("/// </summary>");
            w.Line("/// <param name=\"path\">The file to write.</param>");
            string buffers = state ? "Parameters, State, _counters" : "Parameters";
            w.Line(F("public void Save(string path) => global::GenNN.Serialization.SafeTensors.WriteFile(path, global::GenNN.Generated.{0}.Layout, {1}, _preprocessing);", k, buffers));
            w.Line();
            w.Line("/// <summary>Writes the parameters, and the <see cref=\"Preprocessing\"/> if set, to <paramref name=\"stream\"/> as a safetensors file.</summary>");
            w.Line("/// <param name=\"stream\">The stream to write.</param>");
            w.Line(F("public void Save(global::System.IO.Stream stream) => global::GenNN.Serialization.SafeTensors.Write(stream, global::GenNN.Generated.{0}.Layout, {1}, _preprocessing);", k, buffers));
            w.Line();
            w.Line("/// <summary>");
            w.Line("/// Loads a network from a safetensors file written by <see cref=\"Save(string)\"/> (or by PyTorch, for the same");
            w.Line("/// layer shapes), with the <see cref=\"Preprocessing\"/> stored in it (null when it holds none). Throws if the");
            w.Line("/// file's topology, tensors, dtype, shapes or checksum differ from this class's, or its preprocessing does not fit.");
            w.Line("/// </summary>");
            w.Line("/// <param name=\"path\">The file to read.</param>");
            w.Line("/// <returns>The loaded network.</returns>");
            using (w.Block(F("public static {0} Load(string path)", c)))
            {
                w.Line(F("var network = new {0}(0);", c));
                w.Line(F("network._preprocessing = global::GenNN.Serialization.SafeTensors.ReadFile(path, global::GenNN.Generated.{0}.Layout, {1});", k, state ? "network.Parameters, network.State, network._counters" : "network.Parameters"));
                w.Line("return network;");
            }

            w.Line();
            w.Line("/// <summary>Loads a network from a safetensors stream; see <see cref=\"Load(string)\"/>.</summary>");
            w.Line("/// <param name=\"stream\">The stream to read.</param>");
            w.Line("/// <returns>The loaded network.</returns>");
            using (w.Block(F("public static {0} Load(global::System.IO.Stream stream)", c)))
            {
                w.Line(F("var network = new {0}(0);", c));
                w.Line(F("network._preprocessing = global::GenNN.Serialization.SafeTensors.Read(stream, global::GenNN.Generated.{0}.Layout, {1});", k, state ? "network.Parameters, network.State, network._counters" : "network.Parameters"));
                w.Line("return network;");
            }
        }

        /// <summary>
        /// The preprocessing stored with the model (<c>Preprocessing</c>) and the predict methods on raw features that
        /// apply it. With no standardizer stored they throw rather than pass raw features to a network that may have been
        /// trained on standardized ones.
        /// </summary>
        private static void EmitPreprocessing(SourceWriter w, NetworkSpec spec, NetworkLayout layout)
        {
            w.Line("/// <summary>");
            w.Line("/// The fitted standardizer and the class and feature names that go with this model, or <see langword=\"null\"/>.");
            w.Line("/// <see cref=\"Save(string)\"/> stores them in the model file, <see cref=\"Load(string)\"/> restores them and");
            w.Line("/// <see cref=\"PredictRaw\"/> applies the standardizer. Reading it is thread-safe; set it before sharing the network");
            w.Line("/// across threads (a call that runs meanwhile uses either the old or the new value, never a mix).");
            w.Line("/// </summary>");
            w.Line("/// <exception cref=\"global::System.ArgumentException\">On set: the standardizer or the feature names do not have");
            w.Line("/// <see cref=\"InputSize\"/> features, or the class names are not one per class.</exception>");
            using (w.Block("public global::GenNN.ModelPreprocessing? Preprocessing"))
            {
                w.Line("get => _preprocessing;");
                w.Line("set");
                using (w.Block())
                {
                    w.Line("value?.Validate(this);");
                    w.Line("_preprocessing = value;");
                }
            }

            w.Line();
            w.Line("/// <summary>");
            w.Line("/// Runs one sample of raw features forward: standardizes them with the stored <see cref=\"Preprocessing\"/>'s");
            w.Line("/// standardizer (into a buffer on the stack), then runs <see cref=\"Predict\"/>. Allocates nothing; thread-safe.");
            w.Line("/// </summary>");
            w.Line("/// <param name=\"features\">Exactly <see cref=\"InputSize\"/> features, as measured (not standardized).</param>");
            w.Line("/// <param name=\"output\">Receives exactly <see cref=\"OutputSize\"/> outputs.</param>");
            w.Line("/// <exception cref=\"global::System.ArgumentException\">A span has the wrong length.</exception>");
            w.Line("/// <exception cref=\"global::System.InvalidOperationException\">The model has no stored standardizer.</exception>");
            w.Line("public void PredictRaw(global::System.ReadOnlySpan<float> features, global::System.Span<float> output)");
            w.Line("    => PredictRawCore(_preprocessing, features, output);");
            w.Line();

            bool single = spec.Loss == LossKind.BinaryCrossEntropy && layout.OutputSize == 1;
            if (spec.Loss is LossKind.SoftmaxCrossEntropy or LossKind.CategoricalCrossEntropy || single)
            {
                w.Line("/// <summary>Runs <see cref=\"PredictRaw\"/> and returns the stored name of the predicted class. Allocates nothing; thread-safe.</summary>");
                w.Line("/// <param name=\"features\">Exactly <see cref=\"InputSize\"/> features, as measured (not standardized).</param>");
                w.Line("/// <returns>The class name from <see cref=\"Preprocessing\"/>.</returns>");
                w.Line("/// <exception cref=\"global::System.ArgumentException\"><paramref name=\"features\"/> has the wrong length, or gives a NaN output.</exception>");
                w.Line("/// <exception cref=\"global::System.InvalidOperationException\">The model has no stored standardizer or class names.</exception>");
                using (w.Block("public string PredictClassName(global::System.ReadOnlySpan<float> features)"))
                {
                    w.Line("global::System.Span<float> output = stackalloc float[OutputSize];");
                    w.Line("return PredictClassName(features, output);");
                }

                w.Line();
                w.Line("/// <summary>");
                w.Line(single
                    ? "/// Runs <see cref=\"PredictRaw\"/> and returns the stored name of the predicted class: class 1 when the output is"
                    : "/// Runs <see cref=\"PredictRaw\"/> and returns the stored name of the predicted class, the one with the highest output");
                w.Line(single
                    ? "/// above 0.5, else class 0 (as Keras' binary accuracy and Trainer.Evaluate count it). Allocates nothing; thread-safe."
                    : "/// (the first of equal ones). Allocates nothing; thread-safe.");
                w.Line("/// </summary>");
                w.Line("/// <param name=\"features\">Exactly <see cref=\"InputSize\"/> features, as measured (not standardized).</param>");
                w.Line("/// <param name=\"output\">Receives exactly <see cref=\"OutputSize\"/> outputs (the probabilities).</param>");
                w.Line("/// <returns>The class name from <see cref=\"Preprocessing\"/>.</returns>");
                w.Line("/// <exception cref=\"global::System.ArgumentException\">A span has the wrong length, or an output is NaN.</exception>");
                w.Line("/// <exception cref=\"global::System.InvalidOperationException\">The model has no stored standardizer or class names.</exception>");
                w.Line(Jit.OptimizedQualified);
                using (w.Block("public string PredictClassName(global::System.ReadOnlySpan<float> features, global::System.Span<float> output)"))
                {
                    w.Line("// One read of the field: the names and the standardizer come from the same Preprocessing.");
                    w.Line("global::GenNN.ModelPreprocessing? preprocessing = _preprocessing;");
                    w.Line("global::System.Collections.Generic.IReadOnlyList<string> names = preprocessing?.ClassNames ?? throw PreprocessingMissing(\"class names\");");
                    w.Line("PredictRawCore(preprocessing, features, output);");
                    if (single)
                    {
                        using (w.Block("if (float.IsNaN(output[0]))"))
                        {
                            w.Line("throw NaNOutputError(0);");
                        }

                        w.Line("return names[output[0] > 0.5f ? 1 : 0];");
                    }
                    else
                    {
                        w.Line("int best = 0;");
                        using (w.Block("for (int k = 0; k < OutputSize; k++)"))
                        {
                            using (w.Block("if (float.IsNaN(output[k]))"))
                            {
                                w.Line("throw NaNOutputError(k);");
                            }

                            w.Line();
                            w.Line("if (output[k] > output[best]) best = k;");
                        }

                        w.Line();
                        w.Line("return names[best];");
                    }
                }

                w.Line();
                w.Line("private static global::System.ArgumentException NaNOutputError(int k) => new global::System.ArgumentException(");
                w.Line("    \"Output \" + k.ToString(global::System.Globalization.CultureInfo.InvariantCulture) + \" is NaN, so no class can be chosen; expected finite features.\", \"features\");");
                w.Line();
            }

            using (w.Block("private void PredictRawCore(global::GenNN.ModelPreprocessing? preprocessing, global::System.ReadOnlySpan<float> features, global::System.Span<float> output)"))
            {
                w.Line("global::GenNN.Kernels.Guard.SampleLength(features.Length, InputSize, nameof(features), nameof(InputSize));");
                w.Line("global::GenNN.Standardizer standardizer = preprocessing?.Standardizer ?? throw PreprocessingMissing(\"standardizer\");");
                if (spec.InputSize <= MaxStackScratch)
                {
                    w.Line("global::System.Span<float> input = stackalloc float[InputSize];");
                    w.Line("standardizer.Transform(features, input);");
                    w.Line("Predict(input, output);");
                }
                else
                {
                    w.Line("float[] rented = global::System.Buffers.ArrayPool<float>.Shared.Rent(InputSize);");
                    using (w.Block("try"))
                    {
                        w.Line("global::System.Span<float> input = new global::System.Span<float>(rented, 0, InputSize);");
                        w.Line("standardizer.Transform(features, input);");
                        w.Line("Predict(input, output);");
                    }

                    using (w.Block("finally"))
                    {
                        w.Line("global::System.Buffers.ArrayPool<float>.Shared.Return(rented);");
                    }
                }
            }

            w.Line();
            w.Line("private static global::System.InvalidOperationException PreprocessingMissing(string what) => new global::System.InvalidOperationException(");
            w.Line("    \"This \" + nameof(" + Identifier(spec.ClassName) + ") + \" has no stored \" + what + \": set Preprocessing (e.g. new ModelPreprocessing(Standardizer.Fit(train), train.ClassNames)) \"");
            w.Line("    + \"before Save, or call Predict on features prepared as in training.\");");
        }

        private static void EmitKernelClass(SourceWriter w, NetworkSpec spec, GeneratorOptions options, NetworkLayout layout)
        {
            w.Line("/// <summary>The kernels of " + spec.FullName + ": " + Topology(spec, layout) + ".</summary>");
            w.Line("[global::System.CodeDom.Compiler.GeneratedCode(\"GenNN.Generator\", \"0.1.0\")]");
            using (w.Block("file static class " + spec.ClassName + "Kernels"))
            {
                EmitLayoutField(w, spec, layout);
                w.Line();
                EmitInitialize(w, spec, layout);
                w.Line();
                EmitParallelParts(w, spec, options, layout);
                w.Line();
                EmitForward(w, layout, oneSample: false, spec.FromLogits);
                w.Line();
                EmitForward(w, layout, oneSample: true, fromLogits: false);
                w.Line();
                EmitTrainBatchKernel(w, spec, layout);
                IsaPath[] paths = IsaPath.For(options.VectorWidth);
                foreach (LayerEmitter layer in layout.Layers)
                {
                    layer.EmitKernels(w, paths);
                }

                w.Line();
                w.Line("// max(0, x) with the single max instruction, which returns its second operand when either is NaN: NaN stays");
                w.Line("// NaN, as in PyTorch. Elsewhere, x where !(x < 0) keeps NaN too.");
                w.Line("[MethodImpl(MethodImplOptions.AggressiveInlining)]");
                w.Line("private static Vector512<float> ReLU(Vector512<float> x)");
                w.Line("    => Avx512F.IsSupported ? Avx512F.Max(Vector512<float>.Zero, x) : Vector512.AndNot(x, Vector512.LessThan(x, Vector512<float>.Zero));");
                w.Line();
                w.Line("[MethodImpl(MethodImplOptions.AggressiveInlining)]");
                w.Line("private static Vector256<float> ReLU(Vector256<float> x)");
                w.Line("    => Avx.IsSupported ? Avx.Max(Vector256<float>.Zero, x) : Vector256.AndNot(x, Vector256.LessThan(x, Vector256<float>.Zero));");
                w.Line();
                w.Line("[MethodImpl(MethodImplOptions.AggressiveInlining)]");
                w.Line("private static Vector128<float> ReLU(Vector128<float> x)");
                w.Line("    => Sse.IsSupported ? Sse.Max(Vector128<float>.Zero, x) : Vector128.AndNot(x, Vector128.LessThan(x, Vector128<float>.Zero));");
                w.Line();
                w.Line("[MethodImpl(MethodImplOptions.AggressiveInlining)]");
                w.Line("private static Vector512<float> MultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> addend)");
                w.Line("    => Avx512F.IsSupported ? Avx512F.FusedMultiplyAdd(a, b, addend) : a * b + addend;");
                w.Line();
                w.Line("[MethodImpl(MethodImplOptions.AggressiveInlining)]");
                w.Line("// The Vector256 bodies run only where Simd.Vector256 found FMA: no check here, which would be a run-time test");
                w.Line("// per call in a Native AOT binary.");
                w.Line("private static Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> addend)");
                w.Line("    => Fma.MultiplyAdd(a, b, addend);");
                w.Line();
                w.Line("// One vbroadcastss. The Vector256 bodies run only where Simd.Vector256 found AVX2 on .NET 10, so no check is");
                w.Line("// needed; .NET 8's AOT compiler cannot check AVX2 at run time and runs these bodies on AVX + FMA, where");
                w.Line("// Vector256.Create is the form that works.");
                w.Line("[MethodImpl(MethodImplOptions.AggressiveInlining)]");
                w.Line("private static Vector256<float> Broadcast256(float x)");
                w.Line("#if NET10_0_OR_GREATER");
                w.Line("    => Avx2.BroadcastScalarToVector256(Vector128.CreateScalarUnsafe(x));");
                w.Line("#else");
                w.Line("    => Vector256.Create(x);");
                w.Line("#endif");
                w.Line();
                w.Line("[MethodImpl(MethodImplOptions.AggressiveInlining)]");
                w.Line("private static Vector128<float> MultiplyAdd(Vector128<float> a, Vector128<float> b, Vector128<float> addend)");
                w.Line("    => Fma.IsSupported ? Fma.MultiplyAdd(a, b, addend)");
                w.Line("     : AdvSimd.IsSupported ? AdvSimd.FusedMultiplyAdd(addend, a, b)");
                w.Line("     : a * b + addend;");
            }
        }

        private static void EmitLayoutField(SourceWriter w, NetworkSpec spec, NetworkLayout layout)
        {
            w.Line("/// <summary>Where each tensor lives in the parameter buffer; what model files must match.</summary>");
            w.Line("internal static readonly GenNN.Serialization.ModelLayout Layout = new(");
            w.Line(F("    \"{0}\",", Topology(spec, layout)));
            w.Line("    GenNN.Loss." + spec.Loss + ",");
            w.Line(F("    {0},", layout.ParameterCount));
            w.Line("    new GenNN.Serialization.TensorLayout[]");
            w.Line("    {");
            foreach (LayerEmitter l in layout.Layers)
            {
                foreach (TensorSpec t in l.Tensors)
                {
                    w.Line(F("        new(\"{0}.{1}\", {2}, new[] {{ {3} }}, StoredTransposed: {4}){5},", l.TensorPrefix, t.Name, t.Offset, string.Join(", ", t.Shape.Select(S)), t.StoredTransposed ? "true" : "false",
                        t.MemoryAxes is int[] axes ? " { MemoryAxes = new[] { " + string.Join(", ", axes.Select(S)) + " } }" : ""));
                }

                foreach (TensorSpec t in l.StateTensors)
                {
                    w.Line(F("        new(\"{0}.{1}\", {2}, {3}, StoredTransposed: false) {{ Storage = GenNN.Serialization.TensorStorage.{4} }},", l.TensorPrefix, t.Name, t.Offset,
                        t.Shape.Length == 0 ? "System.Array.Empty<int>()" : "new[] { " + string.Join(", ", t.Shape.Select(S)) + " }", t.Storage!));
                }
            }

            w.Line(layout.StateSize > 0
                ? F("    }}) {{ InputSize = {0}, OutputSize = {1}, StateSize = {2}, CounterCount = {3} }};", layout.InputSize, layout.OutputSize, layout.StateSize, layout.CounterCount)
                : F("    }}) {{ InputSize = {0}, OutputSize = {1} }};", layout.InputSize, layout.OutputSize));
            w.Line();
            w.Line("/// <summary>");
            w.Line("/// Floats of training scratch for a batch, which its parts share: per sample, each layer's output and delta (and the");
            w.Line("/// kept pre-activations and outputs after dropout); then 16 floats of slack.");
            w.Line("/// </summary>");
            w.Line(layout.BatchScratchTotal > 0
                ? F("internal static int TrainingScratchLength(int batchSize) => batchSize * {0} + {1} + 16; // then what layers need once per batch (BatchNorm statistics, weights in panels)", layout.TrainingPerRow, layout.BatchScratchTotal)
                : F("internal static int TrainingScratchLength(int batchSize) => batchSize * {0} + 16;", layout.TrainingPerRow));
            if (layout.Staged)
            {
                w.Line();
                w.Line("/// <summary>TrainBatch's first phase runs in this many stages: by rows, then by channels, in turn (TrainRows).</summary>");
                w.Line(F("internal const int TrainingStages = {0};", TrainingStages(layout)));
            }
            w.Line();
            w.Line("/// <summary>Floats of training scratch each part has to itself: the weights of layers 1 on transposed, then one row of gradients, then 16 of slack.</summary>");
            w.Line(F("internal const int PartScratchLength = {0} + {1} + 16;", layout.PartScratchTotal, layout.CutRowScratch));
        }

        private static void EmitInitialize(SourceWriter w, NetworkSpec spec, NetworkLayout layout)
        {
            w.Line("/// <summary>Seeded initialisation of every weight (one generator, layer by layer); biases zero or their constant.</summary>");
            using (w.Block("internal static void Initialize(Span<float> parameters, int seed)"))
            {
                // Every instance is made here, before any kernel runs. The kernels are compiled on their first call
                // (AggressiveOptimization), so this class's static readonly fields (the layers' geometries) must be set by
                // then for the JIT to use them as constants, as tier 1 does.
                w.Line("RuntimeHelpers.RunClassConstructor(typeof(" + spec.ClassName + "Kernels).TypeHandle); // static readonly geometries are constants to the kernels' JIT");
                w.Line("var random = new Random(seed);");
                foreach (LayerEmitter layer in layout.Layers)
                {
                    layer.EmitInitialize(w);
                }
            }

            if (layout.StateSize > 0)
            {
                w.Line();
                w.Line("/// <summary>The state before any training: running means 0 and running variances 1 (PyTorch, Keras).</summary>");
                using (w.Block("internal static void InitializeState(Span<float> state)"))
                {
                    foreach (LayerEmitter layer in layout.Layers)
                    {
                        layer.EmitInitializeState(w);
                    }
                }
            }
        }

        /// <summary>
        /// What the runtime's worker pool needs to split PredictBatch and TrainBatch across threads: the work per sample,
        /// the chunk loop of PredictBatch (its parts start on whole chunks), and each call's part as a static method behind
        /// a cached delegate (a worker rebuilds the spans from <c>BatchArguments</c>; no unsafe code here).
        /// </summary>
        private static void EmitParallelParts(SourceWriter w, NetworkSpec spec, GeneratorOptions options, NetworkLayout layout)
        {
            long forward = layout.Layers.Sum(l => l.ForwardMultiplyAdds);
            long training = layout.Layers.Sum(l => l.ForwardMultiplyAdds + l.ParameterGradientMultiplyAdds + l.InputGradientMultiplyAdds);
            string inputs = S(layout.InputSize), outputs = S(layout.OutputSize), targets = S(layout.TargetSize);
            w.Line("/// <summary>Multiply-adds per sample of the forward pass: PredictBatch uses more threads only for enough of them.</summary>");
            w.Line("internal const long ForwardMultiplyAdds = " + forward.ToString(System.Globalization.CultureInfo.InvariantCulture) + ";");
            w.Line();
            w.Line("/// <summary>Multiply-adds per sample of TrainBatch: forward, weight gradients and input gradients.</summary>");
            w.Line("internal const long TrainingMultiplyAdds = " + training.ToString(System.Globalization.CultureInfo.InvariantCulture) + ";");
            w.Line();
            w.Line("/// <summary>Samples per PredictBatch chunk: the hidden activations of a chunk stay on the stack and in L1.</summary>");
            w.Line(F("internal const int ChunkRows = {0};", layout.ChunkRows));
            if (layout.PackedWeightsTotal > 0)
            {
                w.Line();
                w.Line("/// <summary>");
                w.Line("/// The batch from which PredictRows packs the wide layers' weights into panels: the copy costs about as much as");
                w.Line("/// 40 rows gain, so smaller batches read the weights where they are.");
                w.Line("/// </summary>");
                w.Line("internal const int PackRows = 128;");
            }
            w.Line();
            w.Line("/// <summary>PredictBatch's part of the rows, for the worker pool; cached so that a call allocates nothing.</summary>");
            w.Line("internal static readonly BatchPart PredictPartBody = PredictPart;");
            w.Line();
            w.Line("/// <summary>TrainBatch's two phases, for the worker pool; cached so that a call allocates nothing.</summary>");
            w.Line("internal static readonly BatchPart TrainRowsBody = TrainRowsPart, TrainParametersBody = TrainParametersPart;");
            w.Line();
            w.Line("/// <summary>");
            w.Line("/// The rows of the register tile the kernels run on this machine. TrainBatch's parts of rows start at multiples of it, so");
            w.Line("/// every sample meets the tiles it would meet on one thread.");
            w.Line("/// </summary>");
            w.Line("internal static int TileRows => " + string.Concat(IsaPath.For(options.VectorWidth).Select(path => F("{0} ? {1} : ", path.Condition, path.Rows))) + "1;");
            if (layout.Layers.Any(l => l.PacksWeightsInTraining))
            {
                w.Line();
                w.Line("/// <summary>The rows from which a one-thread TrainBatch copies the wide layers' weights into panels on this machine's kernel path.</summary>");
                w.Line("internal static nuint TrainPackRows => " + string.Concat(IsaPath.For(options.VectorWidth).Select(path => F("{0} ? {1}u : ", path.Condition, path.TrainPackRows))) + S(IsaPath.DefaultTrainPackRows) + "u;");
            }
            w.Line();
            w.Line(spec.FromLogits
                ? "/// <summary><paramref name=\"batchSize\"/> samples forward on this thread, chunk by chunk: their outputs, or their logits.</summary>"
                : "/// <summary><paramref name=\"batchSize\"/> samples forward on this thread, chunk by chunk.</summary>");
            w.Line(Jit.Optimized);
            using (w.Block("internal static void PredictRows(Span<float> parameters, ReadOnlySpan<float> inputs, Span<float> outputs, int batchSize" + (spec.FromLogits ? ", bool logits = false)" : ")")))
            {
                string[] chunks =
                {
                    "for (int s = 0; s < batchSize; s += ChunkRows)",
                    "{",
                    "    int rows = Math.Min(ChunkRows, batchSize - s);",
                    F("    Forward(parameters, inputs.Slice(s * {0}, rows * {0}), outputs.Slice(s * {1}, rows * {1}), scratch, rows{2}{3});", inputs, outputs,
                        layout.PackedWeightsTotal > 0 ? ", packed" : "", spec.FromLogits ? ", logits: logits" : ""),
                    "}",
                };
                if (layout.PackedWeightsTotal == 0)
                {
                    EmitWithScratch(w, layout.HiddenPerRow * layout.ChunkRows + layout.ForwardScratch, chunks);
                }
                else
                {
                    // From PackRows rows on, the wide layers' weights are first copied into panels of 16 columns (a rented
                    // buffer, this call's own), which every chunk's tiles then walk one cache line after another.
                    w.Line(F("float[]? packedArray = batchSize >= PackRows ? global::System.Buffers.ArrayPool<float>.Shared.Rent({0}) : null;", layout.PackedWeightsTotal));
                    using (w.Block("try"))
                    {
                        w.Line(F("Span<float> packed = packedArray is null ? default : packedArray.AsSpan(0, {0});", layout.PackedWeightsTotal));
                        using (w.Block("if (!packed.IsEmpty)"))
                        {
                            foreach (LayerEmitter l in layout.Layers)
                            {
                                if (layout.PackedWeights[l.Index] >= 0)
                                {
                                    l.EmitPackWeights(w, F("packed.Slice({0}, {1})", layout.PackedWeights[l.Index], l.PackedWeights));
                                }
                            }
                        }

                        EmitWithScratch(w, layout.HiddenPerRow * layout.ChunkRows + layout.ForwardScratch, chunks);
                    }

                    using (w.Block("finally"))
                    {
                        using (w.Block("if (packedArray is not null)"))
                        {
                            w.Line("global::System.Buffers.ArrayPool<float>.Shared.Return(packedArray);");
                        }
                    }
                }
            }

            w.Line();
            using (w.Block("private static void PredictPart(object? state, in BatchArguments arguments, int part, int parts)"))
            {
                w.Line("(int first, int rows) = WorkerPool.PartRows(arguments.BatchSize, part, parts, ChunkRows);");
                w.Line(F("PredictRows(arguments.Parameters, arguments.Inputs.Slice(first * {0}, rows * {0}), arguments.Outputs.Slice(first * {1}, rows * {1}), rows);", inputs, outputs));
            }

            w.Line();
            w.Line("/// <summary>TrainBatch's first phase on one contiguous part of the rows: their share of the loss.</summary>");
            using (w.Block("private static void TrainRowsPart(object? state, in BatchArguments arguments, int part, int parts)"))
            {
                w.Line("var training = (TrainingWorkspace)state!;");
                if (layout.Staged)
                {
                    w.Line("int stage = training.Stage;");
                    w.Line("// Odd stages are split by channels and see every row; even ones are split by rows.");
                    w.Line("(int first, int rows) = stage % 2 == 1 ? (0, arguments.BatchSize) : WorkerPool.PartRows(arguments.BatchSize, part, parts, TileRows);");
                }
                else
                {
                    w.Line("(int first, int rows) = WorkerPool.PartRows(arguments.BatchSize, part, parts, TileRows);");
                }

                w.Line("ReadOnlySpan<float> weights = arguments.SampleWeights;");
                w.Line("Span<float> outputs = arguments.Outputs;");
                w.Line("training.SetLoss(part, TrainRows(");
                w.Line(F("    arguments.Parameters, arguments.Inputs.Slice(first * {0}, rows * {0}), arguments.Targets.Slice(first * {1}, rows * {1}),", inputs, targets));
                w.Line(F("    weights.IsEmpty ? weights : weights.Slice(first, rows), outputs.IsEmpty ? outputs : outputs.Slice(first * {0}, rows * {0}),", outputs));
                w.Line("    training.Scratch, training.PartScratch(part), rows, first, arguments.BatchSize" + (spec.HasDropout ? ", arguments.Stream" : "") + (layout.Staged ? ", stage, part, parts" : "") + "));");
            }

            w.Line();
            w.Line("/// <summary>TrainBatch's second phase on one slice of the parameters: their gradients (and step), and their penalty.</summary>");
            using (w.Block("private static void TrainParametersPart(object? state, in BatchArguments arguments, int part, int parts)"))
            {
                w.Line("var training = (TrainingWorkspace)state!;");
                w.Line(F("(int first, int count) = WorkerPool.PartRows({0}, part, parts, Optimizer.RangeAlignment);", layout.ParameterCount));
                w.Line("training.SetLoss(part, TrainParameters(");
                w.Line(F("    arguments.Parameters, training.Gradients, arguments.Inputs, training.Scratch, training.PartScratch(part).Slice({0}),", layout.PartScratchTotal));
                w.Line("    arguments.BatchSize, first, first + count, training.Optimizer));");
            }
        }

        /// <summary>
        /// <c>Forward</c> (a batch of <c>rows</c> samples, PredictBatch) or <c>ForwardOne</c> (one sample, Predict: the
        /// one-row kernels, and softmax of up to four classes inside the last kernel).
        /// </summary>
        private static void EmitForward(SourceWriter w, NetworkLayout layout, bool oneSample, bool fromLogits)
        {
            if (oneSample)
            {
                w.Line("/// <summary>One sample forward (Predict); <paramref name=\"scratch\"/> holds the hidden layers' outputs.</summary>");
            }
            else
            {
                w.Line("/// <summary>");
                w.Line("/// <paramref name=\"rows\"/> samples forward; <paramref name=\"scratch\"/> holds the hidden layers' outputs");
                w.Line("/// (<paramref name=\"rows\"/> x the hidden widths).");
                w.Line("/// </summary>");
            }

            string signature = oneSample
                ? "internal static void ForwardOne(Span<float> parameters, ReadOnlySpan<float> input, Span<float> output, Span<float> scratch)"
                : "internal static void Forward(Span<float> parameters, ReadOnlySpan<float> input, Span<float> output, Span<float> scratch, int rows"
                    + (layout.PackedWeightsTotal > 0 ? ", Span<float> packed = default" : "")
                    + (fromLogits ? ", bool logits = false)" : ")");
            w.Line(Jit.Optimized);
            using (w.Block(signature))
            {
                w.Line("ref float p = ref MemoryMarshal.GetReference(parameters);");
                if (!oneSample) w.Line("nuint n = (nuint)rows;");
                EmitStateSpan(w, layout);
                string rowsTimes = oneSample ? "" : "rows * ";
                string previous = "input";
                int offset = 0;
                int last = layout.Layers.Length - 1;
                string work = "p";
                if (layout.ForwardScratch > 0)
                {
                    w.Line(F("ref float work = ref MemoryMarshal.GetReference(scratch.Slice({0}{1}, {2})); // the layers' work area (padded samples)", rowsTimes, layout.HiddenPerRow, layout.ForwardScratch));
                    work = "work";
                }

                foreach (LayerEmitter l in layout.Layers)
                {
                    int i = l.Index;
                    string current = i == last ? "output" : "a" + S(i);
                    if (i < last)
                    {
                        w.Line(F("Span<float> {0} = scratch.Slice({1}{2}, {1}{3});", current, rowsTimes, offset, l.OutputSize));
                        offset += l.OutputSize;
                    }

                    string from = "MemoryMarshal.GetReference(" + previous + ")", to = "MemoryMarshal.GetReference(" + current + ")";
                    if (!oneSample && layout.PackedWeights[i] >= 0)
                    {
                        using (w.Block("if (packed.IsEmpty)"))
                        {
                            l.EmitForward(w, from, to, "n", work, keep: false);
                        }

                        using (w.Block("else"))
                        {
                            l.EmitPackedForward(w, from, to, "n", F("Unsafe.Add(ref MemoryMarshal.GetReference(packed), {0})", layout.PackedWeights[i]));
                        }
                    }
                    else
                    {
                        l.EmitForward(w, from, to, oneSample ? null : "n", work, keep: false);
                    }

                    if (oneSample && l.FusesSoftmaxOne)
                    {
                        w.Line("// (softmax applied inside the kernel)");
                    }
                    else if (fromLogits && i == last)
                    {
                        // The cross-entropies' output layer ends in softmax or sigmoid, never fused: without it, its logits.
                        using (w.Block("if (!logits)"))
                        {
                            EmitPostActivation(w, l, current, "rows");
                        }
                    }
                    else
                    {
                        EmitPostActivation(w, l, current, oneSample ? "1" : "rows");
                    }

                    previous = current;
                }
            }
        }

        /// <summary>The activations not fused into the kernel: element-wise over the whole batch, softmax row by row.</summary>
        private static void EmitPostActivation(SourceWriter w, LayerEmitter layer, string span, string rows)
        {
            if (layer.FusesActivation)
            {
                return;
            }

            switch (layer.Activation)
            {
                case ActivationKind.Sigmoid:
                case ActivationKind.Tanh:
                case ActivationKind.ELU:
                case ActivationKind.GELU:
                case ActivationKind.SiLU:
                case ActivationKind.Softplus:
                case ActivationKind.HardSigmoid:
                    w.Line(F("Activations.{0}({1});", layer.Activation, span));
                    break;
                case ActivationKind.Softmax when rows == "1":
                    w.Line(F("Activations.Softmax({0});", span));
                    break;
                case ActivationKind.Softmax:
                    using (w.Block(F("for (int r = 0; r < {0}; r++)", rows)))
                    {
                        w.Line(F("Activations.Softmax({0}.Slice(r * {1}, {1}));", span, layer.OutputSize));
                    }

                    break;
                default:
                    throw new System.InvalidOperationException(layer.Kind + " must fuse " + layer.Activation + " into its forward kernel.");
            }
        }

        /// <summary>
        /// TrainBatch's two phases. The first (<c>TrainRows</c>) concerns each sample alone: forward, the loss and its
        /// gradient, and back through every layer's input gradient to each layer's d. The second
        /// (<c>TrainParameters</c>) needs the whole batch: each weight and bias gradient is a sum over all its samples.
        /// Several parts split the first by rows and the second by parameters, with nothing to add up afterwards.
        /// </summary>
        private static void EmitTrainBatchKernel(SourceWriter w, NetworkSpec spec, NetworkLayout layout)
        {
            EmitTrainRows(w, spec, layout);
            w.Line();
            EmitTrainParameters(w, spec, layout);
        }

        /// <summary>A layer's buffer in the training scratch: <c>totalRows x units</c> floats, of which these rows' part.</summary>
        private static string TrainingBuffer(int offset, int units)
            => F("scratch.Slice(totalRows * {0} + firstRow * {1}, rows * {1})", offset, units);

        private static void EmitTrainRows(SourceWriter w, NetworkSpec spec, NetworkLayout layout)
        {
            LayerEmitter[] layers = layout.Layers;
            int last = layers.Length - 1;
            LayerEmitter output = layout.Output;
            bool fromLogits = spec.FromLogits;
            w.Line("/// <summary>");
            w.Line("/// TrainBatch's first phase on <paramref name=\"rows\"/> samples, the rows from <paramref name=\"firstRow\"/> on of a batch of");
            w.Line("/// <paramref name=\"totalRows\"/>: forward, the loss, and back through each layer's input gradient to every layer's d. Writes");
            w.Line("/// these rows of each layer's <c>[totalRows x width]</c> buffers in <paramref name=\"scratch\"/> (shared by the parts), copies");
            w.Line("/// the outputs to <paramref name=\"outputs\"/> unless it is empty, and returns these rows' loss sum / totalRows (each");
            w.Line("/// sample's loss times its weight, when <paramref name=\"weights\"/> is not empty). <paramref name=\"transposed\"/> is the");
            w.Line("/// part's own room for the weights transposed.");
            w.Line("/// </summary>");
            if (layout.Staged)
            {
                w.Line("/// <remarks>");
                w.Line("/// In <see cref=\"TrainingStages\"/> stages, <paramref name=\"stage\"/> the one to run: even stages on these rows, odd stages");
                w.Line("/// (a BatchNorm layer's batch statistics or gradient sums) on every row, for <paramref name=\"part\"/>'s share of the");
                w.Line("/// channels. Only the stage that computes the loss returns it; the others return 0.");
                w.Line("/// </remarks>");
            }

            w.Line(Jit.Optimized);
            using (w.Block("internal static double TrainRows(Span<float> parameters, ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, ReadOnlySpan<float> weights, Span<float> outputs, Span<float> scratch, Span<float> transposed, int rows, int firstRow, int totalRows" + (spec.HasDropout ? ", ulong dropoutStream" : "") + (layout.Staged ? ", int stage, int part, int parts" : "") + ")"))
            {
                w.Line("ref float p = ref MemoryMarshal.GetReference(parameters);");
                EmitStateSpan(w, layout);
                w.Line("ref float x = ref MemoryMarshal.GetReference(inputs);");
                w.Line("nuint n = (nuint)rows;");
                w.Line("float scale = 1f / totalRows;");
                foreach (LayerEmitter l in layers)
                {
                    w.Line(F("Span<float> a{0} = {1}, d{0} = {2};", l.Index, TrainingBuffer(layout.Activation[l.Index], l.OutputSize), TrainingBuffer(layout.Delta[l.Index], l.OutputSize)));
                }

                foreach (LayerEmitter l in layers)
                {
                    if (layout.PreActivation[l.Index] >= 0)
                    {
                        w.Line(F("Span<float> z{0} = {1};", l.Index, TrainingBuffer(layout.PreActivation[l.Index], l.OutputSize)));
                    }
                }

                foreach (LayerEmitter l in layers)
                {
                    if (layout.Dropped[l.Index] >= 0)
                    {
                        w.Line(F("Span<float> m{0} = {1}; // layer {0}'s outputs after dropout", l.Index, TrainingBuffer(layout.Dropped[l.Index], l.OutputSize)));
                    }
                }

                foreach (LayerEmitter l in layers)
                {
                    if (layout.Kept[l.Index] >= 0)
                    {
                        w.Line(F("Span<float> k{0} = {1}; // what layer {0}'s forward pass keeps for its gradients", l.Index, TrainingBuffer(layout.Kept[l.Index], l.KeptPerRow)));
                    }
                }

                foreach (LayerEmitter l in layers)
                {
                    if (l.BatchScratch > 0)
                    {
                        w.Line(F("Span<float> b{0} = scratch.Slice(totalRows * {1} + {2}, {3}); // layer {0}'s {4}, after every row", l.Index, layout.TrainingPerRow, layout.BatchScratch[l.Index], l.BatchScratch, l.BatchScratchContents));
                    }
                }

                foreach (LayerEmitter l in layers)
                {
                    l.EmitPartScratch(w, layout.PartScratch[l.Index]);
                }

                // A staged TrainRows is a sequence of "if (stage == k) { ... }" blocks; the last stage runs unconditionally.
                w.Line();
                var stages = new Stages(w, layout.Staged);
                w.Line("// Forward, keeping every layer's output (and the pre-activations the backward pass needs).");
                string previous = "x";
                string previousSpan = "inputs";
                foreach (LayerEmitter l in layers)
                {
                    int i = l.Index;
                    if (layout.Staged && l.NeedsBatchStatistics)
                    {
                        stages.Next("0");
                        l.EmitBatchStatistics(w, previousSpan);
                        stages.Next("0");
                    }

                    bool keepsZ = layout.PreActivation[i] >= 0;
                    string destination = keepsZ ? "z" + S(i) : "a" + S(i);
                    l.EmitForward(w, previous, "MemoryMarshal.GetReference(" + destination + ")", "n", layout.Kept[i] >= 0 ? "MemoryMarshal.GetReference(k" + S(i) + ")" : "p", keep: true);
                    if (i == last && fromLogits)
                    {
                        w.Line("// (the loss below computes the output activation from these logits)");
                    }
                    else if (keepsZ)
                    {
                        w.Line(F("Activations.{0}(z{1}, a{1});", l.Activation, i));
                    }
                    else
                    {
                        EmitPostActivation(w, l, destination, "rows");
                    }

                    previous = "MemoryMarshal.GetReference(a" + S(i) + ")";
                    previousSpan = "a" + S(i);
                    if (layout.Dropped[i] >= 0)
                    {
                        // Inverted dropout into m{i}, the next layer's input; a{i} keeps the outputs for the derivative.
                        string source = "a" + S(i);
                        foreach ((DropoutSpec dropout, int j) in DropoutsAfter(spec, i))
                        {
                            w.Line(F("Dropout.Forward({0}, m{1}, {2}, dropoutStream, {3}, firstRow * {4});", source, i, Literal(dropout.Rate), j, l.OutputSize));
                            source = "m" + S(i);
                        }

                        previous = "MemoryMarshal.GetReference(m" + S(i) + ")";
                        previousSpan = "m" + S(i);
                    }
                }

                w.Line();
                string L = S(last);
                string O = S(output.OutputSize);
                w.Line("double loss = 0;");
                switch (spec.Loss)
                {
                    case LossKind.SoftmaxCrossEntropy:
                        w.Line("// Softmax cross-entropy from the logits: d = (softmax(z) - onehot(label)) / totalRows.");
                        using (w.Block("for (int s = 0; s < rows; s++)"))
                        {
                            w.Line("float sw = weights.IsEmpty ? 1f : weights[s];");
                            w.Line(F("loss += sw * LossGradients.SoftmaxCrossEntropy(z{0}.Slice(s * {1}, {1}), (int)targets[s], a{0}.Slice(s * {1}, {1}), d{0}.Slice(s * {1}, {1}), scale * sw);", L, O));
                        }

                        break;
                    case LossKind.CategoricalCrossEntropy:
                        w.Line("// Categorical cross-entropy from the logits: d = (softmax(z) sum(t) - t) / totalRows.");
                        using (w.Block("for (int s = 0; s < rows; s++)"))
                        {
                            w.Line("float sw = weights.IsEmpty ? 1f : weights[s];");
                            w.Line(F("loss += sw * LossGradients.CategoricalCrossEntropy(z{0}.Slice(s * {1}, {1}), targets.Slice(s * {1}, {1}), a{0}.Slice(s * {1}, {1}), d{0}.Slice(s * {1}, {1}), scale * sw);", L, O));
                        }

                        break;
                    case LossKind.BinaryCrossEntropy:
                        w.Line("// Binary cross-entropy from the logit: d = (sigmoid(z) - t) / totalRows.");
                        using (w.Block("for (int s = 0; s < rows; s++)"))
                        {
                            w.Line("float sw = weights.IsEmpty ? 1f : weights[s];");
                            w.Line(F("loss += sw * LossGradients.BinaryCrossEntropy(z{0}[s], targets[s], out a{0}[s], out d{0}[s], scale * sw);", L));
                        }

                        break;
                    default:
                        string call = spec.Loss switch
                        {
                            LossKind.MeanAbsoluteError => "MeanAbsoluteError({0}, {1}, {2}, scale * sw)",
                            LossKind.Huber => "Huber({0}, {1}, {2}, scale * sw, " + Literal(spec.HuberDelta) + ")",
                            _ => "MeanSquaredError({0}, {1}, {2}, scale * sw)",
                        };
                        w.Line(F("// {0}, then back through the output activation.", spec.Loss == LossKind.Huber ? "Huber loss" : spec.Loss == LossKind.MeanAbsoluteError ? "Mean absolute error" : "Mean squared error"));
                        using (w.Block("for (int s = 0; s < rows; s++)"))
                        {
                            w.Line("float sw = weights.IsEmpty ? 1f : weights[s];");
                            w.Line("loss += sw * LossGradients." + F(call, F("a{0}.Slice(s * {1}, {1})", L, O), F("targets.Slice(s * {0}, {0})", O), F("d{0}.Slice(s * {1}, {1})", L, O)) + ";");
                            if (output.Activation == ActivationKind.Softmax)
                            {
                                w.Line(F("Activations.SoftmaxBackward(a{0}.Slice(s * {1}, {1}), d{0}.Slice(s * {1}, {1}));", L, O));
                            }
                        }

                        if (output.Activation != ActivationKind.Linear && output.Activation != ActivationKind.Softmax)
                        {
                            EmitActivationBackward(w, output);
                        }

                        break;
                }

                using (w.Block("if (!outputs.IsEmpty)"))
                {
                    w.Line(F("a{0}.CopyTo(outputs);", L));
                }

                w.Line();
                w.Line();
                w.Line("// Backward through the inputs: each layer hands d back to the layer before, multiplied by that layer's");
                w.Line("// activation derivative (and its dropout mask).");
                for (int i = last; i >= 1 && layers[i].HasInputGradient; i--)
                {
                    if (layout.Staged && layers[i].NeedsBatchStatistics)
                    {
                        stages.Next(stages.LossOpen ? "loss / totalRows" : "0");
                        stages.LossOpen = false;
                        layers[i].EmitBatchGradientSums(w, "d" + S(i), "k" + S(i));
                        stages.Next("0");
                    }

                    LayerEmitter before = layers[i - 1];
                    string input = (layout.Dropped[i - 1] >= 0 ? "m" : "a") + S(i - 1);
                    layers[i].EmitInputGradient(w, "d" + S(i), "d" + S(i - 1), "a" + S(i - 1), input, "a" + S(i));
                    if (!layers[i].FusesPreviousDerivative && before.Activation != ActivationKind.Linear)
                    {
                        EmitActivationBackward(w, before);
                    }

                    foreach ((DropoutSpec dropout, int j) in DropoutsAfter(spec, i - 1))
                    {
                        w.Line(F("Dropout.Backward(d{0}, {1}, dropoutStream, {2}, firstRow * {3});", i - 1, Literal(dropout.Rate), j, before.OutputSize));
                    }
                }

                foreach (LayerEmitter l in layers)
                {
                    if (layout.PackedDelta[l.Index] >= 0)
                    {
                        int size = l.PackedDeltaPerRow;
                        w.Line(F("Panels.Pack(d{0}, {1}, scratch.Slice(totalRows * {2}, totalRows * {1}), firstRow, totalRows); // for layer {0}'s weight gradient", l.Index, size, layout.PackedDelta[l.Index]));
                    }
                }

                w.Line();
                w.Line(stages.LossOpen ? "return loss / totalRows;" : "return 0;");
                stages.Finish();
            }
        }

        /// <summary>The stages of a staged TrainRows: the rows stop before each BatchNorm layer's forward pass and before its input gradient.</summary>
        private static int TrainingStages(NetworkLayout layout)
            => 1 + 2 * layout.Layers.Count(l => l.NeedsBatchStatistics) + 2 * layout.Layers.Count(l => l.NeedsBatchStatistics && l.Index >= 1 && l.HasInputGradient);

        /// <summary><c>state</c>, the span of the state buffer after the parameters and their slack, where the network has state.</summary>
        private static void EmitStateSpan(SourceWriter w, NetworkLayout layout)
        {
            if (layout.StateSize > 0)
            {
                w.Line(F("Span<float> state = MemoryMarshal.CreateSpan(ref Unsafe.Add(ref p, {0}), {1}); // the running statistics, after the parameters' slack", layout.ParameterCount + 16, layout.StateSize));
            }
        }

        /// <summary>
        /// Writes a staged TrainRows' stages as <c>if (stage == k) { ... return ...; }</c> blocks, the last one bare; does
        /// nothing for a network that is not staged.
        /// </summary>
        private sealed class Stages
        {
            private readonly SourceWriter _w;
            private readonly bool _staged;
            private SourceWriter.BlockScope? _block;
            private int _stage;

            public Stages(SourceWriter w, bool staged)
            {
                _w = w;
                _staged = staged;
                if (staged)
                {
                    _block = w.Block("if (stage == 0)");
                }
            }

            /// <summary>Whether the stage being written declared the loss and has not returned it yet.</summary>
            public bool LossOpen { get; set; } = true;

            /// <summary>Ends the current stage, returning <paramref name="result"/>, and begins the next.</summary>
            public void Next(string result)
            {
                if (!_staged)
                {
                    return;
                }

                _w.Line("return " + result + ";");
                _block!.Value.Dispose();
                _stage++;
                _w.Line();
                _block = _w.Block(F("if (stage == {0})", _stage));
            }

            /// <summary>Ends the last stage (its return written); any other stage number is a bug.</summary>
            public void Finish()
            {
                if (_staged)
                {
                    _block!.Value.Dispose();
                    _w.Line();
                    _w.Line("throw new ArgumentOutOfRangeException(nameof(stage), stage, \"No such stage.\");");
                }
            }
        }

        private static void EmitTrainParameters(SourceWriter w, NetworkSpec spec, NetworkLayout layout)
        {
            LayerEmitter[] layers = layout.Layers;
            bool regularized = layers.Any(l => l.Regularized);
            w.Line("/// <summary>");
            w.Line("/// TrainBatch's second phase, once every part's first is done: the gradients of the parameters from <paramref name=\"first\"/>");
            w.Line("/// to <paramref name=\"end\"/> (a slice starting at a multiple of 16), each the sum over the batch's samples in order, so");
            w.Line("/// the same bits however the parameters are split. A row of weights the slice cuts is computed whole into");
            w.Line("/// <paramref name=\"row\"/> and its part copied. With an <paramref name=\"optimizer\"/> (a fused step already begun), each");
            w.Line("/// layer's part of the slice is stepped as soon as its gradients are complete, while both are in cache; the ranges");
            w.Line("/// start at multiples of 16 (Optimizer.RangeAlignment), so the result has the bits of a separate Optimizer.Step.");
            w.Line("/// Returns the L1/L2 penalty of the slice's weights.");
            w.Line("/// </summary>");
            w.Line(Jit.Optimized);
            using (w.Block("internal static double TrainParameters(Span<float> parameters, Span<float> gradients, ReadOnlySpan<float> inputs, Span<float> scratch, Span<float> row, int totalRows, int first, int end, Optimizer? optimizer)"))
            {
                w.Line("ref float g = ref MemoryMarshal.GetReference(gradients);");
                w.Line("ref float x = ref MemoryMarshal.GetReference(inputs);");
                w.Line("ref float s = ref MemoryMarshal.GetReference(scratch);");
                w.Line("ref float r = ref MemoryMarshal.GetReference(row);");
                w.Line("nuint n = (nuint)totalRows;");
                w.Line(regularized ? "double penalty = 0;" : "double penalty = 0; // (no L1/L2 layers)");
                w.Line("int stepEnd = end;");
                LayerEmitter? firstWithParameters = layers.FirstOrDefault(l => l.ParameterCount > 0);
                for (int i = layers.Length - 1; i >= 0; i--)
                {
                    LayerEmitter l = layers[i];
                    if (l.ParameterCount == 0)
                    {
                        continue;
                    }

                    string input = i == 0 ? "x" : F("Unsafe.Add(ref s, totalRows * {0})", layout.Dropped[i - 1] >= 0 ? layout.Dropped[i - 1] : layout.Activation[i - 1]);
                    w.Line();
                    string kept = layout.Kept[i] >= 0 ? F("Unsafe.Add(ref s, totalRows * {0})", layout.Kept[i]) : input;
                    string delta = F("Unsafe.Add(ref s, totalRows * {0})", layout.Delta[i]);
                    string packed = layout.PackedDelta[i] >= 0 ? F("Unsafe.Add(ref s, totalRows * {0})", layout.PackedDelta[i]) : delta;
                    l.EmitParameterGradients(w, input, delta, kept, packed);

                    // This layer's gradients are complete, and those of the layers after it: step from the layer's first
                    // 16-aligned parameter (the slice's first, for the first layer) to where the last step began.
                    string from = l == firstWithParameters ? "first" : F("Math.Max(first, {0})", (l.ParameterOffset + 15) / 16 * 16);
                    using (w.Block("if (optimizer is not null)"))
                    {
                        w.Line(F("int from = {0};", from));
                        using (w.Block("if (from < stepEnd)"))
                        {
                            w.Line("optimizer.StepRange(parameters.Slice(from, stepEnd - from), gradients.Slice(from, stepEnd - from), from);");
                            w.Line("stepEnd = from;");
                        }
                    }
                }

                w.Line();
                w.Line("return penalty;");
            }
        }

        /// <summary>The dropouts after Dense layer <paramref name="layer"/>, each with its index among all the network's dropouts.</summary>
        private static IEnumerable<(DropoutSpec Dropout, int Index)> DropoutsAfter(NetworkSpec spec, int layer)
            => spec.Dropouts.Select((d, j) => (d, j)).Where(p => p.d.After == layer);

        /// <summary>
        /// <c>d{index} *= f'</c> for an activation that is not fused into a kernel, read from the layer's pre-activation
        /// (GELU, SiLU, Softplus) or its output (the others).
        /// </summary>
        private static void EmitActivationBackward(SourceWriter w, LayerEmitter layer)
        {
            int index = layer.Index;
            string source = (ActivationText.BackwardFromPreActivation(layer.Activation) ? "z" : "a") + S(index);
            w.Line(layer.Activation == ActivationKind.LeakyReLU && layer.NegativeSlope != DenseSpec.DefaultNegativeSlope
                ? F("Activations.LeakyReLUBackward({0}, d{1}, {2});", source, index, Literal(layer.NegativeSlope))
                : F("Activations.{0}Backward({1}, d{2});", layer.Activation, source, index));
        }
    }
}
