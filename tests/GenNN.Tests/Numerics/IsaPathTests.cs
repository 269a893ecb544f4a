using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Xunit.Abstractions;

namespace GenNN.Tests.Numerics;

/// <summary>
/// CI runs the suite under default settings, DOTNET_EnableAVX512=0, DOTNET_EnableAVX2=0 and DOTNET_EnableHWIntrinsic=0
/// (and on linux-arm64 under qemu). This test writes the path the generated kernels take to the log, and checks that
/// the switches really took effect, so a run that was meant to cover the Vector256, Vector128 or scalar bodies cannot
/// silently cover another one.
/// </summary>
public class IsaPathTests(ITestOutputHelper output)
{
    [Fact]
    public void Reports_the_active_SIMD_path()
    {
        KernelPath path = Mse_I100_Relu100_Tanh33_Lin17.KernelPath;
        string? avx512 = Environment.GetEnvironmentVariable("DOTNET_EnableAVX512");
        string? avx2 = Environment.GetEnvironmentVariable("DOTNET_EnableAVX2");
        string? hw = Environment.GetEnvironmentVariable("DOTNET_EnableHWIntrinsic");
        output.WriteLine($"gen-nn kernel path: {path} (Vector512.IsHardwareAccelerated={Vector512.IsHardwareAccelerated}, " +
            $"Avx2={Avx2.IsSupported}, Fma={Fma.IsSupported}, Vector128.IsHardwareAccelerated={Vector128.IsHardwareAccelerated}; " +
            $"DOTNET_EnableAVX512={avx512 ?? "unset"}, DOTNET_EnableAVX2={avx2 ?? "unset"}, DOTNET_EnableHWIntrinsic={hw ?? "unset"}, " +
            $"{RuntimeInformation.ProcessArchitecture})");

        KernelPath expected = hw == "0" ? KernelPath.Scalar
            : Vector512.IsHardwareAccelerated ? KernelPath.Vector512
            : Avx2.IsSupported && Fma.IsSupported ? KernelPath.Vector256
            : Vector128.IsHardwareAccelerated ? KernelPath.Vector128
            : KernelPath.Scalar;
        Assert.Equal(expected, path);
        if (avx512 == "0") Assert.NotEqual(KernelPath.Vector512, path);
        if (avx2 == "0" && hw != "0" && RuntimeInformation.ProcessArchitecture == Architecture.X64)
        {
            Assert.Equal(KernelPath.Vector128, path);
        }

        if (RuntimeInformation.ProcessArchitecture == Architecture.Arm64 && hw != "0") Assert.Equal(KernelPath.Vector128, path);

        // A generated network gives the reference's answer on whichever path is active.
        NetworkCase c = NetworkCases.Get(nameof(Mse_I100_Relu100_Tanh33_Lin17));
        INetwork network = c.CreatePerturbed(5);
        double[] p = TestData.ToDouble(network.Parameters);
        float[] input = TestData.Inputs(c.Reference, p, 1, new Random(6), 1e-4);
        var y = new float[c.Reference.OutputSize];
        network.Predict(input, y);
        NumericAssert.AllClose(y, c.Reference.Forward(p, TestData.ToDouble(input)), $"{c.Reference.Topology} Predict on the {path} path");
    }

    [Fact]
    public void A_network_without_Vector512_bodies_never_reports_them()
    {
        KernelPath widest = GenNN.Kernels.Simd.Select(KernelPath.Vector512);
        KernelPath capped = GenNN.Kernels.Simd.Select(KernelPath.Vector256);
        Assert.Equal(widest == KernelPath.Vector512 ? KernelPath.Vector256 : widest, capped);
    }
}
