using System.Runtime.Intrinsics;
using Xunit.Abstractions;

namespace GenNN.Tests.Numerics;

/// <summary>
/// CI runs the suite three times (default, DOTNET_EnableAVX512=0, DOTNET_EnableHWIntrinsic=0). This test writes
/// the path the generated kernels take to the log, and checks the switches really took effect, so a run that was
/// meant to cover the Vector256 or scalar path cannot silently cover another one.
/// </summary>
public class IsaPathTests(ITestOutputHelper output)
{
    [Fact]
    public void Reports_the_active_SIMD_path()
    {
        bool v512 = Vector512.IsHardwareAccelerated;
        bool v256 = Vector256.IsHardwareAccelerated;
        string path = v512 ? "Vector512" : v256 ? "Vector256" : "scalar";
        string? avx512 = Environment.GetEnvironmentVariable("DOTNET_EnableAVX512");
        string? hw = Environment.GetEnvironmentVariable("DOTNET_EnableHWIntrinsic");
        output.WriteLine($"gen-nn kernel path: {path} (Vector512.IsHardwareAccelerated={v512}, Vector256.IsHardwareAccelerated={v256}, " +
            $"Vector128.IsHardwareAccelerated={Vector128.IsHardwareAccelerated}; DOTNET_EnableAVX512={avx512 ?? "unset"}, " +
            $"DOTNET_EnableHWIntrinsic={hw ?? "unset"}, {System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture})");

        if (avx512 == "0") Assert.False(v512, "DOTNET_EnableAVX512=0 is set but Vector512 is still accelerated.");
        if (hw == "0")
        {
            Assert.False(v512, "DOTNET_EnableHWIntrinsic=0 is set but Vector512 is still accelerated.");
            Assert.False(v256, "DOTNET_EnableHWIntrinsic=0 is set but Vector256 is still accelerated.");
        }

        // A generated network gives the reference's answer on whichever path is active.
        NetworkCase c = NetworkCases.Get(nameof(Mse_I100_Relu100_Tanh33_Lin17));
        INetwork network = c.CreatePerturbed(5);
        double[] p = TestData.ToDouble(network.Parameters);
        float[] input = TestData.Inputs(c.Reference, p, 1, new Random(6), 1e-4);
        var y = new float[c.Reference.OutputSize];
        network.Predict(input, y);
        NumericAssert.AllClose(y, c.Reference.Forward(p, TestData.ToDouble(input)), $"{c.Reference.Topology} Predict on the {path} path");
    }
}
