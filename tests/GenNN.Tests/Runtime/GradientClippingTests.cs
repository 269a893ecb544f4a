using GenNN;
using GenNN.Tests.Numerics;

namespace GenNN.Tests.Runtime;

/// <summary>Gradient clipping in the Optimizer base class, checked against hand computations.</summary>
public class GradientClippingTests
{
    private static void AssertRelative(double expected, double actual, double relative = 1e-5)
        => Assert.True(Math.Abs(expected - actual) <= relative * Math.Abs(expected), $"expected {expected:R}, got {actual:R}");

    [Fact]
    public void ClipValue_clamps_each_gradient_before_the_update()
    {
        // Plain SGD with lr 1: p -= clamp(g, -0.5, 0.5).
        var sgd = new Sgd(1f) { ClipValue = 0.5f };
        float[] p = { 0f, 0f, 0f, 0f, 0f };
        float[] g = { 2f, -3f, 0.25f, -0.5f, 0.5f };
        sgd.Step(p, g);
        Assert.Equal(new[] { -0.5f, 0.5f, -0.25f, 0.5f, -0.5f }, p);
        Assert.Equal(new[] { 2f, -3f, 0.25f, -0.5f, 0.5f }, g); // the caller's gradients are untouched
    }

    [Fact]
    public void GlobalClipNorm_rescales_the_whole_vector_to_the_bound()
    {
        // g = (3, 4): norm 5. Bound 1 -> g * 1/5 = (0.6, 0.8); SGD lr 1 moves p by -g'.
        var sgd = new Sgd(1f) { GlobalClipNorm = 1f };
        float[] p = { 0f, 0f };
        sgd.Step(p, new[] { 3f, 4f });
        Assert.Equal(-0.6f, p[0], 6);
        Assert.Equal(-0.8f, p[1], 6);
    }

    [Fact]
    public void GlobalClipNorm_leaves_a_gradient_within_the_bound_unchanged()
    {
        var sgd = new Sgd(1f) { GlobalClipNorm = 5f };
        float[] p = { 0f, 0f };
        sgd.Step(p, new[] { 3f, 4f }); // norm exactly 5: not above the bound
        Assert.Equal(new[] { -3f, -4f }, p);
    }

    [Fact]
    public void GlobalClipNorm_spans_many_vector_blocks_and_the_remainder()
    {
        // 1003 gradients of 0.1 and one of 10: norm sqrt(1003 * 0.01 + 100) = sqrt(110.03).
        var g = new float[1004];
        g.AsSpan().Fill(0.1f);
        g[517] = 10f;
        double small = 0.1f;
        double norm = Math.Sqrt(1003 * small * small + 100);
        var sgd = new Sgd(1f) { GlobalClipNorm = 2f };
        var p = new float[g.Length];
        sgd.Step(p, g);
        // The norm is summed in float (as torch.nn.utils.clip_grad_norm_ does for float32): a few 1e-7 relative with
        // vector lanes, about 5e-6 on the scalar path (DOTNET_EnableHWIntrinsic=0) for these 1004 values.
        AssertRelative(-small * 2 / norm, p[0]);
        AssertRelative(-small * 2 / norm, p[1003]);
        AssertRelative(-10 * 2 / norm, p[517]);
        AssertRelative(2.0, Math.Sqrt(p.Sum(x => (double)x * x)));
    }

    [Fact]
    public void ClipValue_then_GlobalClipNorm_satisfies_both_bounds()
    {
        // Clamped to [-1, 1]: (1, -1, 0.5, 1), norm sqrt(3.25) = 1.80 > 1.5, so scaled by 1.5 / sqrt(3.25).
        var sgd = new Sgd(1f) { ClipValue = 1f, GlobalClipNorm = 1.5f };
        float[] p = new float[4];
        sgd.Step(p, new[] { 10f, -3f, 0.5f, 4f });
        double s = 1.5 / Math.Sqrt(3.25);
        Assert.Equal(-1 * s, p[0], 6);
        Assert.Equal(1 * s, p[1], 6);
        Assert.Equal(-0.5 * s, p[2], 6);
        Assert.Equal(-1 * s, p[3], 6);
    }

