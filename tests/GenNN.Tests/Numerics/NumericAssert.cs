using System.Globalization;
using System.Text;

namespace GenNN.Tests.Numerics;

/// <summary>Comparisons with the suite's mixed tolerance: <c>|a - b| &lt;= tol * max(1, |b|)</c>.</summary>
public static class NumericAssert
{
    /// <summary>The tolerance every generated path must meet against the double-precision reference.</summary>
    public const double ReferenceTolerance = 1e-4;

    public static bool IsClose(double actual, double expected, double tolerance = ReferenceTolerance)
        => Math.Abs(actual - expected) <= tolerance * Math.Max(1.0, Math.Abs(expected));

    public static void Close(double actual, double expected, string what, double tolerance = ReferenceTolerance)
    {
        if (!IsClose(actual, expected, tolerance))
        {
            Assert.Fail(string.Create(CultureInfo.InvariantCulture,
                $"{what}: got {actual:R}, expected {expected:R} (|diff| {Math.Abs(actual - expected):E3} > {tolerance} * max(1, |expected|))."));
        }
    }

    /// <summary>
    /// Asserts element-wise closeness and lists the first mismatches (index named by <paramref name="describe"/>).
    /// Each element must meet <c>|a - b| &lt;= tol * max(floor, |b|)</c> with <c>floor = min(1, max_j |b_j|)</c>: the
    /// suite's <c>tol * max(1, |b|)</c> when the vector has elements of size 1 or more, and stricter when the whole
    /// vector is small (a Softmax over 100 outputs, the gradients of an MSE over many outputs), where an absolute
    /// 1e-4 would accept almost anything.
    /// </summary>
    public static void AllClose(ReadOnlySpan<float> actual, ReadOnlySpan<double> expected, string what,
        Func<int, string>? describe = null, double tolerance = ReferenceTolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        double largest = 0;
        foreach (double e in expected) largest = Math.Max(largest, Math.Abs(e));
        double floor = Math.Max(Math.Min(1.0, largest), 1e-30);

        var sb = new StringBuilder();
        int failures = 0;
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double a = actual[i];
            double e = expected[i];
            double allowed = tolerance * Math.Max(floor, Math.Abs(e));
            if (Math.Abs(a - e) <= allowed) continue;
            failures++;
            worst = Math.Max(worst, double.IsFinite(a) ? Math.Abs(a - e) / allowed : double.PositiveInfinity);
            if (failures <= 8)
            {
                string name = describe?.Invoke(i) ?? i.ToString(CultureInfo.InvariantCulture);
                sb.Append(CultureInfo.InvariantCulture, $"\n  {name}: got {a:R}, expected {e:R}, |diff| {Math.Abs(a - e):E3} > {allowed:E3}");
            }
        }

        if (failures > 0)
        {
            Assert.Fail(string.Create(CultureInfo.InvariantCulture,
                $"{what}: {failures} of {expected.Length} elements differ by more than {tolerance} * max({floor:G3}, |expected|) (worst {worst:F1}x the allowance):{sb}"));
        }
    }
}

/// <summary>Seeded random inputs, targets and parameter perturbations.</summary>
public static class TestData
{
    public static double[] ToDouble(ReadOnlySpan<float> values)
    {
        var result = new double[values.Length];
        for (int i = 0; i < values.Length; i++) result[i] = values[i];
        return result;
    }

    /// <summary>
    /// <paramref name="batchSize"/> rows of U(-1, 1) inputs. A row that puts any ReLU/LeakyReLU pre-activation within
    /// <paramref name="kinkMargin"/> of zero (according to the reference) is drawn again, so float rounding on any ISA
    /// path cannot flip a kink the reference sees on the other side.
    /// </summary>
    public static float[] Inputs(ReferenceNetwork reference, ReadOnlySpan<double> parameters, int batchSize, Random random,
        double kinkMargin = 1e-3, double scale = 1.0)
    {
        var inputs = new float[batchSize * reference.InputSize];
        var row = new double[reference.InputSize];
        for (int s = 0; s < batchSize; s++)
        {
            for (int attempt = 0; ; attempt++)
            {
                for (int i = 0; i < row.Length; i++) row[i] = (float)((random.NextDouble() * 2 - 1) * scale);
                if (reference.KinkDistance(parameters, row) >= kinkMargin) break;
                if (attempt == 10_000) throw new InvalidOperationException($"No input row keeps {kinkMargin} away from every ReLU kink of {reference.Topology}.");
            }

            for (int i = 0; i < row.Length; i++) inputs[s * reference.InputSize + i] = (float)row[i];
        }

        return inputs;
    }

