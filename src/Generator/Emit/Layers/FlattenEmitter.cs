using GenNN.Generator.Model;
using static GenNN.Generator.Emit.Invariant;

namespace GenNN.Generator.Emit.Layers
{
    /// <summary>
    /// A flatten layer. Samples are stored channels-last and row-major whatever their shape, so flattening moves no float:
    /// the forward pass copies the input into the layer's output buffer, and the backward pass copies the delta back.
    /// </summary>
    internal sealed class FlattenEmitter : LayerEmitter
    {
        private readonly FlattenSpec _layer;

        public FlattenEmitter(FlattenSpec layer, int index, LayerEmitter? previous, int parameterOffset)
            : base(index, previous, parameterOffset)
        {
            _layer = layer;
        }

        public override string Kind => "Flatten";

        public override string Topology => "Flatten";

        public override int InputSize => (int)_layer.Input.Size;

        public override int OutputSize => InputSize;

        public override string SummaryActivation => "";

        public override long ForwardMultiplyAdds => 0;

        public override void EmitKernels(SourceWriter w, IsaPath[] paths)
        {
        }

        public override void EmitForward(SourceWriter w, string input, string output, string? rows, string work, bool keep)
        {
            string count = rows is null ? S(OutputSize) : F("(int){0} * {1}", rows, OutputSize);
            w.Line(F("MemoryMarshal.CreateReadOnlySpan(ref {0}, {1}).CopyTo(MemoryMarshal.CreateSpan(ref {2}, {1})); // {3}: ({4}) as ({5})",
                input, count, output, Name, _layer.Input, OutputSize));
        }

        public override void EmitInputGradient(SourceWriter w, string delta, string previousDelta, string previousOutput, string input, string output)
            => w.Line(F("{0}.CopyTo({1}); // {2}: the delta, back in ({3})", delta, previousDelta, Name, _layer.Input));
    }
}
