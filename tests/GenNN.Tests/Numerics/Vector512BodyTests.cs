using System.Reflection;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Xunit.Abstractions;

namespace GenNN.Tests.Numerics;

/// <summary>
/// The Vector512 bodies of the Dense kernels, run on any machine. The kernel class keeps each body as a private method
/// (<c>Layer0Forward512</c> beside the dispatching <c>Layer0Forward</c>); without AVX-512 .NET runs Vector512 in software
/// and the bodies' FMA helper falls back to a multiply and an add, so the bodies compute the same sums, rounded apart.
/// Each is called here through a delegate on the same random buffers as the dispatcher (whichever path it takes), and
/// every float they write must agree within <c>1e-4 max(1, |b|)</c>. On an AVX-512 machine the dispatcher runs the same
/// body, and the engine-matrix tests hold it to the reference; elsewhere this is what runs it at all. The bodies' narrow
/// remainder vectors use AVX2 directly (every AVX-512 CPU has it), so this runs where AVX2 and FMA do: the default x64 job.
/// </summary>
public class Vector512BodyTests(ITestOutputHelper output)
{
    private delegate void ThreeRefs(ref float a, ref float b, ref float c);

    private delegate void TwoRefsRows(ref float a, ref float c, nuint rows);

    private delegate void ThreeRefsRows(ref float a, ref float b, ref float c, nuint rows);

    private delegate void FourRefsRows(ref float a, ref float b, ref float c, ref float d, nuint rows);

    private delegate void ThreeRefsDepthRows(ref float a, ref float b, ref float c, nuint depth, nuint rows);

    public static TheoryData<string> Networks => new()
    {
        nameof(Sce_I784_Relu96_Soft10), nameof(Mse_I13_Relu600_Leaky112), nameof(Sce_I64_Relu64_Tanh32_Soft8),
        nameof(Sce_I200_Relu150_Leaky129_Soft10), nameof(Mse_I100_Relu100_Tanh33_Lin17), nameof(Mse_I7_Elu13_Gelu5),
    };

    private static readonly string[] Kernels = ["Forward", "ForwardPacked", "ForwardOne", "WeightGradient", "BiasGradient", "InputGradient"];

    [Theory]
    [MemberData(nameof(Networks))]
    public void Every_Vector512_body_agrees_with_the_active_path(string name)
    {
        if (!Avx2.IsSupported || !Fma.IsSupported)
        {
            // The bodies' narrow remainders call AVX2 directly (AVX-512 implies it): they run on the default x64 job only.
            output.WriteLine($"{name}: not run without AVX2 + FMA (DOTNET_EnableAVX2=0, DOTNET_EnableHWIntrinsic=0 or not x64).");
            return;
        }

        INetwork network = NetworkCases.Get(name).Create(1);
        Type kernels = network.GetType().Assembly.GetTypes()
            .Single(t => t.Name.EndsWith(network.GetType().Name + "Kernels", StringComparison.Ordinal));
        // Room for any of the kernels' operands: the parameters, 65 rows of the widest layer, a transposed weight matrix.
        int length = 2 * network.ParameterCount + 65 * (network.InputSize + 1024) + 1024;
        int bodies = 0;
        for (int layer = 0; kernels.GetMethod($"Layer{layer}Forward", BindingFlags.Static | BindingFlags.NonPublic) is not null; layer++)
        {
            foreach (string kernel in Kernels)
            {
                MethodInfo? body = kernels.GetMethod($"Layer{layer}{kernel}512", BindingFlags.Static | BindingFlags.NonPublic);
                MethodInfo? active = kernels.GetMethod($"Layer{layer}{kernel}", BindingFlags.Static | BindingFlags.NonPublic);
                if (body is null || active is null)
                {
                    continue;
                }

                foreach (int rows in new[] { 1, 13, 64, 65 })
                {
                    float[] expected = Run(active, rows, length, seed: layer * 100 + rows);
                    float[] actual = Run(body, rows, length, seed: layer * 100 + rows);
                    NumericAssert.AllClose(actual, expected.Select(v => (double)v).ToArray(),
                        $"{name} Layer{layer}{kernel}512, {rows} rows, against the {network.GetType().GetProperty("KernelPath")?.GetValue(null)} path");
                }

                bodies++;
            }
        }

        output.WriteLine($"{name}: {bodies} Vector512 bodies (Vector512.IsHardwareAccelerated={Vector512.IsHardwareAccelerated})");
        Assert.True(bodies >= 4, $"{name}: found only {bodies} Vector512 bodies; were they renamed?");
    }

    /// <summary>Calls <paramref name="kernel"/> on buffers of random values from <paramref name="seed"/>; returns what it wrote.</summary>
    private static float[] Run(MethodInfo kernel, int rows, int length, int seed)
    {
        var random = new Random(seed);
        float[] Fill() => Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        float[] a = Fill(), b = Fill(), c = Fill(), d = Fill();
        Type[] parameters = kernel.GetParameters().Select(p => p.ParameterType).ToArray();
        int refs = parameters.Count(t => t.IsByRef), counts = parameters.Length - refs;
        var n = (nuint)rows;
        switch (refs, counts)
        {
            case (3, 0):
                kernel.CreateDelegate<ThreeRefs>()(ref a[0], ref b[0], ref c[0]);
                return c;
            case (2, 1):
                kernel.CreateDelegate<TwoRefsRows>()(ref a[0], ref c[0], n);
                return c;
            case (3, 1):
                kernel.CreateDelegate<ThreeRefsRows>()(ref a[0], ref b[0], ref c[0], n);
                return c;
            case (4, 1):
                // ForwardPacked (p, packed, a, c) writes its fourth operand; InputGradient (d, wt, dx, act) its third.
                kernel.CreateDelegate<FourRefsRows>()(ref a[0], ref b[0], ref c[0], ref d[0], n);
                return [.. c, .. d];
            case (3, 2):
                // WeightGradient: rows of W (13, whole tiles and a remainder) over a batch of `rows` samples.
                kernel.CreateDelegate<ThreeRefsDepthRows>()(ref a[0], ref b[0], ref c[0], n, 13);
                return c;
            default:
                throw new InvalidOperationException($"{kernel.Name}: no delegate for {refs} refs and {counts} counts.");
        }
    }
}
