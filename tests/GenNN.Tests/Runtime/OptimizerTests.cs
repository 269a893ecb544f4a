using GenNN;

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

    public static TheoryData<string> AllOptimizers => new() { "sgd", "momentum", "nesterov", "adam" };

    private static Optimizer Create(string name) => name switch
    {
        "sgd" => new Sgd(0.1f),
        "momentum" => new Sgd(0.05f, momentum: 0.9f),
        "nesterov" => new Sgd(0.05f, momentum: 0.9f, nesterov: true),
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
        optimizer.Step(p, g);
        optimizer.Step(p, g);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            optimizer.Step(p, g);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
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
        Assert.Equal("Sgd(learningRate: 0.1, momentum: 0.9, nesterov: true)", new Sgd(0.1f, 0.9f, true).ToString());
        Assert.Equal("Adam(learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1E-08)", new Adam().ToString());
    }
}
