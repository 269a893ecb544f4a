using GenNN;
using GenNN.Tests.Numerics;

namespace GenNN.Tests.Runtime;

public class OptimizerTests
{
    private static float[] RandomVector(Random random, int length, float scale = 1f)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = (float)((random.NextDouble() * 2 - 1) * scale);
        }

        return values;
    }

    private static void AssertClose(ReadOnlySpan<double> expected, ReadOnlySpan<float> actual, double relative = 1e-5, double absolute = 1e-6)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double tolerance = absolute + relative * Math.Abs(expected[i]);
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance,
                $"Element {i}: expected {expected[i]:R}, got {actual[i]:R} (tolerance {tolerance:G3}).");
        }
    }

    [Theory]
    [InlineData(0f, false, 1)]
    [InlineData(0f, false, 37)]
    [InlineData(0.9f, false, 37)]
    [InlineData(0.9f, true, 37)]
    [InlineData(0.5f, true, 64)]
    public void Sgd_matches_a_scalar_reference_over_several_steps(float momentum, bool nesterov, int length)
    {
        var random = new Random(7);
        float[] parameters = RandomVector(random, length);
        double[] reference = parameters.Select(p => (double)p).ToArray();
        double[] velocity = new double[length];
        const float lr = 0.05f;
        var sgd = new Sgd(lr, momentum, nesterov);

        for (int step = 0; step < 6; step++)
        {
            float[] gradients = RandomVector(random, length);
            sgd.Step(parameters, gradients);
            // PyTorch torch.optim.SGD (dampening 0): buf = mu * buf + g; g' = nesterov ? g + mu * buf : buf; p -= lr * g'.
            for (int i = 0; i < length; i++)
            {
                double g = gradients[i];
                if (momentum != 0f)
                {
                    velocity[i] = momentum * velocity[i] + g;
                    g = nesterov ? g + momentum * velocity[i] : velocity[i];
                }

                reference[i] -= lr * g;
            }

            AssertClose(reference, parameters);
        }

        Assert.Equal(6, sgd.Iterations);
        Assert.Equal(length, sgd.ParameterCount);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(37)]
    [InlineData(100)]
    public void Adam_matches_a_scalar_reference_over_several_steps(int length)
    {
        var random = new Random(11);
        float[] parameters = RandomVector(random, length);
        double[] reference = parameters.Select(p => (double)p).ToArray();
        double[] m = new double[length], v = new double[length];
        const double lr = 0.01, b1 = 0.8, b2 = 0.99, eps = 1e-6;
        var adam = new Adam((float)lr, (float)b1, (float)b2, (float)eps);

        for (int t = 1; t <= 8; t++)
        {
            // Vary the gradient scale so the epsilon and bias-correction terms matter.
            float[] gradients = RandomVector(random, length, scale: t % 3 == 0 ? 1e-3f : 2f);
            adam.Step(parameters, gradients);
            // PyTorch torch.optim.Adam: step = lr / (1 - b1^t); denom = sqrt(v) / sqrt(1 - b2^t) + eps.
            for (int i = 0; i < length; i++)
            {
                double g = gradients[i];
                m[i] = b1 * m[i] + (1 - b1) * g;
                v[i] = b2 * v[i] + (1 - b2) * g * g;
                double denom = Math.Sqrt(v[i]) / Math.Sqrt(1 - Math.Pow(b2, t)) + eps;
                reference[i] -= lr / (1 - Math.Pow(b1, t)) * m[i] / denom;
            }

            AssertClose(reference, parameters);
        }
    }

    [Theory]
    [InlineData(8)]
    [InlineData(37)]
    [InlineData(1003)]
    public void Adam_vector_loops_give_the_float_formulas_bits_below_AVX_512(int length)
    {
        if (System.Runtime.Intrinsics.X86.Avx512F.IsSupported && System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated)
        {
            return; // the AVX-512 loop refines a reciprocal estimate instead of dividing: the test above bounds it
        }

        // The AVX2, Vector<T> and scalar loops all compute, in float and in this order, what this reference does; none
        // fuses a multiply-add, so each step gives these bits exactly, tails and vector bodies alike.
        var random = new Random(5);
        float[] parameters = RandomVector(random, length), expected = (float[])parameters.Clone();
        float[] m = new float[length], v = new float[length];
        const float lr = 0.01f, b1 = 0.8f, b2 = 0.99f, eps = 1e-6f;
        var adam = new Adam(lr, b1, b2, eps);
        for (int t = 1; t <= 6; t++)
        {
            float[] gradients = RandomVector(random, length, scale: t % 3 == 0 ? 1e-3f : 2f);
            adam.Step(parameters, gradients);
            float stepSize = (float)(lr / (1.0 - Math.Pow(b1, t)));
            float invSqrtBc2 = (float)(1.0 / Math.Sqrt(1.0 - Math.Pow(b2, t)));
            for (int i = 0; i < length; i++)
            {
                float g = gradients[i];
                m[i] = b1 * m[i] + (1f - b1) * g;
                v[i] = b2 * v[i] + (1f - b2) * (g * g);
                expected[i] = expected[i] * 1f - stepSize * m[i] / (MathF.Sqrt(v[i]) * invSqrtBc2 + eps);
            }

            Assert.Equal(expected, parameters);
        }
    }

    [Fact]
    public void Adam_first_step_moves_each_parameter_by_about_the_learning_rate()
    {
        // With bias correction the first update is lr * g / (|g| + eps') = lr * sign(g).
        float[] parameters = { 1f, 1f, 1f };
        new Adam(0.1f).Step(parameters, new[] { 5f, -0.5f, 1e-3f });
        Assert.Equal(0.9f, parameters[0], 5);
        Assert.Equal(1.1f, parameters[1], 5);
        Assert.Equal(0.9f, parameters[2], 4);
    }

    public static TheoryData<string> AllOptimizers => new()
    {
        "sgd", "momentum", "nesterov", "sgd-decay", "adam", "adamw", "rmsprop", "rmsprop-centered-momentum", "adagrad", "nadam",
    };

    internal static Optimizer Create(string name) => name switch
    {
        "sgd" => new Sgd(0.1f),
        "momentum" => new Sgd(0.05f, momentum: 0.9f),
        "nesterov" => new Sgd(0.05f, momentum: 0.9f, nesterov: true),
        // A small decay moves the minimum of the quadratic below by less than the tolerance.
        "sgd-decay" => new Sgd(0.05f, momentum: 0.9f, weightDecay: 1e-4f),
        "adamw" => new AdamW(0.1f, weightDecay: 1e-4f),
        "rmsprop" => new RmsProp(0.01f),
        "rmsprop-centered-momentum" => new RmsProp(0.01f, momentum: 0.5f, centered: true),
        "adagrad" => new Adagrad(0.5f),
        "nadam" => new Nadam(0.1f),
        _ => new Adam(0.1f),
    };

    [Theory]
    [MemberData(nameof(AllOptimizers))]
    public void Optimizers_minimise_a_quadratic(string name)
    {
        // f(p) = sum a_i (p_i - c_i)^2, gradient 2 a_i (p_i - c_i); minimum at c.
        float[] a = { 1f, 2f, 0.5f, 3f, 1.5f, 1f, 2.5f, 0.75f, 1.25f };
        float[] c = { 3f, -2f, 0.5f, 1f, -1f, 4f, -3f, 2f, 0f };
        var p = new float[a.Length];
        var g = new float[a.Length];
        Optimizer optimizer = Create(name);
        for (int step = 0; step < 1000; step++)
        {
            for (int i = 0; i < p.Length; i++)
            {
                g[i] = 2f * a[i] * (p[i] - c[i]);
            }

            optimizer.Step(p, g);
        }

        for (int i = 0; i < p.Length; i++)
        {
            Assert.True(Math.Abs(p[i] - c[i]) < 1e-2, $"{name}: p[{i}] = {p[i]}, expected {c[i]}.");
        }
    }

    [Theory]
    [MemberData(nameof(AllOptimizers))]
    public void Step_allocates_nothing_after_the_first(string name)
    {
        Optimizer optimizer = Create(name);
        var p = new float[1000];
        var g = new float[1000];
        g.AsSpan().Fill(0.5f);
        Assert.Equal(0, Allocation.InLastWindow(iterations =>
        {
            for (int i = 0; i < iterations; i++)
            {
                optimizer.Step(p, g);
            }
        }));
    }

    [Fact]
    public void Learning_rate_can_change_between_steps()
    {
        var sgd = new Sgd(1f);
        float[] p = { 0f };
        sgd.Step(p, new[] { 1f });
        sgd.LearningRate = 0.5f;
        sgd.Step(p, new[] { 1f });
        Assert.Equal(-1.5f, p[0]);
        Assert.Throws<ArgumentOutOfRangeException>(() => sgd.LearningRate = -1f);
        Assert.Throws<ArgumentOutOfRangeException>(() => sgd.LearningRate = float.NaN);
    }

    [Fact]
    public void A_changed_parameter_count_is_rejected_until_Reset()
    {
        var adam = new Adam();
        adam.Step(new float[10], new float[10]);
        var ex = Assert.Throws<ArgumentException>(() => adam.Step(new float[12], new float[12]));
        Assert.Contains("10", ex.Message);
        Assert.Contains("12", ex.Message);
        adam.Reset();
        Assert.Equal(0, adam.Iterations);
        adam.Step(new float[12], new float[12]);
        Assert.Equal(12, adam.ParameterCount);
    }

    [Fact]
    public void Mismatched_gradient_length_is_rejected()
    {
        var ex = Assert.Throws<ArgumentException>(() => new Sgd().Step(new float[4], new float[3]));
        Assert.Contains("4", ex.Message);
        Assert.Contains("3", ex.Message);
    }

    [Fact]
    public void Reset_restarts_Adam_bias_correction()
    {
        var adam = new Adam(0.1f);
        float[] p = { 0f };
        adam.Step(p, new[] { 1f });
        adam.Step(p, new[] { 1f });
        adam.Reset();
        float[] q = { 0f };
        adam.Step(q, new[] { 1f });
        Assert.Equal(-0.1f, q[0], 5);
    }

    [Theory]
    [InlineData("learningRate", -0.1f, 0.9f, 0.999f, 1e-8f)]
    [InlineData("learningRate", float.PositiveInfinity, 0.9f, 0.999f, 1e-8f)]
    [InlineData("beta1", 1e-3f, 1f, 0.999f, 1e-8f)]
    [InlineData("beta1", 1e-3f, -0.1f, 0.999f, 1e-8f)]
    [InlineData("beta2", 1e-3f, 0.9f, 1f, 1e-8f)]
    [InlineData("beta2", 1e-3f, 0.9f, float.NaN, 1e-8f)]
    [InlineData("epsilon", 1e-3f, 0.9f, 0.999f, -1e-8f)]
    [InlineData("epsilon", 1e-3f, 0.9f, 0.999f, float.PositiveInfinity)]
    [InlineData("epsilon", 1e-3f, 0.9f, 0.999f, 0f)]
    [InlineData("epsilon", 1e-3f, 0.9f, 0.999f, float.NaN)]
    [InlineData("learningRate", float.NaN, 0.9f, 0.999f, 1e-8f)]
    [InlineData("beta1", 1e-3f, float.NaN, 0.999f, 1e-8f)]
    [InlineData("beta1", 1e-3f, float.NegativeInfinity, 0.999f, 1e-8f)]
    [InlineData("beta2", 1e-3f, 0.9f, float.PositiveInfinity, 1e-8f)]
    public void Adam_rejects_out_of_range_hyperparameters(string param, float lr, float b1, float b2, float eps)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(lr, b1, b2, eps));
        Assert.Equal(param, ex.ParamName);
        Assert.Contains("Expected", ex.Message);
    }

    [Fact]
    public void Adam_epsilon_must_be_greater_than_0_and_the_message_says_so()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(epsilon: 0f));
        Assert.Equal("epsilon", ex.ParamName);
        Assert.Contains("greater than 0", ex.Message);
        Assert.Contains("(0, ", ex.Message);
        Assert.Equal(1e-30f, new Adam(epsilon: 1e-30f).Epsilon);
    }

    [Fact]
    public void Sgd_rejects_out_of_range_hyperparameters()
    {
        Assert.Equal("momentum", Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(0.1f, momentum: 1f)).ParamName);
        Assert.Equal("momentum", Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(0.1f, momentum: -0.5f)).ParamName);
        Assert.Equal("learningRate", Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(-1f)).ParamName);
        var ex = Assert.Throws<ArgumentException>(() => new Sgd(0.1f, nesterov: true));
        Assert.Equal("nesterov", ex.ParamName);
        Assert.Contains("momentum", ex.Message);
        Assert.Contains("[0, 1)", Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(0.1f, momentum: 2f)).Message);
        Assert.Equal("momentum", Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(0.1f, momentum: float.NaN)).ParamName);
        Assert.Equal("momentum", Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(0.1f, momentum: float.PositiveInfinity)).ParamName);
        Assert.Equal("learningRate", Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(float.NaN)).ParamName);
        Assert.Equal("learningRate", Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(float.NegativeInfinity)).ParamName);
        Assert.Equal("value", Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd().LearningRate = float.PositiveInfinity).ParamName);
    }

    [Fact]
    public void ToString_names_the_hyperparameters()
    {
        Assert.Equal("Sgd(learningRate: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0)", new Sgd(0.1f, 0.9f, true).ToString());
        Assert.Equal("AdamW(learningRate: 0.001, weightDecay: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1E-08)", new AdamW().ToString());
        Assert.Equal("RmsProp(learningRate: 0.01, alpha: 0.99, epsilon: 1E-08, momentum: 0, centered: false)", new RmsProp().ToString());
        Assert.Equal("Adagrad(learningRate: 0.01, learningRateDecay: 0, initialAccumulatorValue: 0, epsilon: 1E-10)", new Adagrad().ToString());
        Assert.Equal("Nadam(learningRate: 0.002, beta1: 0.9, beta2: 0.999, epsilon: 1E-08, momentumDecay: 0.004)", new Nadam().ToString());
        Assert.Equal("Adam(learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1E-08)", new Adam().ToString());
    }

    [Fact]
    public void New_optimizers_reject_out_of_range_hyperparameters()
    {
        void Throws(string param, Func<Optimizer> create)
        {
            var ex = Assert.Throws<ArgumentOutOfRangeException>(() => create());
            Assert.Equal(param, ex.ParamName);
            Assert.Contains("Expected", ex.Message);
        }

        Throws("weightDecay", () => new Sgd(0.1f, weightDecay: -1e-4f));
        Throws("weightDecay", () => new Sgd(0.1f, weightDecay: float.NaN));
        Throws("weightDecay", () => new AdamW(weightDecay: -0.01f));
        Throws("weightDecay", () => new AdamW(weightDecay: float.PositiveInfinity));
        Throws("beta1", () => new AdamW(beta1: 1f));
        Throws("beta2", () => new AdamW(beta2: float.NaN));
        Throws("epsilon", () => new AdamW(epsilon: 0f));
        Throws("learningRate", () => new AdamW(-1f));
        Throws("alpha", () => new RmsProp(alpha: 1f));
        Throws("alpha", () => new RmsProp(alpha: -0.1f));
        Throws("epsilon", () => new RmsProp(epsilon: 0f));
        Throws("momentum", () => new RmsProp(momentum: 1f));
        Throws("momentum", () => new RmsProp(momentum: float.NaN));
        Throws("learningRate", () => new RmsProp(float.NaN));
        Throws("learningRateDecay", () => new Adagrad(learningRateDecay: -1f));
        Throws("initialAccumulatorValue", () => new Adagrad(initialAccumulatorValue: -0.1f));
        Throws("initialAccumulatorValue", () => new Adagrad(initialAccumulatorValue: float.PositiveInfinity));
        Throws("epsilon", () => new Adagrad(epsilon: float.NaN));
        Throws("beta1", () => new Nadam(beta1: -0.5f));
        Throws("beta2", () => new Nadam(beta2: 1f));
        Throws("epsilon", () => new Nadam(epsilon: -1f));
        Throws("momentumDecay", () => new Nadam(momentumDecay: -4e-3f));
        Throws("momentumDecay", () => new Nadam(momentumDecay: float.NaN));
        Assert.Contains("[0, ", Assert.Throws<ArgumentOutOfRangeException>(() => new Adagrad(learningRateDecay: -1f)).Message);
    }

    public static TheoryData<string> ElementwiseOptimizers => new()
    {
        "sgd-decay", "rmsprop", "rmsprop-centered-momentum", "adagrad", "nadam",
    };

    [Theory]
    [MemberData(nameof(ElementwiseOptimizers))]
    public void Vector_bodies_compute_the_same_bits_as_the_scalar_remainder(string name)
    {
        // Each update is element-wise: 53 parameters in one call (vector blocks + remainder) must match 53 calls of one
        // parameter each (the scalar remainder only), bit for bit.
        var random = new Random(5);
        const int n = 53;
        float[] together = RandomVector(random, n);
        float[] apart = (float[])together.Clone();
        Optimizer whole = Create(name);
        Optimizer[] singles = Enumerable.Range(0, n).Select(_ => Create(name)).ToArray();
        for (int step = 0; step < 5; step++)
        {
            float[] g = RandomVector(random, n, step == 2 ? 1e-4f : 1f);
            whole.Step(together, g);
            for (int i = 0; i < n; i++)
            {
                singles[i].Step(apart.AsSpan(i, 1), g.AsSpan(i, 1));
            }
        }

        Assert.Equal(apart, together);
    }

    [Fact]
    public void Centered_RmsProp_stays_finite_after_many_identical_gradients()
    {
        // s - a^2 = g^2 alpha^t (1 - alpha^t) vanishes and can round below 0; PyTorch would take sqrt of it (NaN).
        var rms = new RmsProp(1e-3f, alpha: 0.5f, centered: true);
        var p = new float[37];
        var g = new float[37];
        g.AsSpan().Fill(0.3f);
        for (int step = 0; step < 200; step++)
        {
            rms.Step(p, g);
        }

        Assert.All(p, x => Assert.True(float.IsFinite(x), $"parameter {x}"));
    }

    [Fact]
    public void Adagrad_learning_rate_decay_and_initial_accumulator_follow_PyTorchs_formula()
    {
        // Step 1: s = 0.5 + 1 = 1.5, p = -1 * 1 / sqrt(1.5). Step 2: clr = 1 / (1 + 0.5), s = 2.5, p -= clr / sqrt(2.5).
        var adagrad = new Adagrad(1f, learningRateDecay: 0.5f, initialAccumulatorValue: 0.5f, epsilon: 1e-10f);
        float[] p = { 0f };
        adagrad.Step(p, new[] { 1f });
        Assert.Equal(-1 / Math.Sqrt(1.5), p[0], 6);
        adagrad.Step(p, new[] { 1f });
        Assert.Equal(-1 / Math.Sqrt(1.5) - 1 / 1.5 / Math.Sqrt(2.5), p[0], 6);
    }

    [Fact]
    public void Nadam_Reset_restarts_the_momentum_product()
    {
        var nadam = new Nadam(0.1f);
        float[] p = { 0f }, q = { 0f };
        nadam.Step(p, new[] { 1f });
        nadam.Step(p, new[] { 1f });
        nadam.Reset();
        nadam.Step(q, new[] { 1f });
        float[] fresh = { 0f };
        new Nadam(0.1f).Step(fresh, new[] { 1f });
        Assert.Equal(fresh[0], q[0]);
    }
}
