using System.Buffers.Binary;
using System.Text;
using GenNN.Serialization;
using static GenNN.Tests.Serialization.SafeTensorsTestFiles;

namespace GenNN.Tests.Serialization;

/// <summary>
/// Non-trainable tensors: a BatchNorm layer's <c>running_mean</c> and <c>running_var</c> (F32, in the state buffer) and
/// <c>num_batches_tracked</c> (I64 of shape <c>[]</c>, in the counter buffer), beside the parameters, as in PyTorch's
/// <c>state_dict</c>.
/// </summary>
public sealed class SafeTensorsStateTests
{
    private const string CounterName = "layers.1.num_batches_tracked";

    /// <summary>
    /// Input(3) -> Dense(4) -> BatchNorm -> Dense(2) -> BatchNorm, as the generator would lay it out: per BatchNorm layer
    /// weight and bias in the parameters, running_mean and running_var in the state, num_batches_tracked in the counters.
    /// </summary>
    private static ModelLayout Layout() => new(
        "Input(3) -> Dense(4) -> BatchNorm -> Dense(2) -> BatchNorm",
        Loss.MeanSquaredError,
        ParameterCount: 38,
        new[]
        {
            new TensorLayout("layers.0.weight", 0, new[] { 4, 3 }, StoredTransposed: true),
            new TensorLayout("layers.0.bias", 12, new[] { 4 }, StoredTransposed: false),
            new TensorLayout("layers.1.weight", 16, new[] { 4 }, StoredTransposed: false),
            new TensorLayout("layers.1.bias", 20, new[] { 4 }, StoredTransposed: false),
            new TensorLayout("layers.1.running_mean", 0, new[] { 4 }, StoredTransposed: false) { Storage = TensorStorage.State },
            new TensorLayout("layers.1.running_var", 4, new[] { 4 }, StoredTransposed: false) { Storage = TensorStorage.State },
            new TensorLayout(CounterName, 0, Array.Empty<int>(), StoredTransposed: false) { Storage = TensorStorage.Counter },
            new TensorLayout("layers.2.weight", 24, new[] { 2, 4 }, StoredTransposed: true),
            new TensorLayout("layers.2.bias", 32, new[] { 2 }, StoredTransposed: false),
            new TensorLayout("layers.3.weight", 34, new[] { 2 }, StoredTransposed: false),
            new TensorLayout("layers.3.bias", 36, new[] { 2 }, StoredTransposed: false),
            new TensorLayout("layers.3.running_mean", 8, new[] { 2 }, StoredTransposed: false) { Storage = TensorStorage.State },
            new TensorLayout("layers.3.running_var", 10, new[] { 2 }, StoredTransposed: false) { Storage = TensorStorage.State },
            new TensorLayout("layers.3.num_batches_tracked", 1, Array.Empty<int>(), StoredTransposed: false) { Storage = TensorStorage.Counter },
        })
    {
        StateSize = 12,
        CounterCount = 2,
        InputSize = 3,
        OutputSize = 2,
    };

    /// <summary>Floats with every bit pattern a random int gives: NaN payloads, subnormals, -0 and infinities included.</summary>
    private static float[] Bits(int count, int seed)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (int k = 0; k < count; k++)
        {
            values[k] = BitConverter.Int32BitsToSingle(random.Next(int.MinValue, int.MaxValue));
        }

