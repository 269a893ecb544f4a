using GenNN.Generator.Model;
using static GenNN.Generator.Emit.Invariant;

namespace GenNN.Generator.Emit
{
    /// <summary>What every layer kind's emitter and the network's share about activations: names, and which kernel applies what.</summary>
    internal static class ActivationText
    {
        /// <summary>The activation as the topology names it: <c>LeakyReLU(0.2)</c> when the slope is not PyTorch's default.</summary>
        public static string Name(ActivationKind activation, float negativeSlope)
            => activation == ActivationKind.LeakyReLU && negativeSlope != DenseSpec.DefaultNegativeSlope
                ? "LeakyReLU(" + R(negativeSlope) + ")"
                : activation.ToString();

        /// <summary>LeakyReLU's slope in generated code: the runtime's constant for the default, else the layer's literal.</summary>
        public static string SlopeExpression(float negativeSlope)
            => negativeSlope == DenseSpec.DefaultNegativeSlope ? "Activations.LeakyReLUSlope" : Literal(negativeSlope);

        public static bool IsReLUFamily(ActivationKind activation) => activation is ActivationKind.ReLU or ActivationKind.LeakyReLU;

        /// <summary>
        /// Activations whose derivative an input-gradient kernel can fuse into its stores (read from the activation's
        /// output); the others (ELU, GELU, SiLU, Softplus, HardSigmoid) run <c>Activations.XBackward</c> after the kernel.
        /// </summary>
        public static bool FusesDerivative(ActivationKind activation)
            => activation is ActivationKind.Linear or ActivationKind.ReLU or ActivationKind.LeakyReLU or ActivationKind.Sigmoid or ActivationKind.Tanh;

        /// <summary>Activations whose derivative needs the pre-activation <c>z</c> (not expressible through the output).</summary>
        public static bool BackwardFromPreActivation(ActivationKind activation)
            => activation is ActivationKind.GELU or ActivationKind.SiLU or ActivationKind.Softplus;
    }
}
