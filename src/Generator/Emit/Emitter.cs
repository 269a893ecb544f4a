using System.Collections.Generic;
using System.Linq;
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

        /// <summary>Layers with at most this many weights get their one-sample kernel inlined into Predict.</summary>
        private const int InlineWeights = 1024;

        public static string Emit(NetworkSpec spec, GeneratorOptions options)
        {
            var layout = new Layout(spec);
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
        public static string Topology(NetworkSpec spec)
            => "Input(" + S(spec.InputSize) + ")" + string.Concat(spec.Layers.Select((l, i) => " -> Dense(" + S(l.Units) + ", " + ActivationName(l) + ")"
                + string.Concat(spec.Dropouts.Where(d => d.After == i).Select(d => " -> Dropout(" + d.Rate.ToString("R", System.Globalization.CultureInfo.InvariantCulture) + ")"))));

        /// <summary>
        /// The lines of <c>Summary()</c>: a header, one row per layer (the input, each Dense layer with its activation and
        /// regulariser, each dropout), then the parameter totals with their size in float32 bytes (as Keras prints them).
        /// </summary>
        private static string[] SummaryLines(NetworkSpec spec, Layout layout)
        {
            var rows = new List<string[]> { new[] { "Layer (type)", "Output shape", "Activation", "Param #" } };
            rows.Add(new[] { "input (Input)", "(None, " + S(spec.InputSize) + ")", "", "0" });
            int dropout = 0;
            for (int i = 0; i < spec.Layers.Count; i++)
            {
                LayerSpec l = spec.Layers[i];
                string activation = ActivationName(l)
                    + (l.L1 != 0f ? ", L1 " + l.L1.ToString("R", System.Globalization.CultureInfo.InvariantCulture) : "")
                    + (l.L2 != 0f ? ", L2 " + l.L2.ToString("R", System.Globalization.CultureInfo.InvariantCulture) : "");
                rows.Add(new[] { "layers." + S(i) + " (Dense)", "(None, " + S(l.Units) + ")", activation, S((l.Inputs + 1) * l.Units) });
                foreach ((DropoutSpec d, int _) in DropoutsAfter(spec, i))
                {
                    rows.Add(new[] { "dropout." + S(dropout++) + " (Dropout)", "(None, " + S(l.Units) + ")", "rate " + d.Rate.ToString("R", System.Globalization.CultureInfo.InvariantCulture), "0" });
                }
            }

            int[] widths = Enumerable.Range(0, 4).Select(c => rows.Max(r => r[c].Length) + 2).ToArray();
            string Row(string[] r) => (r[0].PadRight(widths[0]) + r[1].PadRight(widths[1]) + r[2].PadRight(widths[2]) + r[3].PadLeft(widths[3] - 2)).TrimEnd();
            string rule = new string('=', widths.Sum() - 2);
            var lines = new List<string> { "Model: \"" + spec.ClassName + "\"", Row(rows[0]), rule };
            lines.AddRange(rows.Skip(1).Select(Row));
            lines.Add(rule);
            string total = S(layout.ParameterCount) + " (" + Bytes(4L * layout.ParameterCount) + ")";
            lines.Add("Total params: " + total);
            lines.Add("Trainable params: " + total);
            lines.Add("Non-trainable params: 0 (0.00 B)");
            lines.Add("Loss: " + spec.Loss + (spec.Loss == LossKind.Huber ? " (delta " + spec.HuberDelta.ToString("R", System.Globalization.CultureInfo.InvariantCulture) + ")" : ""));
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

        /// <summary>The activation as the topology names it: <c>LeakyReLU(0.2)</c> when the slope is not PyTorch's default.</summary>
        private static string ActivationName(LayerSpec layer)
            => layer.Activation == ActivationKind.LeakyReLU && layer.NegativeSlope != LayerSpec.DefaultNegativeSlope
                ? "LeakyReLU(" + layer.NegativeSlope.ToString("R", System.Globalization.CultureInfo.InvariantCulture) + ")"
                : layer.Activation.ToString();

        /// <summary>A float as a C# literal that round-trips (<c>0.2f</c>).</summary>
        private static string FloatLiteral(float value) => value.ToString("R", System.Globalization.CultureInfo.InvariantCulture) + "f";

        /// <summary>LeakyReLU's slope in generated code: the runtime's constant for the default, else the layer's literal.</summary>
        private static string SlopeExpression(LayerSpec layer)
            => layer.NegativeSlope == LayerSpec.DefaultNegativeSlope ? "Activations.LeakyReLUSlope" : FloatLiteral(layer.NegativeSlope);

        private static void EmitHeader(SourceWriter w, NetworkSpec spec, GeneratorOptions options, Layout layout)
        {
            w.Line("// <auto-generated/>");
            w.Line("// gen-nn wrote this file from the attributes on " + spec.FullName + ". Do not edit it: change the attributes.");
            w.Line("//");
            w.Line("// Topology:   " + Topology(spec));
            w.Line("// Loss:       " + spec.Loss + (spec.Loss == LossKind.Huber ? " (delta " + FloatLiteral(spec.HuberDelta) + ")" : "") + " (targets: " + TargetDescription(spec) + ")");
            w.Line("// Parameters: " + S(layout.ParameterCount) + " floats, one buffer; weights input-major (w[i * units + o]),");
            w.Line("//             saved in PyTorch's [out, in] order.");
            for (int k = 0; k < spec.Layers.Count; k++)
            {
                LayerSpec l = spec.Layers[k];
                w.Line(F("//   [{0}, {1}) layers.{2}.weight  {3} x {4}", layout.Weight[k], layout.Bias[k], k, l.Inputs, l.Units));
                w.Line(F("//   [{0}, {1}) layers.{2}.bias    {3}", layout.Bias[k], layout.Bias[k] + l.Units, k, l.Units));
            }

            w.Line(options.VectorWidth == 256
                ? "// Kernels:    Vector256, Vector128 and scalar bodies per layer (GenNNVectorWidth=256), chosen by GenNN.Kernels.Simd:"
                : "// Kernels:    Vector512, Vector256, Vector128 and scalar bodies per layer, chosen by GenNN.Kernels.Simd:");
            w.Line("//             when the JIT compiles them, or at run time in a Native AOT binary (KernelPath tells which).");
            w.Line("#nullable enable");
            w.Line();
        }

        /// <summary>A name as a C# identifier: keywords get an <c>@</c> (a class may be called <c>@event</c>).</summary>
        private static string Identifier(string name)
            => SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None || SyntaxFacts.GetContextualKeywordKind(name) != SyntaxKind.None
                ? "@" + name
                : name;

        private static string TargetDescription(NetworkSpec spec) => spec.Loss switch
        {
            LossKind.SoftmaxCrossEntropy => F("one class index 0..{0} per sample", spec.Output.Units - 1),
            LossKind.BinaryCrossEntropy => "one value in [0, 1] per sample",
            LossKind.CategoricalCrossEntropy => F("{0} class probabilities per sample, summing to 1", spec.Output.Units),
            _ => F("{0} value(s) per sample", spec.Output.Units),
        };

        private static void EmitNetworkClass(SourceWriter w, NetworkSpec spec, GeneratorOptions options, Layout layout)
        {
            string c = Identifier(spec.ClassName);
            string k = spec.ClassName + "Kernels";
            w.Line("[global::System.CodeDom.Compiler.GeneratedCode(\"GenNN.Generator\", \"0.1.0\")]");
            using (w.Block("partial class " + c + " : global::GenNN.INetwork"))
            {
                w.Line(F("/// <summary>The number of input features per sample.</summary>"));
                w.Line(F("public const int InputSize = {0};", spec.InputSize));
                w.Line();
                w.Line("/// <summary>The number of outputs per sample.</summary>");
                w.Line(F("public const int OutputSize = {0};", spec.Output.Units));
                w.Line();
                w.Line("/// <summary>Floats per sample in training targets: " + TargetDescription(spec) + ".</summary>");
                w.Line(F("public const int TargetSize = {0};", layout.TargetSize));
                w.Line();
                w.Line("/// <summary>The number of trainable parameters (weights and biases).</summary>");
                w.Line(F("public const int ParameterCount = {0};", layout.ParameterCount));
                w.Line();
                w.Line("/// <summary>The number of dense layers.</summary>");
                w.Line(F("public const int LayerCount = {0};", spec.Layers.Count));
                for (int i = 0; i < spec.Layers.Count; i++)
                {
                    w.Line();
                    w.Line(F("/// <summary>The units of layer {0}: Dense({1}, {2}).</summary>", i, spec.Layers[i].Units, ActivationName(spec.Layers[i])));
                    w.Line(F("public const int Layer{0}Units = {1};", i, spec.Layers[i].Units));
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
                w.Line("public const string Topology = \"" + Topology(spec) + "\";");
                w.Line();
                w.Line("/// <summary>");
                w.Line("/// The kernel bodies this process runs: Vector512, Vector256, Vector128 or Scalar. The JIT picks them from the");
                w.Line("/// CPU (and DOTNET_EnableAVX512 / DOTNET_EnableAVX2 / DOTNET_EnableHWIntrinsic); a Native AOT binary checks");
                w.Line("/// AVX2 and FMA at run time within its compiled instruction set (IlcInstructionSet).");
                w.Line("/// </summary>");
                w.Line(F("public static global::GenNN.KernelPath KernelPath => global::GenNN.Kernels.Simd.Select(global::GenNN.KernelPath.Vector{0});", options.VectorWidth));
                w.Line();
                w.Line("// Both buffers end with 16 floats of slack that narrow kernels may read past a row; they stay zero.");
                w.Line("private readonly float[] _parameters = new float[ParameterCount + 16];");
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
                w.Line("    : this(global::System.Random.Shared.Next())");
                using (w.Block())
                {
                }

                w.Line();
                w.Line("/// <summary>");
                w.Line("/// Creates the network with reproducible weights: He uniform for ReLU-family layers, Glorot uniform for the");
                w.Line("/// others, biases zero. The same seed gives bit-identical weights.");
                w.Line("/// </summary>");
                w.Line("/// <param name=\"seed\">The seed of the weight initialisation.</param>");
                if (spec.HasDropout)
                {
                    w.Line(F("public {0}(int seed)", c));
                    using (w.Block())
                    {
                        w.Line(F("global::GenNN.Generated.{0}.Initialize(Parameters, seed);", k));
                        w.Line("_dropoutSeed = (ulong)(uint)seed;");
                    }

                    w.Line();
                    w.Line("/// <inheritdoc/>");
                    using (w.Block("public void SeedDropout(ulong seed)"))
                    {
                        w.Line("_dropoutSeed = seed;");
                        w.Line("_dropoutCalls = 0;");
                    }
                }
                else
                {
                    w.Line(F("public {0}(int seed) => global::GenNN.Generated.{1}.Initialize(Parameters, seed);", c, k));
                }
                w.Line();
                w.Line("/// <inheritdoc/>");
                w.Line("public global::System.Span<float> Parameters => new global::System.Span<float>(_parameters, 0, ParameterCount);");
                w.Line();
                w.Line("/// <inheritdoc/>");
                w.Line("public global::System.Span<float> Gradients => new global::System.Span<float>(_gradients, 0, ParameterCount);");
                w.Line();
                w.Line("/// <summary>");
                w.Line("/// The most threads one <see cref=\"PredictBatch\"/> or TrainBatch call on this instance uses, the calling thread");
                w.Line("/// included; <see langword=\"null\"/> (the default) for <see cref=\"global::GenNN.Parallelism.MaxDegreeOfParallelism\"/>.");
                w.Line("/// Batches too small to gain stay on the calling thread. Training results are reproducible for a given value and");
                w.Line("/// differ from one thread's only by the order of floating-point additions; PredictBatch's do not differ at all.");
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
                w.Line();
                w.Line("string global::GenNN.INetwork.Topology => Topology;");
                w.Line();
                w.Line("global::GenNN.Loss global::GenNN.INetwork.Loss => global::GenNN.Loss." + spec.Loss + ";");
                if (spec.Loss == LossKind.Huber)
                {
                    w.Line();
                    w.Line("float global::GenNN.INetwork.HuberDelta => " + FloatLiteral(spec.HuberDelta) + ";");
                }

                w.Line();
                EmitPredict(w, k, layout);
                w.Line();
                EmitTrainBatch(w, spec, k);
                w.Line();
                EmitSerialization(w, c, k);
                w.Line();
                EmitPreprocessing(w, spec);
            }
        }

        private static void EmitPredict(SourceWriter w, string k, Layout layout)
        {
            w.Line("/// <inheritdoc/>");
            using (w.Block("public void Predict(global::System.ReadOnlySpan<float> input, global::System.Span<float> output)"))
            {
                w.Line("global::GenNN.Kernels.Guard.SampleLength(input.Length, InputSize, nameof(input), nameof(InputSize));");
                w.Line("global::GenNN.Kernels.Guard.SampleLength(output.Length, OutputSize, nameof(output), nameof(OutputSize));");
                w.Line("global::GenNN.Kernels.Guard.NoOverlap(input, output, nameof(input), nameof(output));");
                EmitWithScratch(w, layout.HiddenPerRow, "global::GenNN.Generated." + k + ".ForwardOne(Parameters, input, output, scratch);");
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

        private static void EmitTrainBatch(SourceWriter w, NetworkSpec spec, string k)
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
                    w.Line(F("return training.Run(parts, global::GenNN.Generated.{0}.TrainingScratchLength(batchSize), global::GenNN.Generated.{0}.PartScratchLength,", k));
                    w.Line(F("    global::GenNN.Generated.{0}.TrainRowsBody, global::GenNN.Generated.{0}.TrainParametersBody,", k));
                    w.Line(F("    Parameters, inputs, targets, sampleWeights, outputs, batchSize, {0}, optimizer);", spec.HasDropout ? "dropoutStream" : "0"));
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
        private static int MaxTrainingBatchSize(NetworkSpec spec, Layout layout)
        {
            const long MaxArrayLength = 0x7FFFFFC7;
            long byScratch = (MaxArrayLength - 16) / layout.TrainingPerRow;
            long bySpans = int.MaxValue / System.Math.Max(System.Math.Max(spec.InputSize, spec.Output.Units), layout.TargetSize);
            return (int)System.Math.Max(1, System.Math.Min(byScratch, bySpans));
        }

        private static void EmitSerialization(SourceWriter w, string c, string k)
        {
            w.Line("/// <summary>");
            w.Line("/// Saves the parameters, and the <see cref=\"Preprocessing\"/> if set, to <paramref name=\"path\"/> as a safetensors");
            w.Line("/// file, atomically: a failed save keeps the previous file.");
            w.Line("/// </summary>");
            w.Line("/// <param name=\"path\">The file to write.</param>");
            w.Line(F("public void Save(string path) => global::GenNN.Serialization.SafeTensors.WriteFile(path, global::GenNN.Generated.{0}.Layout, Parameters, _preprocessing);", k));
            w.Line();
            w.Line("/// <summary>Writes the parameters, and the <see cref=\"Preprocessing\"/> if set, to <paramref name=\"stream\"/> as a safetensors file.</summary>");
            w.Line("/// <param name=\"stream\">The stream to write.</param>");
            w.Line(F("public void Save(global::System.IO.Stream stream) => global::GenNN.Serialization.SafeTensors.Write(stream, global::GenNN.Generated.{0}.Layout, Parameters, _preprocessing);", k));
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
                w.Line(F("network._preprocessing = global::GenNN.Serialization.SafeTensors.ReadFile(path, global::GenNN.Generated.{0}.Layout, network.Parameters);", k));
                w.Line("return network;");
            }

            w.Line();
            w.Line("/// <summary>Loads a network from a safetensors stream; see <see cref=\"Load(string)\"/>.</summary>");
            w.Line("/// <param name=\"stream\">The stream to read.</param>");
            w.Line("/// <returns>The loaded network.</returns>");
            using (w.Block(F("public static {0} Load(global::System.IO.Stream stream)", c)))
            {
                w.Line(F("var network = new {0}(0);", c));
                w.Line(F("network._preprocessing = global::GenNN.Serialization.SafeTensors.Read(stream, global::GenNN.Generated.{0}.Layout, network.Parameters);", k));
                w.Line("return network;");
            }
        }

        /// <summary>
        /// The preprocessing stored with the model (<c>Preprocessing</c>) and the predict methods on raw features that
        /// apply it. With no standardizer stored they throw rather than pass raw features to a network that may have been
        /// trained on standardized ones.
        /// </summary>
        private static void EmitPreprocessing(SourceWriter w, NetworkSpec spec)
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

            bool single = spec.Loss == LossKind.BinaryCrossEntropy && spec.Output.Units == 1;
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
                    ? "/// Runs <see cref=\"PredictRaw\"/> and returns the stored name of the predicted class: class 1 when the output is at"
                    : "/// Runs <see cref=\"PredictRaw\"/> and returns the stored name of the predicted class, the one with the highest output");
                w.Line(single
                    ? "/// least 0.5, else class 0. Allocates nothing; thread-safe."
                    : "/// (the first of equal ones). Allocates nothing; thread-safe.");
                w.Line("/// </summary>");
                w.Line("/// <param name=\"features\">Exactly <see cref=\"InputSize\"/> features, as measured (not standardized).</param>");
                w.Line("/// <param name=\"output\">Receives exactly <see cref=\"OutputSize\"/> outputs (the probabilities).</param>");
                w.Line("/// <returns>The class name from <see cref=\"Preprocessing\"/>.</returns>");
                w.Line("/// <exception cref=\"global::System.ArgumentException\">A span has the wrong length, or an output is NaN.</exception>");
                w.Line("/// <exception cref=\"global::System.InvalidOperationException\">The model has no stored standardizer or class names.</exception>");
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

                        w.Line("return names[output[0] >= 0.5f ? 1 : 0];");
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

        private static void EmitKernelClass(SourceWriter w, NetworkSpec spec, GeneratorOptions options, Layout layout)
        {
            w.Line("/// <summary>The kernels of " + spec.FullName + ": " + Topology(spec) + ".</summary>");
            w.Line("[global::System.CodeDom.Compiler.GeneratedCode(\"GenNN.Generator\", \"0.1.0\")]");
            using (w.Block("file static class " + spec.ClassName + "Kernels"))
            {
                EmitLayoutField(w, spec, layout);
                w.Line();
                EmitInitialize(w, spec, layout);
                w.Line();
                EmitParallelParts(w, spec, options, layout);
                w.Line();
                EmitForward(w, spec, oneSample: false);
                w.Line();
                EmitForward(w, spec, oneSample: true);
                w.Line();
                EmitTrainBatchKernel(w, spec, layout);
                for (int i = 0; i < spec.Layers.Count; i++)
                {
                    w.Line();
                    w.Line(F("// ---- Layer {0}: Dense({1}, {2}), {3} -> {1} ----", i, spec.Layers[i].Units, spec.Layers[i].Activation, spec.Layers[i].Inputs));
                    EmitLayerKernels(w, spec, options, layout, i);
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

        private static void EmitLayoutField(SourceWriter w, NetworkSpec spec, Layout layout)
        {
            w.Line("/// <summary>Where each tensor lives in the parameter buffer; what model files must match.</summary>");
            w.Line("internal static readonly GenNN.Serialization.ModelLayout Layout = new(");
            w.Line(F("    \"{0}\",", Topology(spec)));
            w.Line("    GenNN.Loss." + spec.Loss + ",");
            w.Line(F("    {0},", layout.ParameterCount));
            w.Line("    new GenNN.Serialization.TensorLayout[]");
            w.Line("    {");
            for (int i = 0; i < spec.Layers.Count; i++)
            {
                LayerSpec l = spec.Layers[i];
                w.Line(F("        new(\"layers.{0}.weight\", {1}, new[] {{ {2}, {3} }}, StoredTransposed: true),", i, layout.Weight[i], l.Units, l.Inputs));
                w.Line(F("        new(\"layers.{0}.bias\", {1}, new[] {{ {2} }}, StoredTransposed: false),", i, layout.Bias[i], l.Units));
            }

            w.Line(F("    }}) {{ InputSize = {0}, OutputSize = {1} }};", spec.InputSize, spec.Output.Units));
            w.Line();
            w.Line("/// <summary>");
            w.Line("/// Floats of training scratch for a batch, which its parts share: per sample, each layer's output and delta (and the");
            w.Line("/// kept pre-activations and outputs after dropout); then 16 floats of slack.");
            w.Line("/// </summary>");
            w.Line(F("internal static int TrainingScratchLength(int batchSize) => batchSize * {0} + 16;", layout.TrainingPerRow));
            w.Line();
            w.Line("/// <summary>Floats of training scratch each part has to itself: the weights of layers 1 on transposed, then one row of gradients, then 16 of slack.</summary>");
            w.Line(F("internal const int PartScratchLength = {0} + {1} + 16;", layout.TransposedTotal, spec.Layers.Max(l => l.Units)));
        }

        private static void EmitInitialize(SourceWriter w, NetworkSpec spec, Layout layout)
        {
            w.Line("/// <summary>Seeded initialisation of every weight (one generator, layer by layer); biases zero or their constant.</summary>");
            using (w.Block("internal static void Initialize(Span<float> parameters, int seed)"))
            {
                w.Line("var random = new Random(seed);");
                for (int i = 0; i < spec.Layers.Count; i++)
                {
                    LayerSpec l = spec.Layers[i];
                    int count = l.Inputs * l.Units;
                    InitializerKind kernel = l.KernelInitializer == InitializerKind.Default
                        ? (IsReLUFamily(l.Activation) ? InitializerKind.HeUniform : InitializerKind.GlorotUniform)
                        : l.KernelInitializer;
                    w.Line(kernel is InitializerKind.GlorotUniform or InitializerKind.GlorotNormal
                        ? F("Initializers.{0}(parameters.Slice({1}, {2}), {3}, {4}, random);", kernel, layout.Weight[i], count, l.Inputs, l.Units)
                        : F("Initializers.{0}(parameters.Slice({1}, {2}), {3}, random);", kernel, layout.Weight[i], count, l.Inputs));
                    if (l.BiasValue != 0f)
                    {
                        w.Line(F("parameters.Slice({0}, {1}).Fill({2});", layout.Bias[i], l.Units, FloatLiteral(l.BiasValue)));
                    }
                }
            }
        }

        /// <summary>
        /// What the runtime's worker pool needs to split PredictBatch and TrainBatch across threads: the work per sample,
        /// the chunk loop of PredictBatch (its parts start on whole chunks), and each call's part as a static method behind
        /// a cached delegate (a worker rebuilds the spans from <c>BatchArguments</c>; no unsafe code here).
        /// </summary>
        private static void EmitParallelParts(SourceWriter w, NetworkSpec spec, GeneratorOptions options, Layout layout)
        {
            long forward = spec.Layers.Sum(l => (long)l.Inputs * l.Units);
            long training = 2 * forward + spec.Layers.Skip(1).Sum(l => (long)l.Inputs * l.Units);
            string inputs = S(spec.InputSize), outputs = S(spec.Output.Units), targets = S(layout.TargetSize);
            w.Line("/// <summary>Multiply-adds per sample of the forward pass: PredictBatch uses more threads only for enough of them.</summary>");
            w.Line("internal const long ForwardMultiplyAdds = " + forward.ToString(System.Globalization.CultureInfo.InvariantCulture) + ";");
            w.Line();
            w.Line("/// <summary>Multiply-adds per sample of TrainBatch: forward, weight gradients and input gradients.</summary>");
            w.Line("internal const long TrainingMultiplyAdds = " + training.ToString(System.Globalization.CultureInfo.InvariantCulture) + ";");
            w.Line();
            w.Line("/// <summary>Samples per PredictBatch chunk: the hidden activations of a chunk stay on the stack and in L1.</summary>");
            w.Line(F("internal const int ChunkRows = {0};", layout.ChunkRows));
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
            w.Line();
            w.Line("/// <summary><paramref name=\"batchSize\"/> samples forward on this thread, chunk by chunk.</summary>");
            using (w.Block("internal static void PredictRows(Span<float> parameters, ReadOnlySpan<float> inputs, Span<float> outputs, int batchSize)"))
            {
                EmitWithScratch(w, layout.HiddenPerRow * layout.ChunkRows,
                    "for (int s = 0; s < batchSize; s += ChunkRows)",
                    "{",
                    "    int rows = Math.Min(ChunkRows, batchSize - s);",
                    F("    Forward(parameters, inputs.Slice(s * {0}, rows * {0}), outputs.Slice(s * {1}, rows * {1}), scratch, rows);", inputs, outputs),
                    "}");
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
                w.Line("(int first, int rows) = WorkerPool.PartRows(arguments.BatchSize, part, parts, TileRows);");
                w.Line("ReadOnlySpan<float> weights = arguments.SampleWeights;");
                w.Line("Span<float> outputs = arguments.Outputs;");
                w.Line("training.SetLoss(part, TrainRows(");
                w.Line(F("    arguments.Parameters, arguments.Inputs.Slice(first * {0}, rows * {0}), arguments.Targets.Slice(first * {1}, rows * {1}),", inputs, targets));
                w.Line(F("    weights.IsEmpty ? weights : weights.Slice(first, rows), outputs.IsEmpty ? outputs : outputs.Slice(first * {0}, rows * {0}),", outputs));
                w.Line("    training.Scratch, training.PartScratch(part), rows, first, arguments.BatchSize" + (spec.HasDropout ? ", arguments.Stream" : "") + "));");
            }

            w.Line();
            w.Line("/// <summary>TrainBatch's second phase on one slice of the parameters: their gradients (and step), and their penalty.</summary>");
            using (w.Block("private static void TrainParametersPart(object? state, in BatchArguments arguments, int part, int parts)"))
            {
                w.Line("var training = (TrainingWorkspace)state!;");
                w.Line(F("(int first, int count) = WorkerPool.PartRows({0}, part, parts, Optimizer.RangeAlignment);", layout.ParameterCount));
                w.Line("training.SetLoss(part, TrainParameters(");
                w.Line(F("    arguments.Parameters, training.Gradients, arguments.Inputs, training.Scratch, training.PartScratch(part).Slice({0}),", layout.TransposedTotal));
                w.Line("    arguments.BatchSize, first, first + count, training.Optimizer));");
            }
        }

        /// <summary>A softmax layer of at most four units is one Vector128 in every vector path.</summary>
        private static bool FusesSoftmax(LayerSpec layer) => layer.Activation == ActivationKind.Softmax && layer.Units <= 4;

        private static bool IsReLUFamily(ActivationKind activation) => activation is ActivationKind.ReLU or ActivationKind.LeakyReLU;

        /// <summary>ReLU and LeakyReLU are fused into the layer kernel's store; the others run over the layer's outputs after it.</summary>
        private static bool IsFused(ActivationKind activation) => IsReLUFamily(activation);

        /// <summary>
        /// Activations whose derivative the input-gradient kernels fuse into their stores (read from the activation's
        /// output); the others (ELU, GELU, SiLU, Softplus, HardSigmoid) run <c>Activations.XBackward</c> after the kernel.
        /// </summary>
        private static bool FusesDerivative(ActivationKind activation)
            => activation is ActivationKind.Linear or ActivationKind.ReLU or ActivationKind.LeakyReLU or ActivationKind.Sigmoid or ActivationKind.Tanh;

        /// <summary>Activations whose derivative needs the pre-activation <c>z</c> (not expressible through the output).</summary>
        private static bool BackwardFromPreActivation(ActivationKind activation)
            => activation is ActivationKind.GELU or ActivationKind.SiLU or ActivationKind.Softplus;

        /// <summary>Whether TrainBatch keeps layer <paramref name="index"/>'s pre-activation: the logits of a cross-entropy, or for the backward pass.</summary>
        private static bool KeepsPreActivation(NetworkSpec spec, int index)
            => (index == spec.Layers.Count - 1 && spec.FromLogits) || BackwardFromPreActivation(spec.Layers[index].Activation);

        /// <summary>
        /// <c>Forward</c> (a batch of <c>rows</c> samples, PredictBatch) or <c>ForwardOne</c> (one sample, Predict: the
        /// one-row kernels, and softmax of up to four classes inside the last kernel).
        /// </summary>
        private static void EmitForward(SourceWriter w, NetworkSpec spec, bool oneSample)
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
                : "internal static void Forward(Span<float> parameters, ReadOnlySpan<float> input, Span<float> output, Span<float> scratch, int rows)";
            using (w.Block(signature))
            {
                w.Line("ref float p = ref MemoryMarshal.GetReference(parameters);");
                if (!oneSample) w.Line("nuint n = (nuint)rows;");
                string rowsTimes = oneSample ? "" : "rows * ";
                string previous = "input";
                int offset = 0;
                int last = spec.Layers.Count - 1;
                for (int i = 0; i <= last; i++)
                {
                    LayerSpec l = spec.Layers[i];
                    string current = i == last ? "output" : "a" + S(i);
                    if (i < last)
                    {
                        w.Line(F("Span<float> {0} = scratch.Slice({1}{2}, {1}{3});", current, rowsTimes, offset, l.Units));
                        offset += l.Units;
                    }

                    w.Line(F("Layer{0}Forward{1}(ref p, ref MemoryMarshal.GetReference({2}), ref MemoryMarshal.GetReference({3}){4});",
                        i, oneSample ? "One" : "", previous, current, oneSample ? "" : ", n"));
                    if (oneSample && FusesSoftmax(l))
                    {
                        w.Line("// (softmax applied inside the kernel)");
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
        private static void EmitPostActivation(SourceWriter w, LayerSpec layer, string span, string rows)
        {
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
                        w.Line(F("Activations.Softmax({0}.Slice(r * {1}, {1}));", span, layer.Units));
                    }

                    break;
            }
        }

        /// <summary>
        /// TrainBatch's two phases. The first (<c>TrainRows</c>) concerns each sample alone: forward, the loss and its
        /// gradient, and back through every layer's input gradient to each layer's d. The second
        /// (<c>TrainParameters</c>) needs the whole batch: each weight and bias gradient is a sum over all its samples.
        /// Several parts split the first by rows and the second by parameters, with nothing to add up afterwards.
        /// </summary>
        private static void EmitTrainBatchKernel(SourceWriter w, NetworkSpec spec, Layout layout)
        {
            EmitTrainRows(w, spec, layout);
            w.Line();
            EmitTrainParameters(w, spec, layout);
        }

        /// <summary>A layer's buffer in the training scratch: <c>totalRows x units</c> floats, of which these rows' part.</summary>
        private static string TrainingBuffer(int offset, int units)
            => F("scratch.Slice(totalRows * {0} + firstRow * {1}, rows * {1})", offset, units);

        private static void EmitTrainRows(SourceWriter w, NetworkSpec spec, Layout layout)
        {
            int last = spec.Layers.Count - 1;
            LayerSpec output = spec.Output;
            bool fromLogits = spec.FromLogits;
            w.Line("/// <summary>");
            w.Line("/// TrainBatch's first phase on <paramref name=\"rows\"/> samples, the rows from <paramref name=\"firstRow\"/> on of a batch of");
            w.Line("/// <paramref name=\"totalRows\"/>: forward, the loss, and back through each layer's input gradient to every layer's d. Writes");
            w.Line("/// these rows of each layer's <c>[totalRows x width]</c> buffers in <paramref name=\"scratch\"/> (shared by the parts), copies");
            w.Line("/// the outputs to <paramref name=\"outputs\"/> unless it is empty, and returns these rows' loss sum / totalRows (each");
            w.Line("/// sample's loss times its weight, when <paramref name=\"weights\"/> is not empty). <paramref name=\"transposed\"/> is the");
            w.Line("/// part's own room for the weights transposed.");
            w.Line("/// </summary>");
            using (w.Block("internal static double TrainRows(Span<float> parameters, ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, ReadOnlySpan<float> weights, Span<float> outputs, Span<float> scratch, Span<float> transposed, int rows, int firstRow, int totalRows" + (spec.HasDropout ? ", ulong dropoutStream" : "") + ")"))
            {
                w.Line("ref float p = ref MemoryMarshal.GetReference(parameters);");
                w.Line("ref float x = ref MemoryMarshal.GetReference(inputs);");
                w.Line("nuint n = (nuint)rows;");
                w.Line("float scale = 1f / totalRows;");
                for (int i = 0; i <= last; i++)
                {
                    LayerSpec l = spec.Layers[i];
                    w.Line(F("Span<float> a{0} = {1}, d{0} = {2};", i, TrainingBuffer(layout.Activation[i], l.Units), TrainingBuffer(layout.Delta[i], l.Units)));
                }

                for (int i = 0; i <= last; i++)
                {
                    if (KeepsPreActivation(spec, i))
                    {
                        w.Line(F("Span<float> z{0} = {1};", i, TrainingBuffer(layout.PreActivation[i], spec.Layers[i].Units)));
                    }
                }

                for (int i = 0; i <= last; i++)
                {
                    if (layout.Dropped[i] >= 0)
                    {
                        w.Line(F("Span<float> m{0} = {1}; // layer {0}'s outputs after dropout", i, TrainingBuffer(layout.Dropped[i], spec.Layers[i].Units)));
                    }
                }

                for (int i = 1; i <= last; i++)
                {
                    LayerSpec l = spec.Layers[i];
                    w.Line(F("Span<float> wt{0} = transposed.Slice({1}, {2});", i, layout.Transposed[i], l.Units * l.Inputs));
                }

                w.Line();
                w.Line("// Forward, keeping every layer's output (and the pre-activations the backward pass needs).");
                string previous = "x";
                for (int i = 0; i <= last; i++)
                {
                    LayerSpec l = spec.Layers[i];
                    bool keepsZ = KeepsPreActivation(spec, i);
                    string destination = keepsZ ? "z" + S(i) : "a" + S(i);
                    w.Line(F("Layer{0}Forward(ref p, ref {1}, ref MemoryMarshal.GetReference({2}), n);", i, previous, destination));
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
                    if (layout.Dropped[i] >= 0)
                    {
                        // Inverted dropout into m{i}, the next layer's input; a{i} keeps the outputs for the derivative.
                        string source = "a" + S(i);
                        foreach ((DropoutSpec dropout, int j) in DropoutsAfter(spec, i))
                        {
                            w.Line(F("Dropout.Forward({0}, m{1}, {2}, dropoutStream, {3}, firstRow * {4});", source, i, FloatLiteral(dropout.Rate), j, l.Units));
                            source = "m" + S(i);
                        }

                        previous = "MemoryMarshal.GetReference(m" + S(i) + ")";
                    }
                }

                w.Line();
                string L = S(last);
                string O = S(output.Units);
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
                            LossKind.Huber => "Huber({0}, {1}, {2}, scale * sw, " + FloatLiteral(spec.HuberDelta) + ")",
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
                            EmitActivationBackward(w, output, last);
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
                for (int i = last; i >= 1; i--)
                {
                    w.Line(F("Layer{0}Transpose(ref p, ref MemoryMarshal.GetReference(wt{0}));", i));
                    w.Line(F("Layer{0}InputGradient(ref MemoryMarshal.GetReference(d{0}), ref MemoryMarshal.GetReference(wt{0}), ref MemoryMarshal.GetReference(d{1}), ref MemoryMarshal.GetReference(a{1}), n);", i, i - 1));
                    if (!FusesDerivative(spec.Layers[i - 1].Activation))
                    {
                        EmitActivationBackward(w, spec.Layers[i - 1], i - 1);
                    }

                    foreach ((DropoutSpec dropout, int j) in DropoutsAfter(spec, i - 1))
                    {
                        w.Line(F("Dropout.Backward(d{0}, {1}, dropoutStream, {2}, firstRow * {3});", i - 1, FloatLiteral(dropout.Rate), j, spec.Layers[i - 1].Units));
                    }
                }

                w.Line();
                w.Line("return loss / totalRows;");
            }
        }

        private static void EmitTrainParameters(SourceWriter w, NetworkSpec spec, Layout layout)
        {
            int last = spec.Layers.Count - 1;
            bool regularized = spec.Layers.Any(l => l.Regularized);
            w.Line("/// <summary>");
            w.Line("/// TrainBatch's second phase, once every part's first is done: the gradients of the parameters from <paramref name=\"first\"/>");
            w.Line("/// to <paramref name=\"end\"/> (a slice starting at a multiple of 16), each the sum over the batch's samples in order, so");
            w.Line("/// the same bits however the parameters are split. A row of weights the slice cuts is computed whole into");
            w.Line("/// <paramref name=\"row\"/> and its part copied. With an <paramref name=\"optimizer\"/> (a fused step already begun), each");
            w.Line("/// layer's part of the slice is stepped as soon as its gradients are complete, while both are in cache; the ranges");
            w.Line("/// start at multiples of 16 (Optimizer.RangeAlignment), so the result has the bits of a separate Optimizer.Step.");
            w.Line("/// Returns the L1/L2 penalty of the slice's weights.");
            w.Line("/// </summary>");
            using (w.Block("internal static double TrainParameters(Span<float> parameters, Span<float> gradients, ReadOnlySpan<float> inputs, Span<float> scratch, Span<float> row, int totalRows, int first, int end, Optimizer? optimizer)"))
            {
                w.Line("ref float g = ref MemoryMarshal.GetReference(gradients);");
                w.Line("ref float x = ref MemoryMarshal.GetReference(inputs);");
                w.Line("ref float s = ref MemoryMarshal.GetReference(scratch);");
                w.Line("ref float r = ref MemoryMarshal.GetReference(row);");
                w.Line("nuint n = (nuint)totalRows;");
                w.Line(regularized ? "double penalty = 0;" : "double penalty = 0; // (no L1/L2 layers)");
                w.Line("int stepEnd = end;");
                for (int i = last; i >= 0; i--)
                {
                    LayerSpec l = spec.Layers[i];
                    string input = i == 0 ? "x" : F("Unsafe.Add(ref s, totalRows * {0})", layout.Dropped[i - 1] >= 0 ? layout.Dropped[i - 1] : layout.Activation[i - 1]);
                    string N = S(l.Units);
                    w.Line();
                    w.Line(F("// Layer {0}: weights [{1}, {2}), bias [{2}, {3}).", i, layout.Weight[i], layout.Bias[i], layout.Bias[i] + l.Units));
                    w.Line(F("ref float input{0} = ref {1}; // the layer's inputs, [totalRows x {2}]", i, input, S(l.Inputs)));
                    w.Line(F("ref float d{0} = ref Unsafe.Add(ref s, totalRows * {1});", i, layout.Delta[i]));
                    w.Line(F("ParameterRows w{0} = ParameterRows.Of(first, end, {1}, {2}, {3});", i, layout.Weight[i], N, l.Inputs));
                    using (w.Block(F("if (w{0}.Count > 0)", i)))
                    {
                        w.Line(F("Layer{0}WeightGradient(ref Unsafe.Add(ref input{0}, w{0}.First), ref d{0}, ref Unsafe.Add(ref g, {1} + w{0}.First * {2}), n, (nuint)w{0}.Count);", i, layout.Weight[i], N));
                    }


                    foreach (string cut in new[] { "Head", "Tail" })
                    {
                        using (w.Block(F("if (w{0}.{1} >= 0)", i, cut)))
                        {
                            w.Line(F("Layer{0}WeightGradient(ref Unsafe.Add(ref input{0}, w{0}.{1}), ref d{0}, ref r, n, 1);", i, cut));
                            w.Line(F("ParameterRows.CopyCut(row.Slice(0, {0}), gradients, {1} + w{2}.{3} * {0}, first, end);", N, layout.Weight[i], i, cut));
                        }

                    }

                    if (l.Regularized)
                    {
                        w.Line("// L1/L2 (Keras' kernel_regularizer): the penalty of the slice's weights, and its gradient added to theirs.");
                        using (w.Block())
                        {
                            w.Line(F("int lo = Math.Max(first, {0}), hi = Math.Min(end, {1});", layout.Weight[i], layout.Bias[i]));
                            using (w.Block("if (lo < hi)"))
                            {
                                w.Line(F("penalty += Regularization.Apply(parameters.Slice(lo, hi - lo), gradients.Slice(lo, hi - lo), {0}, {1});", FloatLiteral(l.L1), FloatLiteral(l.L2)));
                            }
                        }

                    }

                    w.Line(F("ParameterRows b{0} = ParameterRows.Of(first, end, {1}, {2}, 1);", i, layout.Bias[i], N));
                    using (w.Block(F("if (b{0}.Count > 0)", i)))
                    {
                        w.Line(F("Layer{0}BiasGradient(ref d{0}, ref Unsafe.Add(ref g, {1}), n);", i, layout.Bias[i]));
                    }

                    using (w.Block(F("else if (b{0}.Head >= 0 || b{0}.Tail >= 0)", i)))
                    {
                        w.Line(F("Layer{0}BiasGradient(ref d{0}, ref r, n);", i));
                        w.Line(F("ParameterRows.CopyCut(row.Slice(0, {0}), gradients, {1}, first, end);", N, layout.Bias[i]));
                    }


                    // This layer's gradients are complete, and those of the layers after it: step from the layer's first
                    // 16-aligned parameter (the slice's first, for layer 0) to where the last step began.
                    string from = i == 0 ? "first" : F("Math.Max(first, {0})", (layout.Weight[i] + 15) / 16 * 16);
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
        private static void EmitActivationBackward(SourceWriter w, LayerSpec layer, int index)
        {
            string source = (BackwardFromPreActivation(layer.Activation) ? "z" : "a") + S(index);
            w.Line(layer.Activation == ActivationKind.LeakyReLU && layer.NegativeSlope != LayerSpec.DefaultNegativeSlope
                ? F("Activations.LeakyReLUBackward({0}, d{1}, {2});", source, index, FloatLiteral(layer.NegativeSlope))
                : F("Activations.{0}Backward({1}, d{2});", layer.Activation, source, index));
        }

        private static void EmitLayerKernels(SourceWriter w, NetworkSpec spec, GeneratorOptions options, Layout layout, int index)
        {
            LayerSpec l = spec.Layers[index];
            string name = "Layer" + S(index);
            IsaPath[] paths = IsaPath.For(options.VectorWidth);

            var forward = new GemmSpec(
                name + "Forward",
                F("Layer {0} forward over rows samples: y = x W + b{1}, W [{2} x {3}] input-major.", index, IsFused(l.Activation) ? ", then " + l.Activation + " (fused)" : "", l.Inputs, l.Units),
                "ref float p, ref float a, ref float c, nuint rows",
                l.Units, ConstantK: l.Inputs, TransposedA: false, Lda: l.Inputs, Ldb: l.Units,
                Bias: "bias",
                IsFused(l.Activation) ? Epilogue.Activation : Epilogue.None,
                l.Activation,
                new[] { F("ref float b = ref Unsafe.Add(ref p, {0});", layout.Weight[index]), F("ref float bias = ref Unsafe.Add(ref p, {0});", layout.Bias[index]) })
            {
                NegativeSlope = SlopeExpression(l),
            };
            EmitGemm(w, forward, "ref p, ref a, ref c, rows", paths);
            // One sample with at most four softmax outputs: the softmax runs on the accumulator, before the store.
            GemmSpec forwardOne = FusesSoftmax(l) ? forward with { Epilogue = Epilogue.Softmax } : forward;
            GemmEmitter.EmitOneRow(w, forwardOne, paths, inline: (long)l.Inputs * l.Units <= InlineWeights);

            var weightGradient = new GemmSpec(
                name + "WeightGradient",
                F("Layer {0} weight gradient of rows rows of W: dW[i, o] = sum over the depth samples of x[s, i] d[s, o], x read from a (the first row's column), dW written from c.", index),
                "ref float a, ref float b, ref float c, nuint depth, nuint rows",
                l.Units, ConstantK: null, TransposedA: true, Lda: l.Inputs, Ldb: l.Units,
                Bias: null, Epilogue.None, ActivationKind.Linear, System.Array.Empty<string>());
            EmitGemm(w, weightGradient, "ref a, ref b, ref c, depth, rows", paths);

            string biasGradient = name + "BiasGradient";
            const string BiasParameters = "ref float a, ref float c, nuint rows";
            w.Line();
            GemmEmitter.EmitDispatch(w, F("Layer {0} bias gradient: db[o] = sum over the rows samples of d[s, o], d read from a.", index), biasGradient, BiasParameters, "ref a, ref c, rows", paths);
            foreach (IsaPath path in paths)
            {
                w.Line();
                GemmEmitter.EmitColumnSum(w, biasGradient, BiasParameters, l.Units, path);
            }

            w.Line();
            GemmEmitter.EmitColumnSum(w, biasGradient, BiasParameters, l.Units, null);

            if (index > 0)
            {
                LayerSpec before = spec.Layers[index - 1];
                // Derivatives that are not fused (ELU, GELU, ...) run after the kernel, in TrainBatch.
                ActivationKind fused = FusesDerivative(before.Activation) ? before.Activation : ActivationKind.Linear;
                var inputGradient = new GemmSpec(
                    name + "InputGradient",
                    F("Layer {0} input gradient: dx[s, i] = {1}sum over o of d[s, o] W[i, o], read from W transposed.", index, fused == ActivationKind.Linear ? "" : fused + "'(x[s, i]) * "),
                    "ref float a, ref float b, ref float c, ref float act, nuint rows",
                    l.Inputs, ConstantK: l.Units, TransposedA: false, Lda: l.Units, Ldb: l.Inputs,
                    Bias: null, Epilogue.Derivative, fused, System.Array.Empty<string>())
                {
                    NegativeSlope = SlopeExpression(before),
                };
                EmitGemm(w, inputGradient, "ref a, ref b, ref c, ref act, rows", paths);

                w.Line();
                w.Line(F("/// <summary>Copies layer {0}'s weights transposed, [{1} x {2}] output-major, for <see cref=\"{3}InputGradient\"/>.</summary>", index, l.Units, l.Inputs, name));
                using (w.Block(F("internal static void {0}Transpose(ref float p, ref float wt)", name)))
                {
                    w.Line(F("ref float w = ref Unsafe.Add(ref p, {0});", layout.Weight[index]));
                    w.Line("// 16 x 16 blocks, so the reads and the strided writes both stay within a few cache lines.");
                    using (w.Block(F("for (nuint i0 = 0; i0 < {0}; i0 += 16)", l.Inputs)))
                    {
                        w.Line(F("nuint iEnd = i0 + 16 < {0} ? i0 + 16 : {0};", l.Inputs));
                        using (w.Block(F("for (nuint o0 = 0; o0 < {0}; o0 += 16)", l.Units)))
                        {
                            w.Line(F("nuint oEnd = o0 + 16 < {0} ? o0 + 16 : {0};", l.Units));
                            using (w.Block("for (nuint i = i0; i < iEnd; i++)"))
                            {
                                w.Line(F("ref float row = ref Unsafe.Add(ref w, i * {0});", l.Units));
                                using (w.Block("for (nuint o = o0; o < oEnd; o++)"))
                                {
                                    w.Line(F("Unsafe.Add(ref wt, o * {0} + i) = Unsafe.Add(ref row, o);", l.Inputs));
                                }
                            }
                        }
                    }
                }
            }
        }

        private static void EmitGemm(SourceWriter w, GemmSpec spec, string arguments, IsaPath[] paths)
        {
            w.Line();
            GemmEmitter.EmitDispatch(w, spec, arguments, paths);
            foreach (IsaPath path in paths)
            {
                w.Line();
                GemmEmitter.EmitVector(w, spec, path);
            }

            w.Line();
            GemmEmitter.EmitScalar(w, spec);
        }

        /// <summary>Offsets of every tensor and scratch buffer, computed once from the spec.</summary>
        private sealed class Layout
        {
            /// <summary>Floats of hidden activations a PredictBatch chunk may keep on the stack.</summary>
            private const int ChunkFloats = 16 * 1024;

            public Layout(NetworkSpec spec)
            {
                int n = spec.Layers.Count;
                Weight = new int[n];
                Bias = new int[n];
                Activation = new int[n];
                Delta = new int[n];
                PreActivation = new int[n];
                Dropped = new int[n];
                Transposed = new int[n];
                int offset = 0, perRow = 0, transposed = 0;
                for (int i = 0; i < n; i++)
                {
                    LayerSpec l = spec.Layers[i];
                    Weight[i] = offset;
                    offset += l.Inputs * l.Units;
                    Bias[i] = offset;
                    offset += l.Units;
                    Activation[i] = perRow;
                    Delta[i] = perRow + l.Units;
                    perRow += 2 * l.Units;
                    if (i > 0)
                    {
                        Transposed[i] = transposed;
                        transposed += l.Inputs * l.Units;
                    }

                    if (i < n - 1) HiddenPerRow += l.Units;
                }

                ParameterCount = offset;

                // Then the pre-activations TrainBatch keeps: the last layer's logits for a cross-entropy, and the inputs
                // of the activations whose derivative needs them.
                for (int i = 0; i < n; i++)
                {
                    PreActivation[i] = -1;
                    if (KeepsPreActivation(spec, i))
                    {
                        PreActivation[i] = perRow;
                        perRow += spec.Layers[i].Units;
                    }
                }

                // Then the outputs after dropout of the layers that have one.
                for (int i = 0; i < n; i++)
                {
                    Dropped[i] = -1;
                    if (spec.Dropouts.Any(d => d.After == i))
                    {
                        Dropped[i] = perRow;
                        perRow += spec.Layers[i].Units;
                    }
                }

                TrainingPerRow = perRow;
                TransposedTotal = transposed;
                TargetSize = spec.TargetSize;
                int rows = HiddenPerRow == 0 ? 64 : System.Math.Max(1, System.Math.Min(64, ChunkFloats / HiddenPerRow));
                ChunkRows = rows >= 8 ? rows / 8 * 8 : rows; // whole register tiles of 8 rows

            }

            public int[] Weight { get; }

            public int[] Bias { get; }

            public int[] Activation { get; }

            public int[] Delta { get; }

            public int[] Transposed { get; }

            /// <summary>Per-row offset of each layer's kept pre-activation in the training scratch, or -1.</summary>
            public int[] PreActivation { get; }

            /// <summary>Per-row offset of each layer's outputs after dropout in the training scratch, or -1.</summary>
            public int[] Dropped { get; }

            public int ParameterCount { get; }

            /// <summary>Hidden-layer floats per sample in Predict.</summary>
            public int HiddenPerRow { get; }

            /// <summary>Samples per PredictBatch chunk.</summary>
            public int ChunkRows { get; }

            public int TrainingPerRow { get; }

            public int TransposedTotal { get; }

            public int TargetSize { get; }
        }
    }
}
