using System;

namespace GenNN.Generator.Model
{
    /// <summary>Mirror of <c>GenNN.Activation</c> (the generator does not load the attributes assembly); values must match.</summary>
    internal enum ActivationKind
    {
        Linear = 0,
        ReLU = 1,
        LeakyReLU = 2,
        Sigmoid = 3,
        Tanh = 4,
        Softmax = 5,
    }

    /// <summary>Mirror of <c>GenNN.Loss</c>; values must match.</summary>
    internal enum LossKind
    {
        MeanSquaredError = 0,
        BinaryCrossEntropy = 1,
        SoftmaxCrossEntropy = 2,
    }

    /// <summary>One dense layer: its input width, its units and its activation.</summary>
    internal readonly record struct LayerSpec(int Inputs, int Units, ActivationKind Activation);

    /// <summary>Everything the emitter needs to write one network: plain values only, no Roslyn objects.</summary>
    /// <param name="Namespace">The containing namespace, or null for the global namespace.</param>
    /// <param name="ClassName">The class name.</param>
    /// <param name="InputSize">Features per sample.</param>
    /// <param name="Loss">The training loss.</param>
    /// <param name="Layers">The dense layers in source order.</param>
    internal sealed record NetworkSpec(string? Namespace, string ClassName, int InputSize, LossKind Loss, EquatableArray<LayerSpec> Layers)
    {
        public string HintName => Namespace is null ? ClassName + ".g.cs" : Namespace + "." + ClassName + ".g.cs";

        public string FullName => Namespace is null ? ClassName : Namespace + "." + ClassName;

        public LayerSpec Output => Layers[Layers.Count - 1];
    }

    /// <summary>What parsing one class produced: a spec when it is valid, and its diagnostics.</summary>
    internal sealed record ParseResult(NetworkSpec? Spec, EquatableArray<DiagnosticInfo> Diagnostics);
}
