using System.Buffers.Binary;
using GenNN.Serialization;
using static GenNN.Tests.Serialization.SafeTensorsTestFiles;

namespace GenNN.Tests.Serialization;

public sealed class SafeTensorsWriteTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("gen-nn-st-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void StreamRoundTripIsBitExact()
    {
        ModelLayout layout = Small();
        float[] parameters = Values(layout.ParameterCount);
        parameters[0] = -0f;
        parameters[5] = float.Epsilon;
        parameters[12] = float.MaxValue;
        parameters[22] = BitConverter.Int32BitsToSingle(0x7FC01234); // a NaN with a payload

        AssertBitwiseEqual(parameters, Read(Write(layout, parameters), layout));
    }

    [Fact]
    public void FileRoundTripIsBitExact()
    {
        ModelLayout layout = Dense("Input(5) -> Dense(7, Tanh) -> Dense(1, Sigmoid)", Loss.BinaryCrossEntropy, 5, 7, 1);
        float[] parameters = Values(layout.ParameterCount, seed: 3);
        string path = Path.Combine(_directory, "model.safetensors");

        SafeTensors.WriteFile(path, layout, parameters);
        var loaded = new float[layout.ParameterCount];
        SafeTensors.ReadFile(path, layout, loaded);

        AssertBitwiseEqual(parameters, loaded);
        Assert.Equal(Write(layout, parameters), File.ReadAllBytes(path));
        Assert.Equal(new[] { "model.safetensors" }, Directory.GetFiles(_directory).Select(Path.GetFileName));
    }

    [Fact]
    public void WeightsAreStoredOutMajorInTheFile()
    {
        ModelLayout layout = Small();
        float[] parameters = Values(layout.ParameterCount);
        // In the buffer, input 1 -> unit 2 of layer 0 lives at w[i * units + o] = w[1 * 3 + 2].
        parameters[1 * 3 + 2] = 42.5f;

        Parsed file = Parse(Write(layout, parameters));

        RawTensor w0 = file.Tensors.Single(t => t.Name == "layers.0.weight");
        Assert.Equal(new long[] { 3, 4 }, w0.Shape);
        Assert.Equal(42.5f, FileElement(file.Data, w0, o: 2, i: 1));
        // Row-major [out, in]: element (o = 2, i = 1) is the 2 * 4 + 1 = 9th float of the tensor.
        Assert.Equal(42.5f, BinaryPrimitives.ReadSingleLittleEndian(file.Data.AsSpan((int)w0.Begin + 9 * 4)));

        foreach (TensorLayout tensor in layout.Tensors)
        {
            RawTensor entry = file.Tensors.Single(t => t.Name == tensor.Name);
            float[] stored = Enumerable.Range(0, tensor.Length)
                .Select(k => BinaryPrimitives.ReadSingleLittleEndian(file.Data.AsSpan((int)entry.Begin + k * 4)))
                .ToArray();
            Assert.Equal(FileOrder(tensor, parameters).ToArray(), stored);
        }
    }

    [Fact]
    public void FileIsWellFormedSafetensors()
    {
        ModelLayout layout = Small();
        float[] parameters = Values(layout.ParameterCount);
        byte[] bytes = Write(layout, parameters);

        Parsed file = Parse(bytes);

        // The data starts 8-byte aligned; the header is padded with spaces only.
        Assert.Equal(0, (8 + file.HeaderLength) % 8);
        Assert.StartsWith("{", file.HeaderText);
        Assert.Equal(file.HeaderText.TrimEnd(' ').Length, file.HeaderText.LastIndexOf('}') + 1);
        Assert.True(file.HeaderText.Length - file.HeaderText.TrimEnd(' ').Length < 8);
        Assert.DoesNotContain("\\u", file.HeaderText);

        // One entry per tensor, in layout order, F32, [out, in], tiling the data section exactly.
        Assert.Equal(layout.Tensors.Select(t => t.Name), file.Tensors.Select(t => t.Name));
        long next = 0;
        foreach (RawTensor entry in file.Tensors)
        {
            TensorLayout tensor = layout.Tensors.Single(t => t.Name == entry.Name);
            Assert.Equal("F32", entry.DType);
            Assert.Equal(tensor.Shape.Select(d => (long)d), entry.Shape);
            Assert.Equal(next, entry.Begin);
            Assert.Equal(tensor.Length * 4L, entry.End - entry.Begin);
            next = entry.End;
        }

        Assert.Equal(next, file.Data.Length);
        Assert.Equal(layout.ParameterCount * 4, file.Data.Length);

        Assert.NotNull(file.Metadata);
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["format"] = "gen-nn",
                ["format_version"] = "1",
                ["topology"] = Topology,
                ["loss"] = "SoftmaxCrossEntropy",
                ["parameter_count"] = "23",
                ["sha256"] = Sha256Hex(file.Data),
            },
            file.Metadata);
        Assert.StartsWith("{\"__metadata__\":{\"format\":\"gen-nn\",\"format_version\":\"1\",\"topology\":\"Input(4) -> Dense(3, ReLU)", file.HeaderText);
    }

    [Fact]
    public void OutputIsDeterministic()
    {
        ModelLayout layout = Small();
        float[] parameters = Values(layout.ParameterCount);
        Assert.Equal(Write(layout, parameters), Write(layout, parameters));
    }

    [Fact]
    public void WriteLeavesTheStreamAtTheEndOfTheFile()
    {
        ModelLayout layout = Small();
        float[] parameters = Values(layout.ParameterCount);
        using var stream = new MemoryStream();
        stream.Write(new byte[] { 1, 2, 3 });

        SafeTensors.Write(stream, layout, parameters);

        Assert.Equal(stream.Length, stream.Position);
        Assert.Equal(Write(layout, parameters), stream.ToArray().AsSpan(3).ToArray());
    }

    [Fact]
    public void WrongParameterLengthOnWriteThrowsNamingParameterCount()
    {
        ModelLayout layout = Small();
        using var stream = new MemoryStream();

        var e = Assert.Throws<ArgumentException>(() => SafeTensors.Write(stream, layout, new float[22]));

        Assert.Equal("parameters", e.ParamName);
        Assert.Contains("ParameterCount = 23", e.Message);
        Assert.Contains("22", e.Message);
        Assert.Equal(0, stream.Length);
    }

    [Fact]
    public void WrongParameterLengthOnReadThrowsNamingParameterCount()
    {
        ModelLayout layout = Small();
        var stream = new MemoryStream(Write(layout, Values(layout.ParameterCount)));

        var e = Assert.Throws<ArgumentException>(() => SafeTensors.Read(stream, layout, new float[24]));

        Assert.Equal("parameters", e.ParamName);
        Assert.Contains("ParameterCount = 23", e.Message);
        Assert.Contains("24", e.Message);
        Assert.Equal(0, stream.Position);

        e = Assert.Throws<ArgumentException>(() => SafeTensors.ReadFile(Path.Combine(_directory, "absent"), layout, new float[1]));
        Assert.Contains("ParameterCount = 23", e.Message);
    }

    [Fact]
    public void NullArgumentsThrow()
    {
        ModelLayout layout = Small();
        var parameters = new float[layout.ParameterCount];
        Assert.Throws<ArgumentNullException>(() => SafeTensors.Write(null!, layout, parameters));
        Assert.Throws<ArgumentNullException>(() => SafeTensors.Write(new MemoryStream(), null!, parameters));
        Assert.Throws<ArgumentNullException>(() => SafeTensors.Read(null!, layout, parameters));
        Assert.Throws<ArgumentNullException>(() => SafeTensors.WriteFile(null!, layout, parameters));
        Assert.Throws<ArgumentException>(() => SafeTensors.ReadFile("", layout, parameters));
    }

    public static TheoryData<string, ModelLayout> InconsistentLayouts() => new()
    {
        {
            "overlap",
            new ModelLayout("t", Loss.MeanSquaredError, 6, new[]
            {
                new TensorLayout("a", 0, new[] { 2, 2 }, true),
                new TensorLayout("b", 3, new[] { 3 }, false),
            })
        },
        {
            "belong to no tensor",
            new ModelLayout("t", Loss.MeanSquaredError, 8, new[]
            {
                new TensorLayout("a", 0, new[] { 2, 2 }, true),
                new TensorLayout("b", 4, new[] { 3 }, false),
            })
        },
        {
            "expected a range inside [0, ParameterCount = 6)",
            new ModelLayout("t", Loss.MeanSquaredError, 6, new[]
            {
                new TensorLayout("a", 0, new[] { 2, 2 }, true),
                new TensorLayout("b", 4, new[] { 3 }, false),
            })
        },
        {
            "expected a 2-D shape",
            new ModelLayout("t", Loss.MeanSquaredError, 3, new[] { new TensorLayout("a", 0, new[] { 3 }, true) })
        },
        {
            "used twice",
            new ModelLayout("t", Loss.MeanSquaredError, 2, new[]
            {
                new TensorLayout("a", 0, new[] { 1 }, false),
                new TensorLayout("a", 1, new[] { 1 }, false),
            })
        },
        {
            "each >= 1",
            new ModelLayout("t", Loss.MeanSquaredError, 0, new[] { new TensorLayout("a", 0, new[] { 0, 3 }, false) })
        },
    };

    [Theory]
    [MemberData(nameof(InconsistentLayouts))]
    public void InconsistentLayoutIsRejected(string expected, ModelLayout layout)
    {
        var parameters = new float[layout.ParameterCount];

        var e = Assert.Throws<ArgumentException>(() => SafeTensors.Write(new MemoryStream(), layout, parameters));
        Assert.Contains(expected, e.Message);
        Assert.Equal("layout", e.ParamName);

        e = Assert.Throws<ArgumentException>(() => SafeTensors.Read(new MemoryStream(), layout, parameters));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void The_checksum_is_the_SHA_256_of_the_data_at_every_length_mod_64_and_for_a_large_layer()
    {
        // gen-nn hashes in managed code (no OpenSSL, so a Native AOT binary on a minimal image can save and load); the
        // reference here is .NET's SHA256. One to three blocks cover every 4-byte length modulo 64 (the padding's edge
        // cases are 52, 56 and 60), and 784 x 256 covers many blocks.
        foreach (int inputs in Enumerable.Range(1, 48).Append(784 * 256 - 1))
        {
            ModelLayout layout = Dense("Input(" + inputs + ") -> Dense(1)", Loss.MeanSquaredError, inputs, 1);
            Parsed file = Parse(Write(layout, Values(layout.ParameterCount, seed: inputs)));
            Assert.Equal((inputs + 1) * 4, file.Data.Length);
            Assert.Equal(Sha256Hex(file.Data), file.Metadata!["sha256"]);
        }
    }
}
