using GenNN;
using GenNN.Tests.Numerics;

namespace GenNN.Tests.Runtime;

/// <summary>
/// A step applied in ranges (BeginStep + StepRange, what a fused training step does layer by layer) against one Step.
/// </summary>
public class OptimizerRangeStepTests
{
    public static TheoryData<string> AllOptimizers => OptimizerTests.AllOptimizers;

    // The ranges of a 784-64-10-like layout, visited last layer first as a backward pass completes them, split at
    // multiples of 16 (the layer boundaries 50240 and 50304 are not).
    private static readonly int[] AlignedCuts = { 0, 50240 / 16 * 16, 50304 / 16 * 16, 50954 };

    private static float[] RandomVector(Random random, int length, float scale)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = (float)((random.NextDouble() * 2 - 1) * scale);
        }

        return values;
    }

    private static void StepInRanges(Optimizer optimizer, float[] parameters, float[] gradients, int[] cuts)
    {
        optimizer.BeginStep(parameters.Length);
        for (int k = cuts.Length - 2; k >= 0; k--)
        {
            int start = cuts[k], length = cuts[k + 1] - cuts[k];
            optimizer.StepRange(parameters.AsSpan(start, length), gradients.AsSpan(start, length), start);
        }
    }

    [Theory]
    [MemberData(nameof(AllOptimizers))]
    public void Aligned_ranges_give_the_bits_of_one_step(string name)
    {
        Optimizer whole = OptimizerTests.Create(name), ranged = OptimizerTests.Create(name);
        Assert.True(ranged.CanStepInRanges);
        var random = new Random(3);
        float[] a = RandomVector(random, AlignedCuts[^1], 1f);
        float[] b = (float[])a.Clone();
        for (int step = 0; step < 5; step++)
        {
            float[] gradients = RandomVector(random, a.Length, 0.5f);
            whole.Step(a, gradients);
            StepInRanges(ranged, b, gradients, AlignedCuts);
        }

        Assert.Equal(whole.Iterations, ranged.Iterations);
        for (int i = 0; i < a.Length; i++)
        {
            Assert.True(BitConverter.SingleToInt32Bits(a[i]) == BitConverter.SingleToInt32Bits(b[i]),
                $"{name}: parameter {i} is {b[i]:R} after ranged steps, {a[i]:R} after whole steps.");
        }
    }

    [Theory]
    [MemberData(nameof(AllOptimizers))]
    public void Unaligned_ranges_agree_within_rounding(string name)
    {
        // Odd cuts move elements between the vector loops and the scalar remainders, whose rounding may differ (the
        // x86 Adam loops refine a reciprocal estimate where the remainder divides).
        int[] cuts = { 0, 7, 300, 301, 1000 };
        Optimizer whole = OptimizerTests.Create(name), ranged = OptimizerTests.Create(name);
        var random = new Random(5);
        float[] a = RandomVector(random, cuts[^1], 1f);
        float[] b = (float[])a.Clone();
        for (int step = 0; step < 5; step++)
        {
            float[] gradients = RandomVector(random, a.Length, 0.5f);
            whole.Step(a, gradients);
            StepInRanges(ranged, b, gradients, cuts);
        }

        for (int i = 0; i < a.Length; i++)
        {
            Assert.True(Math.Abs(a[i] - b[i]) <= 1e-6f * (1 + Math.Abs(a[i])), $"{name}: parameter {i}: {b[i]:R} vs {a[i]:R}.");
        }
    }

    [Theory]
    [MemberData(nameof(AllOptimizers))]
    public void Ranged_steps_allocate_nothing_after_the_first(string name)
    {
        Optimizer optimizer = OptimizerTests.Create(name);
        float[] parameters = new float[1000], gradients = new float[1000];
        gradients.AsSpan().Fill(0.25f);
        int[] cuts = { 0, 512, 992, 1000 };
        Assert.Equal(0, Allocation.InLastWindow(times =>
        {
            for (int k = 0; k < times; k++)
            {
                StepInRanges(optimizer, parameters, gradients, cuts);
            }
        }));
    }

    [Fact]
    public void Clipping_turns_ranged_steps_off()
    {
        var adam = new Adam(0.01f) { GlobalClipNorm = 1f };
        Assert.False(adam.CanStepInRanges);
        var error = Assert.Throws<InvalidOperationException>(() => adam.BeginStep(10));
        Assert.Contains("clipping", error.Message);
        adam.GlobalClipNorm = null;
        adam.ClipValue = 0.5f;
        Assert.False(adam.CanStepInRanges);
        adam.ClipValue = null;
        Assert.True(adam.CanStepInRanges);
    }

    [Fact]
    public void An_optimizer_without_ranges_says_so()
    {
        var optimizer = new WholeStepOnly();
        Assert.False(optimizer.CanStepInRanges);
        var error = Assert.Throws<InvalidOperationException>(() => optimizer.BeginStep(4));
        Assert.Contains("Step() only", error.Message);
    }

    [Fact]
    public void Ranges_are_checked()
    {
        var adam = new Adam();
        float[] p = new float[8], g = new float[8];
        Assert.Throws<InvalidOperationException>(() => adam.StepRange(p, g, 0));
        adam.BeginStep(8);
        var outside = Assert.Throws<ArgumentOutOfRangeException>(() => adam.StepRange(p.AsSpan(0, 4), g.AsSpan(0, 4), 5));
        Assert.Contains("offset in [0, 4]", outside.Message);
        Assert.Throws<ArgumentException>(() => adam.StepRange(p.AsSpan(0, 4), g.AsSpan(0, 3), 0));
        Assert.Throws<ArgumentException>(() => adam.BeginStep(9));
    }

    private sealed class WholeStepOnly : Optimizer
    {
        public WholeStepOnly() : base(0.1f)
        {
        }

        protected override void AllocateState(int parameterCount)
        {
        }

        protected override void ReleaseState()
        {
        }

        protected override void StepCore(Span<float> parameters, ReadOnlySpan<float> gradients, long iteration)
        {
        }
    }
}
