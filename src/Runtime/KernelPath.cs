namespace GenNN
{
    /// <summary>
    /// The kernel bodies a generated network runs on this machine, widest first. Read it from a network class
    /// (<c>MyNet.KernelPath</c>) to see what a build really runs: a JIT-compiled program and a Native AOT binary decide
    /// it differently (see <see cref="Kernels.Simd"/>).
    /// </summary>
    public enum KernelPath
    {
        /// <summary>Plain scalar loops: no SIMD (for example <c>DOTNET_EnableHWIntrinsic=0</c>).</summary>
        Scalar = 0,

        /// <summary>128-bit vectors: ARM64 NEON (AdvSimd), or x64 without AVX2 and FMA (SSE; AVX without AVX2).</summary>
        Vector128 = 128,

        /// <summary>256-bit vectors: x64 with AVX2 and FMA.</summary>
        Vector256 = 256,

        /// <summary>512-bit vectors: x64 with AVX-512 (F, BW, CD, DQ, VL).</summary>
        Vector512 = 512,
    }
}