    [Fact]
    public void ClipValue_alone_does_not_rescale_when_the_norm_is_within_GlobalClipNorm()
    {
        // Clamped to (1, -1, 0.5, 1): norm 1.80 <= 2, so the clamped values are used as they are.
        var sgd = new Sgd(1f) { ClipValue = 1f, GlobalClipNorm = 2f };
        float[] p = new float[4];
        sgd.Step(p, new[] { 10f, -3f, 0.5f, 4f });
        Assert.Equal(new[] { -1f, 1f, -0.5f, -1f }, p);
    }

    [Fact]
    public void GlobalClipNorm_survives_gradients_whose_float_squares_overflow()
    {
        // 1e20^2 overflows float: the norm is recomputed in double instead of becoming infinity (which would zero g).
        var sgd = new Sgd(1f) { GlobalClipNorm = 1f };
        float[] p = new float[3];
        sgd.Step(p, new[] { 3e20f, 4e20f, 0f });
        Assert.Equal(-0.6f, p[0], 5);
        Assert.Equal(-0.8f, p[1], 5);
        Assert.Equal(0f, p[2]);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    public void A_non_finite_gradient_is_never_clipped_into_a_plausible_value(float bad)
    {
        foreach (Optimizer optimizer in new Optimizer[]
        {
            new Sgd(0.1f) { ClipValue = 1f },
            new Sgd(0.1f) { GlobalClipNorm = 1f },
            new Adam(0.1f) { ClipValue = 1f, GlobalClipNorm = 1f },
            new RmsProp(0.1f) { GlobalClipNorm = 1f },
        })
        {
            var g = new float[20];
            g.AsSpan().Fill(0.5f);
            g[13] = bad;
            var p = new float[20];
            optimizer.Step(p, g);
            Assert.False(float.IsFinite(p[13]), $"{optimizer}: a {bad} gradient gave the finite parameter {p[13]}.");
            // The finite gradients were not scaled by a NaN or infinite norm either (to 0 or NaN): they moved unclipped.
            if (optimizer is Sgd)
            {
                Assert.Equal(-0.05f, p[0]);
            }
        }
    }

    [Fact]
    public void Clipping_settings_are_validated()
    {
        var adam = new Adam();
        Assert.Equal("ClipValue", Assert.Throws<ArgumentOutOfRangeException>(() => adam.ClipValue = 0f).ParamName);
        Assert.Equal("ClipValue", Assert.Throws<ArgumentOutOfRangeException>(() => adam.ClipValue = -1f).ParamName);
        Assert.Equal("ClipValue", Assert.Throws<ArgumentOutOfRangeException>(() => adam.ClipValue = float.NaN).ParamName);
        Assert.Equal("GlobalClipNorm", Assert.Throws<ArgumentOutOfRangeException>(() => adam.GlobalClipNorm = float.PositiveInfinity).ParamName);
        Assert.Contains("greater than 0", Assert.Throws<ArgumentOutOfRangeException>(() => adam.GlobalClipNorm = 0f).Message);
        adam.ClipValue = 2f;
        adam.ClipValue = null;
        Assert.Null(adam.ClipValue);
    }

    [Fact]
    public void Clipped_steps_allocate_nothing_after_the_first()
    {
        var adam = new Adam { ClipValue = 0.1f, GlobalClipNorm = 1f };
        var p = new float[1000];
        var g = new float[1000];
        g.AsSpan().Fill(0.5f);
        Assert.Equal(0, Allocation.InLastWindow(iterations =>
        {
            for (int i = 0; i < iterations; i++)
            {
                adam.Step(p, g);
            }
        }));
    }

    [Fact]
    public void Reset_forgets_the_clipping_scratch_so_another_size_works()
    {
        var sgd = new Sgd(1f) { GlobalClipNorm = 1f };
        sgd.Step(new float[4], new float[] { 1, 1, 1, 1 });
        sgd.Reset();
        float[] p = new float[2];
        sgd.Step(p, new[] { 3f, 4f });
        Assert.Equal(-0.6f, p[0], 6);
    }

    [Fact]
    public void ToString_shows_clipping_only_when_set()
    {
        Assert.DoesNotContain("clip", new Adam().ToString());
        Assert.EndsWith(", clipValue: 0.5, globalClipNorm: 1)", new Adam { ClipValue = 0.5f, GlobalClipNorm = 1f }.ToString());
    }
}
