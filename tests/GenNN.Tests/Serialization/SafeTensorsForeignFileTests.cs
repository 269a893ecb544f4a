using System.Text.Json;
using GenNN.Serialization;
using static GenNN.Tests.Serialization.SafeTensorsTestFiles;

namespace GenNN.Tests.Serialization;

/// <summary>Files gen-nn did not write: PyTorch's <c>safetensors.torch.save_file(model.state_dict(), path)</c>.</summary>
public sealed class SafeTensorsForeignFileTests
{
    private const string TorchTopology = "Input(4) -> Dense(5, ReLU) -> Dense(3, Softmax)";

    private static string DataPath(string name) => Path.Combine(AppContext.BaseDirectory, "Data", name);

    [Fact]
    public void TorchStyleFileWithoutMetadataLoads()
    {
        ModelLayout layout = Small();
        float[] parameters = Values(layout.ParameterCount);
        byte[] file = TorchStyle(layout, parameters);

        // The premise: no metadata, and header and data in alphabetical order, unlike gen-nn's layer order.
        Parsed parsed = Parse(file);
        Assert.Null(parsed.Metadata);
        Assert.Equal(new[] { "layers.0.bias", "layers.0.weight", "layers.1.bias", "layers.1.weight" }, parsed.Tensors.Select(t => t.Name));
        Assert.Equal(0, parsed.Tensors[0].Begin);

        AssertBitwiseEqual(parameters, Read(file, layout));
    }

    [Fact]
    public void TorchStyleFileWithManyLayersLoadsDespiteLexicalOrder()
    {
        // layers.10 sorts before layers.2 in PyTorch's file; only data_offsets tell where each tensor is.
        int[] sizes = { 3, 4, 2, 5, 3, 2, 4, 3, 2, 3, 4, 2, 3 };
        ModelLayout layout = Dense("deep", Loss.MeanSquaredError, sizes);
        float[] parameters = Values(layout.ParameterCount, seed: 11);
        byte[] file = TorchStyle(layout, parameters);

        Assert.Equal("layers.10.bias", Parse(file).Tensors[4].Name);
        AssertBitwiseEqual(parameters, Read(file, layout));
    }

    [Fact]
    public void TransformersStyleFormatPtMetadataLoads()
    {
        ModelLayout layout = Small();
        float[] parameters = Values(layout.ParameterCount);
        byte[] file = TorchStyle(layout, parameters, new Dictionary<string, string> { ["format"] = "pt" });

        AssertBitwiseEqual(parameters, Read(file, layout));
    }

    [Fact]
    public void ForeignFileIsStillCheckedForShapes()
    {
        ModelLayout layout = Small();
        ModelLayout wider = Dense(Topology, Loss.SoftmaxCrossEntropy, 4, 5, 2);
        byte[] file = TorchStyle(wider, Values(wider.ParameterCount));

        var e = Assert.Throws<InvalidDataException>(() => Read(file, layout));

        Assert.Contains("Tensor 'layers.0.weight' has shape [5, 4]; expected [3, 4]", e.Message);
    }

    [Fact]
    public void ReferenceSerializerBytesLoad()
    {
        // The byte-exact output of the reference Rust serializer for one F32 tensor "attn0" of shape [1, 1, 2, 3]
        // holding 0..5 (from its test suite): 72-byte header including 7 spaces of padding.
        byte[] file =
        {
            72, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 48, 34, 58, 123, 34, 100, 116,
            121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34, 58,
            91, 49, 44, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102,
            115, 101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 32, 32, 32, 32, 32,
            32, 32, 0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0,
            160, 64,
        };
        var layout = new ModelLayout("t", Loss.MeanSquaredError, 6, new[] { new TensorLayout("attn0", 0, new[] { 1, 1, 2, 3 }, false) });

        Assert.Equal(new[] { 0f, 1, 2, 3, 4, 5 }, Read(file, layout));

        // The test helper's writer produces the same bytes, so the torch-style files above have the real format.
        var entry = new RawTensor("attn0", "F32", new long[] { 1, 1, 2, 3 }, 0, 24);
        Assert.Equal(file, Build(new[] { entry }, file.AsSpan(80).ToArray()));
    }

    [Theory]
    [InlineData("torch_mlp.safetensors", false)]
    [InlineData("torch_mlp_pt_metadata.safetensors", true)]
    public void PyTorchGoldenFileLoadsWithTheRightValues(string name, bool hasMetadata)
    {
        using JsonDocument golden = JsonDocument.Parse(File.ReadAllText(DataPath("torch_mlp.json")));
        Assert.Equal(TorchTopology, golden.RootElement.GetProperty("topology").GetString());
        ModelLayout layout = Dense(TorchTopology, Loss.SoftmaxCrossEntropy, 4, 5, 3);
        byte[] file = File.ReadAllBytes(DataPath(name));
        Assert.Equal(hasMetadata, Parse(file).Metadata is not null);

        float[] loaded = Read(file, layout);

        JsonElement tensors = golden.RootElement.GetProperty("tensors");
        Assert.Equal(layout.Tensors.Select(t => t.Name).OrderBy(n => n), tensors.EnumerateObject().Select(p => p.Name).OrderBy(n => n));
        int checkedValues = 0;
        foreach (TensorLayout tensor in layout.Tensors)
        {
            JsonElement values = tensors.GetProperty(tensor.Name).GetProperty("values");
            if (tensor.StoredTransposed)
            {
                int units = tensor.Shape[0];
                int o = 0;
                foreach (JsonElement row in values.EnumerateArray())
                {
                    int i = 0;
                    foreach (JsonElement value in row.EnumerateArray())
                    {
                        // PyTorch's weight[o, i] is gen-nn's w[i * units + o].
                        Assert.Equal((float)value.GetDouble(), loaded[tensor.Offset + i * units + o]);
                        i++;
                        checkedValues++;
                    }

                    o++;
                }
            }
            else
            {
                int k = 0;
                foreach (JsonElement value in values.EnumerateArray())
                {
                    Assert.Equal((float)value.GetDouble(), loaded[tensor.Offset + k++]);
                    checkedValues++;
                }
            }
        }

        Assert.Equal(layout.ParameterCount, checkedValues);
        Assert.DoesNotContain(0f, loaded.Take(20)); // nn.Linear's init gives no exact zeros: the file held real weights
    }

    [Fact]
    public void GenNNFileRoundTripsThroughTheTorchEmulation()
    {
        // Load a PyTorch file, save it with gen-nn, load again: the same values, now with gen-nn's metadata.
        ModelLayout layout = Dense(TorchTopology, Loss.SoftmaxCrossEntropy, 4, 5, 3);
        float[] fromTorch = Read(File.ReadAllBytes(DataPath("torch_mlp.safetensors")), layout);

        byte[] saved = Write(layout, fromTorch);

        Assert.Equal("gen-nn", Parse(saved).Metadata!["format"]);
        AssertBitwiseEqual(fromTorch, Read(saved, layout));
    }
}
