using System.Globalization;
using System.Reflection;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Text.RegularExpressions;
using GenNN.Tests.Convolution;
using GenNN.Tests.Normalization;
using Xunit.Abstractions;

namespace GenNN.Tests.Numerics;

/// <summary>
/// The Vector512 bodies of the generated kernels (Dense, Conv1D/Conv2D with their Winograd products, BatchNorm's
/// networks), run on any machine. The kernel class keeps each body as a private method
/// (<c>Layer0Forward512</c> beside the dispatching <c>Layer0Forward</c>); without AVX-512 .NET runs Vector512 in software
/// and the bodies' FMA helper falls back to a multiply and an add, so the bodies compute the same sums, rounded apart.
/// Each is called here through a delegate on the same random buffers as the dispatcher (whichever path it takes), and
/// every float they write must agree within <c>1e-4 max(1, |b|)</c>. On an AVX-512 machine the dispatcher runs the same
/// body, and the engine-matrix tests hold it to the reference; elsewhere this is what runs it at all. The bodies' narrow
/// remainder vectors use AVX2 directly (every AVX-512 CPU has it), so this runs where AVX2 and FMA do: the default x64 job.
/// </summary>
public partial class Vector512BodyTests(ITestOutputHelper output)
{
    private delegate void ThreeRefs(ref float a, ref float b, ref float c);

    private delegate void TwoRefsRows(ref float a, ref float c, nuint rows);

    private delegate void ThreeRefsRows(ref float a, ref float b, ref float c, nuint rows);

    private delegate void FourRefsRows(ref float a, ref float b, ref float c, ref float d, nuint rows);

    private delegate void ThreeRefsDepthRows(ref float a, ref float b, ref float c, nuint depth, nuint rows);

    private delegate void ThreeRefsDepthRowsAccumulate(ref float a, ref float b, ref float c, nuint depth, nuint rows, bool accumulate);

    public static TheoryData<string> Networks => new()
    {
        nameof(Sce_I784_Relu96_Soft10), nameof(Mse_I13_Relu600_Leaky112), nameof(Sce_I64_Relu64_Tanh32_Soft8),
        nameof(Sce_I200_Relu150_Leaky129_Soft10), nameof(Mse_I100_Relu100_Tanh33_Lin17), nameof(Mse_I7_Elu13_Gelu5),
    };

    /// <summary>
    /// Convolutional networks of the other test files: strided and padded Conv2D, Conv1D, the four Winograd shapes
    /// (channels that are and are not whole vectors, valid and same padding, blocks of channels), and BatchNorm's network,
    /// whose convolution accumulates its weight gradient.
    /// </summary>
    private static readonly Dictionary<string, Func<INetwork>> ConvNetworks = new()
    {
        [nameof(GoldenConvA)] = () => new GoldenConvA(seed: 1),
        [nameof(GoldenConvB)] = () => new GoldenConvB(seed: 1),
        [nameof(GoldenConv1D)] = () => new GoldenConv1D(seed: 1),
        [nameof(SmoothConv)] = () => new SmoothConv(seed: 1),
        [nameof(WinogradSameReLU)] = () => new WinogradSameReLU(seed: 1),
        [nameof(WinogradValidLeaky)] = () => new WinogradValidLeaky(seed: 1),
        [nameof(WinogradSameLinear)] = () => new WinogradSameLinear(seed: 1),
        [nameof(WinogradBlocks)] = () => new WinogradBlocks(seed: 1),
        [nameof(SmoothBn)] = () => new SmoothBn(seed: 1),
    };

    public static TheoryData<string> ConvNetworkNames => new(ConvNetworks.Keys);

    [Theory]
    [MemberData(nameof(Networks))]
    public void Every_Vector512_body_agrees_with_the_active_path(string name)
        => CheckBodies(name, () => NetworkCases.Get(name).Create(1), minimum: 4);

    [Theory]
    [MemberData(nameof(ConvNetworkNames))]
    public void Every_Vector512_body_of_a_convolutional_network_agrees_with_the_active_path(string name)
        => CheckBodies(name, ConvNetworks[name], minimum: 3);

    [GeneratedRegex(@"^Layer\d+\w+512$")]
    private static partial Regex BodyName();