        values[0] = -0f;
        values[1] = float.PositiveInfinity;
        values[2] = BitConverter.Int32BitsToSingle(0x7FC0_1234); // a NaN with a payload
        values[3] = float.Epsilon;
        return values;
    }

    private static readonly long[] Counters = { (1L << 40) + 123_457, long.MaxValue };

    private static byte[] WriteState(ModelLayout layout, float[] parameters, float[] state, long[] counters, ModelPreprocessing? preprocessing = null)
    {
        using var stream = new MemoryStream();
        SafeTensors.Write(stream, layout, parameters, state, counters, preprocessing);
        return stream.ToArray();
    }

    private static (float[] Parameters, float[] State, long[] Counters) ReadState(byte[] file, ModelLayout layout)
    {
        var parameters = new float[layout.ParameterCount];
        var state = new float[layout.StateSize];
        var counters = new long[layout.CounterCount];
        SafeTensors.Read(new MemoryStream(file), layout, parameters, state, counters);
        return (parameters, state, counters);
    }

    /// <summary>A valid file of <see cref="Layout"/>, parsed, to be spoiled by each rejection test.</summary>
    private static Parsed Valid() => Parse(WriteState(Layout(), Values(38), Values(12, seed: 3), new long[] { 7, 11 }));

    private static RawTensor With(RawTensor tensor, string? dtype = null, long[]? shape = null) =>
        new(tensor.Name, dtype ?? tensor.DType, shape ?? tensor.Shape, tensor.Begin, tensor.End);

    /// <summary>
    /// Reads <paramref name="file"/> into three buffers of sentinels and checks that the failure left all of them
    /// untouched: reading is all or nothing.
    /// </summary>
    private static InvalidDataException Reject(byte[] file)
    {
        ModelLayout layout = Layout();
        var parameters = Enumerable.Repeat(123.25f, layout.ParameterCount).ToArray();
        var state = Enumerable.Repeat(-5.5f, layout.StateSize).ToArray();
        var counters = Enumerable.Repeat(99L, layout.CounterCount).ToArray();

        var e = Assert.Throws<InvalidDataException>(() => SafeTensors.Read(new MemoryStream(file), layout, parameters, state, counters));

        Assert.All(parameters, v => Assert.Equal(123.25f, v));
        Assert.All(state, v => Assert.Equal(-5.5f, v));
        Assert.All(counters, v => Assert.Equal(99L, v));
        return e;
    }

    [Fact]
    public void ParametersStateAndCountersRoundTripBitExactly()
    {
        ModelLayout layout = Layout();
        float[] parameters = Bits(layout.ParameterCount, seed: 1);
        float[] state = Bits(layout.StateSize, seed: 2);

        var (p, s, c) = ReadState(WriteState(layout, parameters, state, Counters), layout);

        AssertBitwiseEqual(parameters, p);
        AssertBitwiseEqual(state, s);
        Assert.Equal(Counters, c);
    }

    [Fact]
    public void FilesRoundTripAtomicallyWithStateAndPreprocessing()
    {
        ModelLayout layout = Layout();
        float[] parameters = Bits(layout.ParameterCount, seed: 4);
        float[] state = Bits(layout.StateSize, seed: 5);
        var preprocessing = new ModelPreprocessing(
            new Standardizer(new[] { 1f, 2f, 3f }, new[] { 0.5f, 0.25f, 4f }), featureNames: new[] { "a", "b", "c" });
        string directory = Path.Combine(Path.GetTempPath(), "gennn-state-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        try
        {
            string path = Path.Combine(directory, "bn.safetensors");
            SafeTensors.WriteFile(path, layout, parameters, state, Counters, preprocessing);

            var p = new float[layout.ParameterCount];
            var s = new float[layout.StateSize];
            var c = new long[layout.CounterCount];
            ModelPreprocessing? loaded = SafeTensors.ReadFile(path, layout, p, s, c);

            AssertBitwiseEqual(parameters, p);
            AssertBitwiseEqual(state, s);
            Assert.Equal(Counters, c);
            Assert.Equal(new[] { 1f, 2f, 3f }, loaded!.Standardizer!.Mean.ToArray());
            Assert.Equal(new[] { 0.5f, 0.25f, 4f }, loaded.Standardizer.Scale.ToArray());
            Assert.Equal(new[] { "a", "b", "c" }, loaded.FeatureNames);

            // The standardizer follows all of the layout's tensors, counters and state included.
            Parsed parsed = Parse(File.ReadAllBytes(path));
            Assert.Equal(SafeTensors.StandardizerMeanName, parsed.Tensors[^2].Name);
            Assert.Equal(16 + 50 * 4, parsed.Tensors[^2].Begin);
            Assert.Equal(Path.GetFileName(path), Assert.Single(Directory.GetFileSystemEntries(directory).Select(Path.GetFileName)));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void HeaderOfOneBatchNormLayerIsExact()
    {
        var layout = new ModelLayout("BatchNorm(2)", Loss.MeanSquaredError, 4, new[]
        {
            new TensorLayout("layers.0.weight", 0, new[] { 2 }, false),
            new TensorLayout("layers.0.bias", 2, new[] { 2 }, false),
            new TensorLayout("layers.0.running_mean", 0, new[] { 2 }, false) { Storage = TensorStorage.State },
            new TensorLayout("layers.0.running_var", 2, new[] { 2 }, false) { Storage = TensorStorage.State },
            new TensorLayout("layers.0.num_batches_tracked", 0, Array.Empty<int>(), false) { Storage = TensorStorage.Counter },
        })
        { StateSize = 4, CounterCount = 1 };

        byte[] file = WriteState(layout, new[] { 1f, 2f, 3f, 4f }, new[] { 5f, 6f, 7f, 8f }, new[] { (1L << 40) + 5 });

        // The data section: the I64 first (as the reference serializer orders dtypes, descending), then the F32
        // tensors in the layout's order.
        var data = new byte[8 + 8 * 4];
        BinaryPrimitives.WriteInt64LittleEndian(data, (1L << 40) + 5);
        for (int k = 0; k < 8; k++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(8 + 4 * k), k + 1);
        }

        string header =
            "{\"__metadata__\":{\"format\":\"gen-nn\",\"format_version\":\"1\",\"topology\":\"BatchNorm(2)\",\"loss\":\"MeanSquaredError\","
            + "\"parameter_count\":\"4\",\"sha256\":\"" + Sha256Hex(data) + "\"},"
            + "\"layers.0.num_batches_tracked\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[0,8]},"
            + "\"layers.0.weight\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]},"
            + "\"layers.0.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[16,24]},"
            + "\"layers.0.running_mean\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[24,32]},"
            + "\"layers.0.running_var\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[32,40]}}";
        Assert.Equal(Build(Encoding.UTF8.GetBytes(header), data), file);
    }

    [Fact]
    public void StatelessFilesAreWhatTheyWere()
    {
        // The format before state existed, rebuilt independently: metadata, then the tensors in layout order, F32.
        ModelLayout layout = Small();
        float[] parameters = Values(layout.ParameterCount);
        var data = new List<byte>();
        var entries = new List<RawTensor>();
        foreach (TensorLayout tensor in layout.Tensors)
        {
            long begin = data.Count;
            foreach (float value in FileOrder(tensor, parameters))
            {
                data.AddRange(BitConverter.GetBytes(value));
            }

            entries.Add(new RawTensor(tensor.Name, "F32", tensor.Shape.Select(d => (long)d).ToArray(), begin, data.Count));
        }

        var metadata = new Dictionary<string, string>
        {
            ["format"] = "gen-nn",
            ["format_version"] = "1",
            ["topology"] = "t",
            ["loss"] = "SoftmaxCrossEntropy",
            ["parameter_count"] = "23",
            ["sha256"] = Sha256Hex(data.ToArray()),
        };
        layout = layout with { Topology = "t" };
        byte[] expected = Build(entries, data.ToArray(), metadata);

        Assert.Equal(expected, Write(layout, parameters));
        Assert.Equal(expected, WriteState(layout, parameters, Array.Empty<float>(), Array.Empty<long>()));
    }

    [Fact]
    public void ParametersOnlyOverloadsStillWorkForStatelessLayouts()
    {
        ModelLayout layout = Small();
        float[] parameters = Bits(layout.ParameterCount, seed: 9);
        byte[] file = Write(layout, parameters);

        AssertBitwiseEqual(parameters, Read(file, layout));
        var (p, s, c) = ReadState(file, layout);
        AssertBitwiseEqual(parameters, p);
        Assert.Empty(s);
        Assert.Empty(c);
    }

    [Fact]
    public void ParametersOnlyOverloadsRejectStatefulLayouts()
    {
        ModelLayout layout = Layout();
        var parameters = new float[layout.ParameterCount];
        byte[] file = WriteState(layout, parameters, new float[layout.StateSize], new long[layout.CounterCount]);
        string path = Path.Combine(Path.GetTempPath(), "gennn-state-" + Guid.NewGuid().ToString("N") + ".safetensors");

        var errors = new[]
        {
            Assert.Throws<ArgumentException>(() => SafeTensors.Write(new MemoryStream(), layout, parameters)),
            Assert.Throws<ArgumentException>(() => SafeTensors.WriteFile(path, layout, parameters)),
            Assert.Throws<ArgumentException>(() => SafeTensors.Read(new MemoryStream(file), layout, parameters)),
            Assert.Throws<ArgumentException>(() => SafeTensors.ReadFile(path, layout, parameters)),
        };

        Assert.All(errors, e =>
        {
            Assert.Equal("layout", e.ParamName);
            Assert.Contains("StateSize = 12 and CounterCount = 2", e.Message);
            Assert.Contains("use the overload that takes the state and counters", e.Message);
        });
        Assert.False(File.Exists(path));
        Assert.All(parameters, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void BufferLengthsAreChecked()
    {
        ModelLayout layout = Layout();
        var parameters = new float[38];
        var state = new float[12];
        var counters = new long[2];
        byte[] file = WriteState(layout, parameters, state, counters);

        var e = Assert.Throws<ArgumentException>(() => SafeTensors.Write(new MemoryStream(), layout, new float[37], state, counters));
        Assert.Equal("parameters must hold ParameterCount = 38 floats, but holds 37. (Parameter 'parameters')", e.Message);
        e = Assert.Throws<ArgumentException>(() => SafeTensors.Write(new MemoryStream(), layout, parameters, new float[13], counters));
        Assert.Equal("state must hold StateSize = 12 floats, but holds 13. (Parameter 'state')", e.Message);
        e = Assert.Throws<ArgumentException>(() => SafeTensors.Write(new MemoryStream(), layout, parameters, state, new long[1]));
        Assert.Equal("counters must hold CounterCount = 2 values, but holds 1. (Parameter 'counters')", e.Message);

        e = Assert.Throws<ArgumentException>(() => SafeTensors.Read(new MemoryStream(file), layout, new float[39], state, counters));
        Assert.Equal("parameters", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => SafeTensors.Read(new MemoryStream(file), layout, parameters, new float[11], counters));
        Assert.Equal("state must hold StateSize = 12 floats, but holds 11. (Parameter 'state')", e.Message);
        e = Assert.Throws<ArgumentException>(() => SafeTensors.Read(new MemoryStream(file), layout, parameters, state, new long[3]));
        Assert.Equal("counters must hold CounterCount = 2 values, but holds 3. (Parameter 'counters')", e.Message);
        e = Assert.Throws<ArgumentException>(() => SafeTensors.ReadFile("unused.safetensors", layout, parameters, state, Span<long>.Empty));
        Assert.Equal("counters", e.ParamName);
    }

    [Fact]
    public void NegativeCounterIsNotWritten()
    {
        ModelLayout layout = Layout();
        using var stream = new MemoryStream();

        var e = Assert.Throws<ArgumentException>(() =>
            SafeTensors.Write(stream, layout, new float[38], new float[12], new[] { 1L, -3L }));

        Assert.Equal("counters[1] is -3; expected a count >= 0. (Parameter 'counters')", e.Message);
        Assert.Equal(0, stream.Length);
    }

    [Fact]
    public void ValidSpoilableFileLoads()
    {
        Parsed file = Valid();
        var (_, _, counters) = ReadState(Build(file.Tensors, file.Data, file.Metadata), Layout());
        Assert.Equal(new long[] { 7, 11 }, counters);

        // The counters come first, each 8 bytes, and the header lists the tensors in data order.
        Assert.Equal(new[] { (CounterName, 0L), ("layers.3.num_batches_tracked", 8L), ("layers.0.weight", 16L) },
            file.Tensors.Take(3).Select(t => (t.Name, t.Begin)));
    }

    [Fact]
    public void CounterStoredAsF32IsRejected()
    {
        Parsed file = Valid();
        var tensors = file.Tensors.Select(t => t.Name == CounterName ? With(t, dtype: "F32") : t);

        var e = Reject(Build(tensors, file.Data, file.Metadata));

        Assert.Equal("Tensor 'layers.1.num_batches_tracked' has dtype F32; expected I64.", e.Message);
    }

    [Fact]
    public void StateStoredAsI64IsRejected()
    {
        Parsed file = Valid();
        var tensors = file.Tensors.Select(t => t.Name == "layers.1.running_mean" ? With(t, dtype: "I64") : t);

        var e = Reject(Build(tensors, file.Data, file.Metadata));

        Assert.Equal("Tensor 'layers.1.running_mean' has dtype I64; expected F32.", e.Message);
    }

    [Fact]
    public void CounterOfShapeOneIsRejected()
    {
        Parsed file = Valid();
        var tensors = file.Tensors.Select(t => t.Name == CounterName ? With(t, shape: new long[] { 1 }) : t);

        var e = Reject(Build(tensors, file.Data, file.Metadata));

        Assert.Equal("Tensor 'layers.1.num_batches_tracked' has shape [1]; expected [].", e.Message);
    }

    [Fact]
    public void NegativeCounterIsRejected()
    {
        Parsed file = Valid();
        BinaryPrimitives.WriteInt64LittleEndian(file.Data.AsSpan(8), -1);
        file.Metadata!["sha256"] = Sha256Hex(file.Data);

        var e = Reject(Build(file.Tensors, file.Data, file.Metadata));

        Assert.Equal("Tensor 'layers.3.num_batches_tracked' holds -1; expected a count >= 0.", e.Message);
    }

    [Fact]
    public void MissingRunningVarIsRejected()
    {
        Parsed file = Valid();
        var tensors = file.Tensors.Where(t => t.Name != "layers.1.running_var");

        var e = Reject(Build(tensors, file.Data, file.Metadata));

        Assert.StartsWith("Missing tensor 'layers.1.running_var' [4]; the file holds ", e.Message);
    }

    [Fact]
    public void CorruptStateFailsTheChecksum()
    {
        Parsed file = Valid();
        RawTensor runningVar = file.Tensors.Single(t => t.Name == "layers.3.running_var");
        file.Data[runningVar.Begin] ^= 1;

        Assert.StartsWith("Checksum mismatch", Reject(Build(file.Tensors, file.Data, file.Metadata)).Message);
    }

    [Fact]
    public void NonFiniteStateLoadsAsParametersDo()
    {
        ModelLayout layout = Layout();
        float[] state = Values(layout.StateSize);
        state[0] = float.NaN;
        state[5] = float.NegativeInfinity;

        var (_, s, _) = ReadState(WriteState(layout, new float[38], state, new long[2]), layout);

        AssertBitwiseEqual(state, s);
    }

    [Fact]
    public void TorchWrittenFileLoads()
    {
        // What safetensors.torch.save_file(model.state_dict(), path) writes: no metadata, the I64 tensors first
        // (dtypes descending), then the F32 ones, each group sorted by name, in the header as in the data.
        ModelLayout layout = Layout();
        float[] parameters = Bits(layout.ParameterCount, seed: 21);
        float[] state = Bits(layout.StateSize, seed: 22);
        var entries = new List<RawTensor>();
        var data = new List<byte>();
        foreach (TensorLayout tensor in layout.Tensors
            .OrderBy(t => t.Storage == TensorStorage.Counter ? 0 : 1)
            .ThenBy(t => t.Name, StringComparer.Ordinal))
        {
            long begin = data.Count;
            if (tensor.Storage == TensorStorage.Counter)
            {
                data.AddRange(BitConverter.GetBytes(Counters[tensor.Offset]));
            }
            else
            {
                foreach (float value in FileOrder(tensor, tensor.Storage == TensorStorage.State ? state : parameters))
                {
                    data.AddRange(BitConverter.GetBytes(value));
                }
            }

            entries.Add(new RawTensor(
                tensor.Name, tensor.Storage == TensorStorage.Counter ? "I64" : "F32", tensor.Shape.Select(d => (long)d).ToArray(), begin, data.Count));
        }

        byte[] file = Build(entries, data.ToArray());
        Assert.Contains("\"layers.1.num_batches_tracked\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[0,8]}", Parse(file).HeaderText);
        Assert.Equal("layers.0.bias", Parse(file).Tensors[2].Name);

        var (p, s, c) = ReadState(file, layout);

        AssertBitwiseEqual(parameters, p);
        AssertBitwiseEqual(state, s);
        Assert.Equal(Counters, c);
    }

    public static TheoryData<string, ModelLayout> InconsistentLayouts() => new()
    {
        {
            "Tensor 'c' is a counter, so expected shape [] and no MemoryAxes or StoredTransposed, got shape [1]",
            new ModelLayout("t", Loss.MeanSquaredError, 0, new[]
            {
                new TensorLayout("c", 0, new[] { 1 }, false) { Storage = TensorStorage.Counter },
            })
            { CounterCount = 1 }
        },
        {
            "State elements [2, 3) belong to no tensor; expected the tensors to cover all 3 state elements",
            new ModelLayout("t", Loss.MeanSquaredError, 0, new[]
            {
                new TensorLayout("m", 0, new[] { 2 }, false) { Storage = TensorStorage.State },
            })
            { StateSize = 3 }
        },
        {
            "Tensor 'c' spans counters [1, 2); expected a range inside [0, CounterCount = 1)",
            new ModelLayout("t", Loss.MeanSquaredError, 0, new[]
            {
                new TensorLayout("c", 1, Array.Empty<int>(), false) { Storage = TensorStorage.Counter },
            })
            { CounterCount = 1 }
        },
        {
            "Tensors 'a' and 'b' overlap in the state buffer at index 1",
            new ModelLayout("t", Loss.MeanSquaredError, 0, new[]
            {
                new TensorLayout("a", 0, new[] { 2 }, false) { Storage = TensorStorage.State },
                new TensorLayout("b", 1, new[] { 2 }, false) { Storage = TensorStorage.State },
            })
            { StateSize = 3 }
        },
        {
            "Tensor 'a' has Storage 7; expected Parameters, State or Counter",
            new ModelLayout("t", Loss.MeanSquaredError, 1, new[]
            {
                new TensorLayout("a", 0, new[] { 1 }, false) { Storage = (TensorStorage)7 },
            })
        },
        {
            "Expected StateSize >= 0 and CounterCount >= 0, got -1 and 0",
            new ModelLayout("t", Loss.MeanSquaredError, 0, Array.Empty<TensorLayout>()) { StateSize = -1 }
        },
    };

    [Theory]
    [MemberData(nameof(InconsistentLayouts))]
    public void InconsistentStatefulLayoutIsRejected(string expected, ModelLayout layout)
    {
        var parameters = new float[layout.ParameterCount];
        var state = new float[Math.Max(0, layout.StateSize)];
        var counters = new long[Math.Max(0, layout.CounterCount)];

        var e = Assert.Throws<ArgumentException>(() => SafeTensors.Write(new MemoryStream(), layout, parameters, state, counters));
        Assert.Contains(expected, e.Message);
        Assert.Equal("layout", e.ParamName);

        e = Assert.Throws<ArgumentException>(() => SafeTensors.Read(new MemoryStream(), layout, parameters, state, counters));
        Assert.Contains(expected, e.Message);
    }
}
