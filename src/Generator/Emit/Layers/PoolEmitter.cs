using GenNN.Generator.Model;
using static GenNN.Generator.Emit.Invariant;

namespace GenNN.Generator.Emit.Layers
{
    /// <summary>
    /// A pooling layer (MaxPool, AvgPool, GlobalAvgPool; 2-D and 1-D). Its geometry is a constant of the kernel class, and the
    /// runtime's <c>Pooling</c> kernels combine the channel vectors of each window; there are no parameters.
    /// </summary>
    internal sealed class PoolEmitter : LayerEmitter
    {
        private readonly PoolSpec _layer;
        private readonly int _height, _width, _channels, _outputHeight, _outputWidth, _poolHeight, _poolWidth, _strideHeight, _strideWidth, _padTop, _padLeft;

        public PoolEmitter(PoolSpec layer, int index, LayerEmitter? previous, int parameterOffset)
            : base(index, previous, parameterOffset)
        {
            _layer = layer;
            EquatableArray<int> d = layer.Input.Dimensions;
            bool twoD = layer.Dimensions == 2;
            _height = twoD ? d[0] : 1;
            _width = twoD ? d[1] : d[0];
            _channels = d[d.Count - 1];
            _outputHeight = twoD ? layer.OutputLength(_height) : 1;
            _outputWidth = layer.OutputLength(_width);
            _poolHeight = layer.Global ? _height : twoD ? layer.PoolSize : 1;
            _poolWidth = layer.Global ? _width : layer.PoolSize;
            _strideHeight = layer.Global || !twoD ? 1 : layer.Stride;
            _strideWidth = layer.Global ? 1 : layer.Stride;
            _padTop = twoD ? layer.PadBefore(_height) : 0;
            _padLeft = layer.PadBefore(_width);
        }

        public override string Kind => _layer.Name;

        public override string Topology => _layer.Global
            ? _layer.Name
            : _layer.Name + "(" + S(_layer.PoolSize)
                + (_layer.Stride != _layer.PoolSize ? ", Stride = " + S(_layer.Stride) : "")
                + (_layer.Padding != PaddingKind.Valid ? ", Padding = " + _layer.Padding : "") + ")";

        public override int InputSize => _height * _width * _channels;

        public override int OutputSize => _outputHeight * _outputWidth * _channels;

        public override string OutputShape => _layer.Global ? "(None, " + S(_channels) + ")"
            : _layer.Dimensions == 2 ? F("(None, {0}, {1}, {2})", _outputHeight, _outputWidth, _channels)
            : F("(None, {0}, {1})", _outputWidth, _channels);

        public override string SummaryActivation => "";

        /// <summary>One comparison or addition per window cell: what the worker pool weighs a sample by.</summary>
        public override long ForwardMultiplyAdds => (long)OutputSize * _poolHeight * _poolWidth;

        private string Geometry => Name + "Pool";

        private string Method => _layer.Kind == PoolKind.Max ? "Max" : "Average";

        public override void EmitKernels(SourceWriter w, IsaPath[] paths)
        {
            w.Line();
            w.Line(F("// ---- Layer {0}: {1}, ({2}) -> {3} ----", Index, Topology, _layer.Input, OutputShape.Replace("None, ", "")));
            w.Line(F("/// <summary>Layer {0}'s windows: {1} x {2} over {3} x {4} x {5}, stride {6} x {7}, padding {8} before the rows and {9} before the columns.</summary>",
                Index, _poolHeight, _poolWidth, _height, _width, _channels, _strideHeight, _strideWidth, _padTop, _padLeft));
            w.Line(F("internal static readonly PoolGeometry {0} = new({1}, {2}, {3}, {4}, {5}, {6}, {7}, {8}, {9}, {10}, {11});",
                Geometry, _height, _width, _channels, _poolHeight, _poolWidth, _strideHeight, _strideWidth, _padTop, _padLeft, _outputHeight, _outputWidth));
        }

        public override void EmitForward(SourceWriter w, string input, string output, string? rows, string work, bool keep)
        {
            string count = rows is null ? "1" : "(int)" + rows;
            w.Line(F("Pooling.{0}Forward(in {1}, MemoryMarshal.CreateReadOnlySpan(ref {2}, {3} * {4}), MemoryMarshal.CreateSpan(ref {5}, {3} * {6}), {3});",
                Method, Geometry, input, count, InputSize, output, OutputSize));
        }

        public override void EmitInputGradient(SourceWriter w, string delta, string previousDelta, string previousOutput, string input, string output)
            => w.Line(_layer.Kind == PoolKind.Max
                ? F("Pooling.MaxBackward(in {0}, {1}, {2}, {3}, {4}, rows);", Geometry, input, output, delta, previousDelta)
                : F("Pooling.AverageBackward(in {0}, {1}, {2}, rows);", Geometry, delta, previousDelta));
    }
}