    /// <summary>
    /// Runs every <c>Layer{i}{Kernel}512</c> body of the network's kernel class against its dispatcher (the same name
    /// without 512) on the same random buffers, for several row counts.
    /// </summary>
    private void CheckBodies(string name, Func<INetwork> create, int minimum)
    {
        if (!Avx2.IsSupported || !Fma.IsSupported)
        {
            // The bodies' narrow remainders call AVX2 directly (AVX-512 implies it): they run on the default x64 job only.
            output.WriteLine($"{name}: not run without AVX2 + FMA (DOTNET_EnableAVX2=0, DOTNET_EnableHWIntrinsic=0 or not x64).");
            return;
        }

        INetwork network = create();
        Type kernels = network.GetType().Assembly.GetTypes()
            .Single(t => t.Name.EndsWith(network.GetType().Name + "Kernels", StringComparison.Ordinal));
        // Room for any of the kernels' operands over 65 rows (pixels, samples or tiles): the parameters, a transposed
        // weight matrix, and 65 samples of the widest tensor of the network (its summary's largest output, or the input),
        // padded windows included.
        long widest = Math.Max(network.InputSize, Widest(network));
        int length = checked((int)(2L * network.ParameterCount + 65 * 4 * (widest + 256) + 4096));
        float[][] template = Enumerable.Range(0, 4).Select(seed => Fill(length, seed)).ToArray();
        int bodies = 0;
        foreach (MethodInfo body in kernels.GetMethods(BindingFlags.Static | BindingFlags.NonPublic)
            .Where(m => BodyName().IsMatch(m.Name)).OrderBy(m => m.Name, StringComparer.Ordinal))
        {
            MethodInfo? active = kernels.GetMethod(body.Name[..^3], BindingFlags.Static | BindingFlags.NonPublic);
            Assert.True(active is not null, $"{name}: {body.Name} has no dispatcher {body.Name[..^3]}.");
            foreach (int rows in new[] { 1, 13, 64, 65 })
            {
                float[] expected = Run(active!, rows, template);
                float[] actual = Run(body, rows, template);
                NumericAssert.AllClose(actual, expected.Select(v => (double)v).ToArray(),
                    $"{name} {body.Name}, {rows} rows, against the {network.GetType().GetProperty("KernelPath")?.GetValue(null)} path");
            }

            bodies++;
        }

        output.WriteLine($"{name}: {bodies} Vector512 bodies (Vector512.IsHardwareAccelerated={Vector512.IsHardwareAccelerated})");
        Assert.True(bodies >= minimum, $"{name}: found only {bodies} Vector512 bodies; were they renamed?");
    }

    /// <summary>The largest number of floats in one sample's output of any layer, from the generated summary's shapes.</summary>
    private static long Widest(INetwork network)
    {
        long widest = 0;
        string summary = (string)network.GetType().GetField("SummaryText", BindingFlags.Static | BindingFlags.Public)!.GetValue(null)!;
        foreach (Match shape in Regex.Matches(summary, @"\(None(?:, (\d+))+\)"))
        {
            widest = Math.Max(widest, shape.Groups[1].Captures.Aggregate(1L, (product, c) => product * long.Parse(c.Value, CultureInfo.InvariantCulture)));
        }

        return widest;
    }

    private static float[] Fill(int length, int seed)
    {
        var random = new Random(seed);
        var values = new float[length];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)(random.NextDouble() - 0.5);
        }

        return values;
    }

    /// <summary>Calls <paramref name="kernel"/> on copies of the four random buffers; returns what it wrote.</summary>
    private static float[] Run(MethodInfo kernel, int rows, float[][] template)
    {
        float[] a = (float[])template[0].Clone(), b = (float[])template[1].Clone(), c = (float[])template[2].Clone(), d = (float[])template[3].Clone();
        Type[] parameters = kernel.GetParameters().Select(p => p.ParameterType).ToArray();
        int refs = parameters.Count(t => t.IsByRef), counts = parameters.Count(t => t == typeof(nuint));
        bool flag = parameters.Any(t => t == typeof(bool));
        var n = (nuint)rows;
        switch (refs, counts, flag)
        {
            case (3, 0, false):
                kernel.CreateDelegate<ThreeRefs>()(ref a[0], ref b[0], ref c[0]);
                return c;
            case (2, 1, false):
                kernel.CreateDelegate<TwoRefsRows>()(ref a[0], ref c[0], n);
                return c;
            case (3, 1, false):
                kernel.CreateDelegate<ThreeRefsRows>()(ref a[0], ref b[0], ref c[0], n);
                return c;
            case (4, 1, false):
                // ForwardPacked (p, packed, a, c) writes its fourth operand; InputGradient (d, wt, dx, act) its third.
                kernel.CreateDelegate<FourRefsRows>()(ref a[0], ref b[0], ref c[0], ref d[0], n);
                return [.. c, .. d];
            case (3, 2, false):
                // WeightGradient: rows of W (13, whole tiles and a remainder) over a batch of `rows` samples.
                kernel.CreateDelegate<ThreeRefsDepthRows>()(ref a[0], ref b[0], ref c[0], n, 13);
                return c;
            case (3, 2, true):
                // A weight gradient that writes or adds to C (a convolution that BatchNorm follows): both, one after the other.
                var accumulating = kernel.CreateDelegate<ThreeRefsDepthRowsAccumulate>();
                accumulating(ref a[0], ref b[0], ref c[0], n, 13, false);
                float[] written = (float[])c.Clone();
                accumulating(ref a[0], ref b[0], ref c[0], n, 13, true);
                return [.. written, .. c];
            default:
                throw new InvalidOperationException($"{kernel.Name}: no delegate for {refs} refs, {counts} counts and {(flag ? "a" : "no")} flag; add one.");
        }
    }
}
