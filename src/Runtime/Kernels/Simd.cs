using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace GenNN.Kernels
{
    /// <summary>
    /// The checks generated kernels dispatch on, written once so that a JIT-compiled program and a Native AOT binary
    /// pick their bodies the same way.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Under the JIT every check is a constant of the machine: only the chosen body is compiled.
    /// </para>
    /// <para>
    /// Native AOT compiles ahead of time for a baseline instruction set (<c>IlcInstructionSet</c>). It turns
    /// <c>Avx2.IsSupported</c> and <c>Fma.IsSupported</c> into run-time checks when AVX is in the baseline (the GenNN
    /// package's default for x64, <c>GenNNAotInstructionSet</c>), but <c>Vector256.IsHardwareAccelerated</c> stays a
    /// compile-time constant (false unless AVX2 is in the baseline). So <see cref="Vector256"/> asks for AVX2 and FMA
    /// themselves: one binary runs the Vector256 bodies on a CPU with them and the Vector128 bodies on one without.
    /// The 256-bit bodies use <c>Fma.MultiplyAdd</c> and AVX float operations only, which the AOT compiler emits
    /// directly (a <c>Vector256</c> operation that needs AVX2 or FMA would become a slow software fallback there).
    /// Vector512 is never a run-time choice under Native AOT: it needs AVX-512 in the baseline (<c>x86-64-v4</c>).
    /// </para>
    /// </remarks>
    [EditorBrowsable(EditorBrowsableState.Advanced)]
    public static class Simd
    {
        /// <summary>The Vector512 bodies run: AVX-512 is accelerated.</summary>
        public static bool Vector512
        {
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            get => System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated;
        }

        /// <summary>
        /// The Vector256 bodies run: AVX2 and FMA. Under Native AOT both are run-time checks (.NET 10's compiler, AVX in
        /// the baseline); .NET 8's compiler has no run-time AVX2 check, so there AVX and FMA suffice: the generated 256-bit
        /// bodies use float operations (AVX) and FMA only.
        /// </summary>
        public static bool Vector256
        {
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
#if NET10_0_OR_GREATER
            get => Avx2.IsSupported && Fma.IsSupported;
#else
            get => Fma.IsSupported && (Avx2.IsSupported || (Avx.IsSupported && !RuntimeFeature.IsDynamicCodeCompiled));
#endif
        }

        /// <summary>The Vector128 bodies run: SSE on x64, NEON (AdvSimd) on ARM64.</summary>
        public static bool Vector128
        {
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            get => System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated;
        }

        /// <summary>
        /// The widest path this process runs, capped at <paramref name="widest"/> (the widest bodies a network was
        /// generated with: <see cref="KernelPath.Vector256"/> under <c>GenNNVectorWidth=256</c>).
        /// </summary>
        /// <param name="widest">The widest path the network has bodies for.</param>
        /// <returns>The path its kernels take.</returns>
        public static KernelPath Select(KernelPath widest)
            => Vector512 && widest >= KernelPath.Vector512 ? KernelPath.Vector512
             : Vector256 && widest >= KernelPath.Vector256 ? KernelPath.Vector256
             : Vector128 ? KernelPath.Vector128
             : KernelPath.Scalar;
    }
}
