using GenNN.Generator.Model;
using static GenNN.Generator.Emit.Invariant;

namespace GenNN.Generator.Emit
{
    /// <summary>A SIMD width the kernels are written for: the vector type and its float lanes.</summary>
    internal readonly record struct VectorWidth(string Type, int Lanes, string Suffix)
    {
        public static readonly VectorWidth V512 = new("Vector512", 16, "512");
        public static readonly VectorWidth V256 = new("Vector256", 8, "256");
    }

    /// <summary>
    /// Writes one dense layer's kernels: forward <c>y = b + x W</c> and backward (bias and weight gradients, and the
    /// gradient for the previous layer). Each kernel has a Vector512 and a Vector256 body from one template, and a
    /// scalar body; every trip count is a constant of the layer. Weights are input-major: row <c>i</c> holds the
    /// <c>units</c> weights leaving input <c>i</c>, so the forward pass broadcasts one input and multiply-adds it into
    /// a register tile of output vectors.
    /// </summary>
    internal static class KernelEmitter
    {
        /// <summary>Output vectors per register tile: independent accumulators hide the FMA latency.</summary>
        private const int Tile = 4;

        public static void EmitLayer(SourceWriter w, LayerSpec layer, int index, int weightOffset, int biasOffset, bool needsInputGradient)
        {
            string name = "Layer" + S(index);
            EmitDispatch(w, layer, name + "Forward", "ref float p, ref float x, ref float y", "ref p, ref x, ref y",
                F("Layer {0} forward: y[o] = b[o] + sum_i x[i] w[i, o] for {1} units over {2} inputs.", index, layer.Units, layer.Inputs));
            foreach (VectorWidth width in Widths(layer))
            {
                w.Line();
                EmitForwardVector(w, layer, name, width, weightOffset, biasOffset);
            }

            w.Line();
            EmitForwardScalar(w, layer, name, weightOffset, biasOffset);

            w.Line();
            string signature = needsInputGradient
                ? "ref float p, ref float g, ref float x, ref float dz, ref float dx"
                : "ref float p, ref float g, ref float x, ref float dz";
            string arguments = needsInputGradient ? "ref p, ref g, ref x, ref dz, ref dx" : "ref p, ref g, ref x, ref dz";
            string summary = needsInputGradient
                ? F("Layer {0} backward: db += dz, dW[i, o] += x[i] dz[o], dx[i] = sum_o w[i, o] dz[o].", index)
                : F("Layer {0} backward: db += dz, dW[i, o] += x[i] dz[o] (first layer: no input gradient).", index);
            EmitDispatch(w, layer, name + "Backward", signature, arguments, summary);
            foreach (VectorWidth width in Widths(layer))
            {
                w.Line();
                EmitBackwardVector(w, layer, name, width, weightOffset, biasOffset, needsInputGradient, signature);
            }

            w.Line();
            EmitBackwardScalar(w, layer, name, weightOffset, biasOffset, needsInputGradient, signature);
        }

        /// <summary>The widths worth a body: a layer narrower than a vector would only run the scalar tail.</summary>
        private static VectorWidth[] Widths(LayerSpec layer)
            => layer.Units >= VectorWidth.V512.Lanes ? new[] { VectorWidth.V512, VectorWidth.V256 }
             : layer.Units >= VectorWidth.V256.Lanes ? new[] { VectorWidth.V256 }
             : System.Array.Empty<VectorWidth>();

        private static void EmitDispatch(SourceWriter w, LayerSpec layer, string method, string signature, string arguments, string summary)
        {
            w.Line("/// <summary>" + summary + "</summary>");
            using (w.Block(F("internal static void {0}({1})", method, signature)))
            {
                VectorWidth[] widths = Widths(layer);
                if (widths.Length == 0)
                {
                    w.Line(F("// {0} units are narrower than one vector: scalar only.", layer.Units));
                    w.Line(F("{0}Scalar({1});", method, arguments));
                    return;
                }

                string keyword = "if";
                foreach (VectorWidth width in widths)
                {
                    using (w.Block(F("{0} ({1}.IsHardwareAccelerated)", keyword, width.Type)))
                    {
                        w.Line(F("{0}{1}({2});", method, width.Suffix, arguments));
                    }

                    keyword = "else if";
                }

                using (w.Block("else"))
                {
                    w.Line(F("{0}Scalar({1});", method, arguments));
                }
            }
        }

