using System.Text.Json;
using GenNN;

namespace GenNN.Tests.Runtime;

/// <summary>
/// Every optimizer against PyTorch's own trajectories: Data/make_optimizer_golden.py runs torch.optim on fixed
/// gradients and writes the parameters after every step to Data/optimizer_golden.json.
/// </summary>
public class OptimizerGoldenTests
{
    private static readonly Lazy<JsonDocument> Golden = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Data", "optimizer_golden.json"))));

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (JsonElement c in Golden.Value.RootElement.GetProperty("cases").EnumerateArray())
        {
            data.Add(c.GetProperty("name").GetString()!);
        }

        return data;
    }

    private static JsonElement Case(string name)
        => Golden.Value.RootElement.GetProperty("cases").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);

    private static float[] Floats(JsonElement array) => array.EnumerateArray().Select(e => e.GetSingle()).ToArray();

    /// <summary>Builds the gen-nn optimizer the case names, with its options as constructor arguments (defaults for the rest).</summary>
    internal static Optimizer Create(string optimizer, JsonElement options)
    {
        float F(string key, float fallback) => options.TryGetProperty(key, out JsonElement e) ? e.GetSingle() : fallback;
        bool B(string key) => options.TryGetProperty(key, out JsonElement e) && e.GetBoolean();
        Optimizer created = optimizer switch
        {
            "Sgd" => new Sgd(F("learningRate", 0.01f), F("momentum", 0f), B("nesterov"), F("weightDecay", 0f)),
            "Adam" => new Adam(F("learningRate", 1e-3f), F("beta1", 0.9f), F("beta2", 0.999f), F("epsilon", 1e-8f)),
            "AdamW" => new AdamW(F("learningRate", 1e-3f), F("weightDecay", 1e-2f), F("beta1", 0.9f), F("beta2", 0.999f), F("epsilon", 1e-8f)),
            "RmsProp" => new RmsProp(F("learningRate", 1e-2f), F("alpha", 0.99f), F("epsilon", 1e-8f), F("momentum", 0f), B("centered")),
            "Adagrad" => new Adagrad(F("learningRate", 1e-2f), F("learningRateDecay", 0f), F("initialAccumulatorValue", 0f), F("epsilon", 1e-10f)),
            "Nadam" => new Nadam(F("learningRate", 2e-3f), F("beta1", 0.9f), F("beta2", 0.999f), F("epsilon", 1e-8f), F("momentumDecay", 4e-3f)),
            _ => throw new ArgumentException($"Unknown optimizer {optimizer}."),
        };
        if (options.TryGetProperty("clipValue", out JsonElement clipValue))
        {
            created.ClipValue = clipValue.GetSingle();
        }

        if (options.TryGetProperty("clipNorm", out JsonElement clipNorm))
        {
            created.GlobalClipNorm = clipNorm.GetSingle();
        }

        return created;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Optimizer_follows_PyTorchs_trajectory(string name)
    {
        JsonElement c = Case(name);
        Optimizer optimizer = Create(c.GetProperty("optimizer").GetString()!, c.GetProperty("options"));
        float[] parameters = Floats(c.GetProperty("initial"));
        float[][] gradients = c.GetProperty("gradients").EnumerateArray().Select(Floats).ToArray();
        float[][] expected = c.GetProperty("parameters").EnumerateArray().Select(Floats).ToArray();
        Assert.Equal(expected.Length, gradients.Length);

        for (int step = 0; step < gradients.Length; step++)
        {
            float[] g = (float[])gradients[step].Clone();
            optimizer.Step(parameters, g);
            Assert.Equal(gradients[step], g); // clipping works on a copy
            for (int i = 0; i < parameters.Length; i++)
            {
                // float32 on both sides, operations in a different order: a few ulps, compounding over the steps.
                double tolerance = 1e-6 + 2e-5 * Math.Abs(expected[step][i]);
                Assert.True(Math.Abs(expected[step][i] - parameters[i]) <= tolerance,
                    $"{name}, step {step + 1}, parameter {i}: PyTorch {expected[step][i]:R}, gen-nn {parameters[i]:R}.");
            }
        }
    }

    [Fact]
    public void The_golden_file_covers_every_optimizer_and_both_clippings()
    {
        string[] optimizers = Golden.Value.RootElement.GetProperty("cases").EnumerateArray()
            .Select(c => c.GetProperty("optimizer").GetString()!).Distinct().ToArray();
        Assert.Equal(new[] { "Adagrad", "Adam", "AdamW", "Nadam", "RmsProp", "Sgd" }, optimizers.Order().ToArray());
        JsonElement[] cases = Golden.Value.RootElement.GetProperty("cases").EnumerateArray().ToArray();
        Assert.Contains(cases, c => c.GetProperty("options").TryGetProperty("clipValue", out _));
        Assert.Contains(cases, c => c.GetProperty("options").TryGetProperty("clipNorm", out _));
    }
}