    /// <summary>
    /// Valid targets: class labels (SCE), probabilities incl. exact 0 and 1 (BCE), one-hot and soft class probabilities
    /// (CCE), U(-1, 1) values (MSE, MAE, Huber).
    /// </summary>
    public static float[] Targets(ReferenceNetwork reference, int batchSize, Random random)
    {
        var targets = new float[batchSize * reference.TargetSize];
        for (int s = 0; s < batchSize; s++)
        {
            switch (reference.Loss)
            {
                case Loss.SoftmaxCrossEntropy:
                    targets[s] = random.Next(reference.OutputSize);
                    break;
                case Loss.BinaryCrossEntropy:
                    targets[s] = (s % 4) switch { 0 => 0f, 1 => 1f, _ => (float)random.NextDouble() };
                    break;
                case Loss.CategoricalCrossEntropy:
                {
                    // One-hot rows and soft rows (positive, normalised) alternate.
                    Span<float> row = targets.AsSpan(s * reference.OutputSize, reference.OutputSize);
                    if (s % 2 == 0)
                    {
                        row[random.Next(reference.OutputSize)] = 1f;
                        break;
                    }

                    double total = 0;
                    var weights = new double[row.Length];
                    for (int o = 0; o < row.Length; o++) total += weights[o] = 0.05 + random.NextDouble();
                    for (int o = 0; o < row.Length; o++) row[o] = (float)(weights[o] / total);
                    break;
                }

                default:
                    for (int o = 0; o < reference.OutputSize; o++)
                        targets[s * reference.OutputSize + o] = (float)(random.NextDouble() * 2 - 1);
                    break;
            }
        }

        return targets;
    }

    /// <summary>Parameters for reference-only tests: weights U(-l, l) with l = sqrt(6 / fanIn), biases U(-0.5, 0.5).</summary>
    public static double[] Parameters(ReferenceNetwork reference, Random random)
    {
        var p = new double[reference.ParameterCount];
        for (int l = 0; l < reference.LayerCount; l++)
        {
            double limit = Math.Sqrt(6.0 / reference.FanIn(l));
            for (int k = 0; k < reference.WeightCount(l); k++) p[reference.WeightOffset(l) + k] = (random.NextDouble() * 2 - 1) * limit;
        }

        PerturbBiases(reference, p, random);

        return p;
    }

    /// <summary>
    /// Sets every bias to a non-zero value so bias paths are exercised (seeded init leaves them at zero): U(-0.5, 0.5),
    /// shifted to U(-0.2, 0.6) on ReLU-family layers so few units are dead for every sample of a small batch.
    /// </summary>
    public static void PerturbBiases(ReferenceNetwork reference, Span<double> parameters, Random random)
    {
        for (int l = 0; l < reference.LayerCount; l++)
        {
            bool relu = ReferenceNetwork.HasKink(reference.Layers[l].Activation);
            for (int o = 0; o < reference.Layers[l].Units; o++)
            {
                double u = random.NextDouble();
                parameters[reference.BiasOffset(l) + o] = relu ? -0.2 + 0.8 * u : u - 0.5;
            }
        }
    }

    /// <summary>Float version of <see cref="PerturbBiases(ReferenceNetwork, Span{double}, Random)"/> for a network's own buffer.</summary>
    public static void PerturbBiases(ReferenceNetwork reference, Span<float> parameters, Random random)
    {
        var values = new double[reference.ParameterCount];
        PerturbBiases(reference, values, random);
        for (int l = 0; l < reference.LayerCount; l++)
        {
            for (int o = 0; o < reference.Layers[l].Units; o++) parameters[reference.BiasOffset(l) + o] = (float)values[reference.BiasOffset(l) + o];
        }
    }
}