        private static void EmitForwardVector(SourceWriter w, LayerSpec layer, string name, VectorWidth v, int weightOffset, int biasOffset)
        {
            int units = layer.Units;
            int vectors = units / v.Lanes;
            int fullTiles = vectors / Tile;
            int restVectors = vectors % Tile;
            int vectorEnd = vectors * v.Lanes;

            using (w.Block(F("private static void {0}Forward{1}(ref float p, ref float x, ref float y)", name, v.Suffix)))
            {
                w.Line(F("ref float w = ref Unsafe.Add(ref p, {0});", weightOffset));
                w.Line(F("ref float b = ref Unsafe.Add(ref p, {0});", biasOffset));
                if (fullTiles > 0)
                {
                    w.Line(F("// {0} tile(s) of {1} x {2} units: {1} accumulators, one broadcast input per step.", fullTiles, Tile, v.Lanes));
                    using (w.Block(F("for (nuint o = 0; o < {0}; o += {1})", fullTiles * Tile * v.Lanes, Tile * v.Lanes)))
                    {
                        EmitForwardTile(w, layer, v, Tile);
                    }
                }

                if (restVectors > 0)
                {
                    w.Line(F("// The remaining {0} vector(s) of {1} units.", restVectors, v.Lanes));
                    using (w.Block())
                    {
                        w.Line(F("nuint o = {0};", fullTiles * Tile * v.Lanes));
                        EmitForwardTile(w, layer, v, restVectors);
                    }
                }

                if (vectorEnd < units)
                {
                    w.Line(F("// The last {0} unit(s), narrower than a vector.", units - vectorEnd));
                    EmitForwardScalarUnits(w, layer, vectorEnd);
                }
            }
        }

        private static void EmitForwardTile(SourceWriter w, LayerSpec layer, VectorWidth v, int count)
        {
            for (int t = 0; t < count; t++)
            {
                w.Line(F("{0}<float> acc{1} = {0}.LoadUnsafe(ref b, {2});", v.Type, t, Offset("o", t * v.Lanes)));
            }

            using (w.Block(F("for (nuint i = 0; i < {0}; i++)", layer.Inputs)))
            {
                w.Line(F("{0}<float> xi = {0}.Create(Unsafe.Add(ref x, i));", v.Type));
                w.Line(F("ref float row = ref Unsafe.Add(ref w, i * {0} + o);", layer.Units));
                for (int t = 0; t < count; t++)
                {
                    w.Line(F("acc{0} = MultiplyAdd({1}.LoadUnsafe(ref row, {2}), xi, acc{0});", t, v.Type, S(t * v.Lanes)));
                }
            }

            for (int t = 0; t < count; t++)
            {
                w.Line(F("acc{0}.StoreUnsafe(ref y, {1});", t, Offset("o", t * v.Lanes)));
            }
        }

        private static void EmitForwardScalar(SourceWriter w, LayerSpec layer, string name, int weightOffset, int biasOffset)
        {
            using (w.Block(F("private static void {0}ForwardScalar(ref float p, ref float x, ref float y)", name)))
            {
                w.Line(F("ref float w = ref Unsafe.Add(ref p, {0});", weightOffset));
                w.Line(F("ref float b = ref Unsafe.Add(ref p, {0});", biasOffset));
                EmitForwardScalarUnits(w, layer, 0);
            }
        }

        /// <summary>Units <c>[first, units)</c> one at a time, each a dot product over the inputs.</summary>
        private static void EmitForwardScalarUnits(SourceWriter w, LayerSpec layer, int first)
        {
            using (w.Block(F("for (nuint o = {0}; o < {1}; o++)", first, layer.Units)))
            {
                w.Line("float acc = Unsafe.Add(ref b, o);");
                using (w.Block(F("for (nuint i = 0; i < {0}; i++)", layer.Inputs)))
                {
                    w.Line(F("acc += Unsafe.Add(ref x, i) * Unsafe.Add(ref w, i * {0} + o);", layer.Units));
                }

                w.Line("Unsafe.Add(ref y, o) = acc;");
            }
        }

