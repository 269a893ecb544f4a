using System.Globalization;
using System.Runtime.Intrinsics;
using GenNN;

/// <summary>
/// What .ci/package-consumer.sh compares between the JIT and the Native AOT build: the loaded model's
/// probabilities for every test sample, in round-trip form ("R"), one parseable line per sample. The script
/// inserts the call into the README's quick start just before its class declaration.
/// </summary>
internal static class ConsumerReport
{
    /// <summary>Prints the kernel path the network runs and one <c>prediction</c> line per test sample.</summary>
    public static void Print(IrisNet model, Dataset test)
    {
        Console.WriteLine($"kernel path: {IrisNet.KernelPath}");
        Console.WriteLine($"Vector256.IsHardwareAccelerated: {Vector256.IsHardwareAccelerated} (a Native AOT binary may run Vector256 kernels when this is False: see KernelPath)");
        Span<float> probabilities = stackalloc float[IrisNet.OutputSize];
        for (int row = 0; row < test.Count; row++)
        {
            model.Predict(test.GetFeatures(row), probabilities);
            var line = new System.Text.StringBuilder($"prediction {row}:");
            foreach (float p in probabilities) line.Append(' ').Append(p.ToString("R", CultureInfo.InvariantCulture));
            Console.WriteLine(line.ToString());
        }
    }
}