        private static void EmitBackwardVector(SourceWriter w, LayerSpec layer, string name, VectorWidth v, int weightOffset, int biasOffset, bool inputGradient, string signature)
        {
            int units = layer.Units;
            int vectorEnd = units / v.Lanes * v.Lanes;
            using (w.Block(F("private static void {0}Backward{1}({2})", name, v.Suffix, signature)))
            {
                EmitBackwardPrologue(w, layer, weightOffset, biasOffset, inputGradient);
                w.Line("// db += dz");
                using (w.Block(F("for (nuint o = 0; o < {0}; o += {1})", vectorEnd, v.Lanes)))
                {
                    w.Line(F("({0}.LoadUnsafe(ref gb, o) + {0}.LoadUnsafe(ref dz, o)).StoreUnsafe(ref gb, o);", v.Type));
                }

                if (vectorEnd < units)
                {
                    using (w.Block(F("for (nuint o = {0}; o < {1}; o++)", vectorEnd, units)))
                    {
                        w.Line("Unsafe.Add(ref gb, o) += Unsafe.Add(ref dz, o);");
                    }
                }

                w.Line(inputGradient
                    ? "// Row by row: dW[i, :] += x[i] dz and dx[i] = w[i, :] . dz, sharing the loads of dz."
                    : "// Row by row: dW[i, :] += x[i] dz.");
                using (w.Block(F("for (nuint i = 0; i < {0}; i++)", layer.Inputs)))
                {
                    w.Line("float xs = Unsafe.Add(ref x, i);");
                    w.Line(F("{0}<float> xi = {0}.Create(xs);", v.Type));
                    w.Line(F("ref float gRow = ref Unsafe.Add(ref gw, i * {0});", units));
                    if (inputGradient)
                    {
                        w.Line(F("ref float wRow = ref Unsafe.Add(ref w, i * {0});", units));
                        w.Line(F("{0}<float> dot = {0}<float>.Zero;", v.Type));
                    }

                    using (w.Block(F("for (nuint o = 0; o < {0}; o += {1})", vectorEnd, v.Lanes)))
                    {
                        w.Line(F("{0}<float> d = {0}.LoadUnsafe(ref dz, o);", v.Type));
                        w.Line(F("MultiplyAdd(d, xi, {0}.LoadUnsafe(ref gRow, o)).StoreUnsafe(ref gRow, o);", v.Type));
                        if (inputGradient)
                        {
                            w.Line(F("dot = MultiplyAdd({0}.LoadUnsafe(ref wRow, o), d, dot);", v.Type));
                        }
                    }

                    if (inputGradient)
                    {
                        w.Line(F("float sum = {0}.Sum(dot);", v.Type));
                    }

                    if (vectorEnd < units)
                    {
                        using (w.Block(F("for (nuint o = {0}; o < {1}; o++)", vectorEnd, units)))
                        {
                            EmitBackwardScalarStep(w, inputGradient);
                        }
                    }

                    if (inputGradient)
                    {
                        w.Line("Unsafe.Add(ref dx, i) = sum;");
                    }
                }
            }
        }

        private static void EmitBackwardScalar(SourceWriter w, LayerSpec layer, string name, int weightOffset, int biasOffset, bool inputGradient, string signature)
        {
            int units = layer.Units;
            using (w.Block(F("private static void {0}BackwardScalar({1})", name, signature)))
            {
                EmitBackwardPrologue(w, layer, weightOffset, biasOffset, inputGradient);
                using (w.Block(F("for (nuint o = 0; o < {0}; o++)", units)))
                {
                    w.Line("Unsafe.Add(ref gb, o) += Unsafe.Add(ref dz, o);");
                }

                using (w.Block(F("for (nuint i = 0; i < {0}; i++)", layer.Inputs)))
                {
                    w.Line("float xs = Unsafe.Add(ref x, i);");
                    w.Line(F("ref float gRow = ref Unsafe.Add(ref gw, i * {0});", units));
                    if (inputGradient)
                    {
                        w.Line(F("ref float wRow = ref Unsafe.Add(ref w, i * {0});", units));
                        w.Line("float sum = 0f;");
                    }

                    using (w.Block(F("for (nuint o = 0; o < {0}; o++)", units)))
                    {
                        EmitBackwardScalarStep(w, inputGradient);
                    }

                    if (inputGradient)
                    {
                        w.Line("Unsafe.Add(ref dx, i) = sum;");
                    }
                }
            }
        }

        private static void EmitBackwardPrologue(SourceWriter w, LayerSpec layer, int weightOffset, int biasOffset, bool inputGradient)
        {
            if (inputGradient)
            {
                w.Line(F("ref float w = ref Unsafe.Add(ref p, {0});", weightOffset));
            }

            w.Line(F("ref float gw = ref Unsafe.Add(ref g, {0});", weightOffset));
            w.Line(F("ref float gb = ref Unsafe.Add(ref g, {0});", biasOffset));
        }

        private static void EmitBackwardScalarStep(SourceWriter w, bool inputGradient)
        {
            w.Line("float ds = Unsafe.Add(ref dz, o);");
            w.Line("Unsafe.Add(ref gRow, o) += xs * ds;");
            if (inputGradient)
            {
                w.Line("sum += Unsafe.Add(ref wRow, o) * ds;");
            }
        }

        private static string Offset(string variable, int constant) => constant == 0 ? variable : variable + " + " + S(constant);
    }
}
