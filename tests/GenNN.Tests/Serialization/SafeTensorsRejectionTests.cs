using System.Buffers.Binary;
using System.Text;
using GenNN.Serialization;
using static GenNN.Tests.Serialization.SafeTensorsTestFiles;

namespace GenNN.Tests.Serialization;

/// <summary>Every way a file can be wrong is rejected with a message that says what was expected and what was found.</summary>
public sealed class SafeTensorsRejectionTests
{
    private static readonly ModelLayout Layout = Small();
    private static readonly float[] Parameters = Values(Layout.ParameterCount);

    /// <summary>A valid file's tensors and data, to be spoiled by each test.</summary>
    private static (List<RawTensor> Tensors, byte[] Data, Dictionary<string, string> Metadata) Valid()
    {
        Parsed file = Parse(Write(Layout, Parameters));
        return (file.Tensors, file.Data, file.Metadata!);
    }

    /// <summary>Reads <paramref name="file"/> into a buffer of sentinels and checks that a failure leaves it untouched.</summary>
    private static InvalidDataException Reject(byte[] file, ModelLayout? layout = null)
    {
        layout ??= Layout;
        var destination = Enumerable.Repeat(123.25f, layout.ParameterCount).ToArray();
        var e = Assert.Throws<InvalidDataException>(() => SafeTensors.Read(new MemoryStream(file), layout, destination));
        Assert.All(destination, v => Assert.Equal(123.25f, v));
        return e;
    }

    private static RawTensor With(RawTensor tensor, string? dtype = null, long[]? shape = null, long? begin = null, long? end = null) =>
        new(tensor.Name, dtype ?? tensor.DType, shape ?? tensor.Shape, begin ?? tensor.Begin, end ?? tensor.End);

    [Fact]
    public void ValidFileLoads()
    {
        var (tensors, data, metadata) = Valid();
        AssertBitwiseEqual(Parameters, Read(Build(tensors, data, metadata), Layout));
    }

    [Fact]
    public void HeaderLengthAboveTheLimitIsAnOversizedHeader()
    {
        byte[] file = Write(Layout, Parameters);
        BinaryPrimitives.WriteUInt64LittleEndian(file, 200_000_000);

        var e = Reject(file);
        Assert.Contains("Oversized header", e.Message);
        Assert.Contains("200000000", e.Message);
        Assert.Contains("at most 100000000", e.Message);

        BinaryPrimitives.WriteUInt64LittleEndian(file, ulong.MaxValue);
        Assert.Contains("Oversized header", Reject(file).Message);
    }

    [Fact]
    public void HeaderLengthAboveTheStreamIsATruncatedFile()
    {
        // The words a forward-only stream gives for the same bytes (it said "Oversized header" when seekable).
        byte[] file = new byte[50];
        BinaryPrimitives.WriteUInt64LittleEndian(file, 1000);

        Assert.Equal("Truncated file: expected a 1000-byte header, found 42 bytes.", Reject(file).Message);
        Assert.Equal("Truncated file: expected a 1000-byte header, found 42 bytes.",
            Assert.Throws<InvalidDataException>(() => SafeTensors.Read(new ForwardOnlyStream(file), Layout, new float[Layout.ParameterCount])).Message);
    }

    [Fact]
    public void Loading_a_directory_says_so()
    {
        // On Linux, opening a directory reads as "Access to the path is denied".
        string directory = Directory.CreateTempSubdirectory("gen-nn-dir-").FullName;
        try
        {
            var e = Assert.Throws<FileNotFoundException>(() => SafeTensors.ReadFile(directory, Layout, new float[Layout.ParameterCount]));
            Assert.Equal("Could not load '" + directory + "': it is a directory; expected a model file such as model.safetensors.", e.Message);
        }
        finally
        {
            Directory.Delete(directory);
        }
    }

    [Fact]
    public void A_torch_save_zip_archive_is_named_as_such()
    {
        byte[] file = new byte[64];
        "PK\u0003\u0004"u8.ToArray().CopyTo(file, 0);
        Assert.StartsWith("This is a zip archive, as PyTorch's torch.save writes (.pt, .pth), not a safetensors file", Reject(file).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TruncatedHeaderOnAForwardOnlyStreamIsReported()
    {
        byte[] file = Write(Layout, Parameters).AsSpan(0, 40).ToArray();
        var e = Assert.Throws<InvalidDataException>(() =>
            SafeTensors.Read(new ForwardOnlyStream(file), Layout, new float[Layout.ParameterCount]));
        Assert.Contains("Truncated file: expected a", e.Message);
        Assert.Contains("found 32 bytes", e.Message);
    }

    [Fact]
    public void FileShorterThanTheLengthFieldIsTruncated()
    {
        var e = Reject(new byte[] { 1, 2, 3 });
        Assert.Contains("Truncated file: expected at least the 8-byte header length, found 3 bytes", e.Message);
    }

    [Theory]
    [InlineData("{\"layers.0.weight\":{\"dtype\":\"F32\",", "Malformed JSON header")]
    [InlineData("{\"a\":1,}", "Malformed JSON header")]
    [InlineData("not json", "Malformed JSON header")]
    [InlineData("[1, 2]", "expected a JSON object, found an array")]
    [InlineData("{\"layers.0.weight\":[1]}", "expected tensor 'layers.0.weight' to be an object with dtype, shape and data_offsets, found an array")]
    [InlineData("{\"layers.0.weight\":{\"dtype\":\"F32\",\"shape\":[3,4]}}", "tensor 'layers.0.weight' lacks data_offsets")]
    [InlineData("{\"layers.0.weight\":{\"dtype\":\"F32\",\"shape\":[3,-4],\"data_offsets\":[0,48]}}", "shape to hold non-negative integers, found -4")]
    [InlineData("{\"layers.0.weight\":{\"dtype\":\"F32\",\"shape\":[3,4],\"data_offsets\":[0,48,96]}}", "data_offsets to be [begin, end], found 3 numbers")]
    [InlineData("{\"__metadata__\":{\"format\":1}}", "expected __metadata__ value 'format' to be a string, found a number")]
    [InlineData("{\"__metadata__\":[]}", "expected __metadata__ to be an object of strings, found an array")]
    public void MalformedHeaderIsRejected(string header, string expected)
    {
        var e = Reject(Build(Encoding.UTF8.GetBytes(header), new byte[Layout.ParameterCount * 4]));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void InvalidUtf8HeaderIsMalformed()
    {
        byte[] header = Encoding.UTF8.GetBytes("{\"a\xff\":1}");
        header[3] = 0xFF;
        Assert.Contains("expected UTF-8 JSON, found an invalid UTF-8 sequence at header byte 3 (0xFF)", Reject(Build(header, Array.Empty<byte>())).Message);
    }

    [Fact]
    public void DuplicateTensorIsRejected()
    {
        var (tensors, data, metadata) = Valid();
        tensors.Add(tensors[1]);
        Assert.Contains("tensor 'layers.0.bias' appears twice", Reject(Build(tensors, data, metadata)).Message);
    }

    [Fact]
    public void MissingTensorIsNamed()
    {
        var (tensors, data, metadata) = Valid();
        tensors.RemoveAll(t => t.Name == "layers.1.bias");

        var e = Reject(Build(tensors, data.AsSpan(0, data.Length - 8).ToArray()));

        Assert.Contains("Missing tensor 'layers.1.bias' [2]", e.Message);
        Assert.Contains("the file holds 'layers.0.bias', 'layers.0.weight', 'layers.1.weight'", e.Message);
    }

    [Fact]
    public void UnexpectedExtraTensorIsNamed()
    {
        var (tensors, data, metadata) = Valid();
        tensors.Add(new RawTensor("layers.2.weight", "F32", new long[] { 1, 2 }, data.Length, data.Length + 8));

        var e = Reject(Build(tensors, data.Concat(new byte[8]).ToArray()));

        Assert.Contains("Unexpected tensor 'layers.2.weight'", e.Message);
        Assert.Contains("the network has exactly 'layers.0.bias', 'layers.0.weight', 'layers.1.bias', 'layers.1.weight'", e.Message);
    }

    [Theory]
    [InlineData("F16")]
    [InlineData("F64")]
    [InlineData("BF16")]
    [InlineData("I32")]
    public void WrongDtypeIsNamed(string dtype)
    {
        var (tensors, data, metadata) = Valid();
        tensors[2] = With(tensors[2], dtype: dtype);

        var e = Reject(Build(tensors, data, metadata));

        Assert.Contains($"Tensor 'layers.1.weight' has dtype {dtype}; expected F32", e.Message);
    }

    [Fact]
    public void WrongShapeIsNamed()
    {
        var (tensors, data, metadata) = Valid();
        tensors[0] = With(tensors[0], shape: new long[] { 12 });
        Assert.Contains("Tensor 'layers.0.weight' has shape [12]; expected [3, 4].", Reject(Build(tensors, data, metadata)).Message);

        (tensors, data, metadata) = Valid();
        tensors[0] = With(tensors[0], shape: new long[] { 4, 3 });
        var e = Reject(Build(tensors, data, metadata));
        Assert.Contains("Tensor 'layers.0.weight' has shape [4, 3]; expected [3, 4]", e.Message);
        Assert.Contains("the file holds the transpose", e.Message);
    }

    [Fact]
    public void OffsetsThatDoNotMatchTheShapeAreRejected()
    {
        var (tensors, data, metadata) = Valid();
        tensors[0] = With(tensors[0], end: 44);

        var e = Reject(Build(tensors, data, metadata));

        Assert.Contains("Tensor 'layers.0.weight' has data_offsets [0, 44]; expected an end - begin of 48 bytes for shape [3, 4] of F32", e.Message);
    }

    [Fact]
    public void ReversedOffsetsAreRejected()
    {
        var (tensors, data, metadata) = Valid();
        tensors[0] = With(tensors[0], begin: 48, end: 0);
        Assert.Contains("data_offsets [48, 0]", Reject(Build(tensors, data, metadata)).Message);
    }

    [Fact]
    public void OffsetsOutOfRangeAreRejected()
    {
        var (tensors, data, metadata) = Valid();
        tensors[3] = With(tensors[3], begin: 1000, end: 1008);

        var e = Reject(Build(tensors, data, metadata));

        Assert.Contains("Tensor 'layers.1.bias' has data_offsets [1000, 1008], out of range: the tensors' data is 92 bytes", e.Message);
    }

    [Fact]
    public void OverlappingOffsetsAreRejected()
    {
        var (tensors, data, metadata) = Valid();
        // layers.0.bias [48, 60] moved onto the weights: [40, 52] overlaps [0, 48].
        tensors[1] = With(tensors[1], begin: 40, end: 52);

        var e = Reject(Build(tensors, data, metadata));

        Assert.Contains("Tensors 'layers.0.weight' [0, 48] and 'layers.0.bias' [40, 52] have overlapping data_offsets", e.Message);
    }

    [Fact]
    public void GapInTheDataSectionIsRejected()
    {
        var (tensors, data, metadata) = Valid();
        // Sizes still add up to 92 bytes, but the data starts at byte 4 and a later tensor overlaps to make room.
        tensors[3] = With(tensors[3], begin: 4, end: 12);
        tensors[0] = With(tensors[0], begin: 12, end: 60);
        tensors[1] = With(tensors[1], begin: 60, end: 72);
        tensors[2] = With(tensors[2], begin: 68, end: 92);

        var e = Reject(Build(tensors, data, metadata));

        Assert.Contains("Tensor 'layers.1.bias' has data_offsets [4, 12]; expected it to begin at byte 0 (bytes [0, 4) belong to no tensor)", e.Message);
    }

    [Fact]
    public void TruncatedFileIsReported()
    {
        byte[] file = Write(Layout, Parameters);
        byte[] cut = file.AsSpan(0, file.Length - 10).ToArray();

        var e = Reject(cut);
        Assert.Contains("Truncated file: the header describes 92 data bytes, but only 82 follow the header", e.Message);

        e = Assert.Throws<InvalidDataException>(() =>
            SafeTensors.Read(new ForwardOnlyStream(cut), Layout, new float[Layout.ParameterCount]));
        Assert.Contains("Truncated file: the header describes 92 data bytes, found 82", e.Message);
    }

    [Fact]
    public void TrailingBytesAreRejected()
    {
        byte[] file = Write(Layout, Parameters).Concat(new byte[] { 0, 0, 0, 0 }).ToArray();

        Assert.Contains("Unexpected bytes after the data section: the header describes 92 data bytes, but 96 follow", Reject(file).Message);

        var e = Assert.Throws<InvalidDataException>(() =>
            SafeTensors.Read(new ForwardOnlyStream(file), Layout, new float[Layout.ParameterCount]));
        Assert.Contains("Unexpected bytes after the data section", e.Message);
    }

    [Fact]
    public void FlippedDataByteFailsTheChecksum()
    {
        byte[] file = Write(Layout, Parameters);
        string expected = Parse(file).Metadata!["sha256"];
        file[^5] ^= 0x01;

        var e = Reject(file);

        Assert.Contains("Checksum mismatch", e.Message);
        Assert.Contains(expected, e.Message);
        Assert.Contains(Sha256Hex(Parse(file).Data), e.Message);
    }

    [Fact]
    public void EveryFlippedBitIsCaught()
    {
        byte[] file = Write(Layout, Parameters);
        for (int k = 0; k < file.Length; k++)
        {
            byte[] spoiled = (byte[])file.Clone();
            spoiled[k] ^= 0x10;
            bool rejected;
            try
            {
                Read(spoiled, Layout);
                rejected = false;
            }
            catch (InvalidDataException)
            {
                rejected = true;
            }

            // The header is compact JSON, the padding turns into '0' after the closing brace, the data has a
            // checksum and a damaged "format" still leaves gen-nn's other keys: no byte can change unnoticed.
            Assert.True(rejected, $"Flipping byte {k} of {file.Length} went unnoticed.");
        }
    }

    [Fact]
    public void DifferentTopologyNamesBoth()
    {
        const string other = "Input(4) -> Dense(3, Tanh) -> Dense(2, Softmax)";
        ModelLayout saved = Layout with { Topology = other };

        var e = Reject(Write(saved, Parameters));

        Assert.Contains("Topology mismatch", e.Message);
        Assert.Contains($"expected '{Topology}'", e.Message);
        Assert.Contains($"found '{other}'", e.Message);
    }

    [Fact]
    public void DifferentLossIsNamed()
    {
        ModelLayout saved = Layout with { Loss = Loss.MeanSquaredError };
        Assert.Contains("Loss mismatch: expected SoftmaxCrossEntropy, found 'MeanSquaredError'", Reject(Write(saved, Parameters)).Message);
    }

    [Theory]
    [InlineData("format", "gen/nn", "Unexpected format: expected 'gen-nn' alongside gen-nn's metadata keys, found 'gen/nn'")]
    [InlineData("format_version", "2", "Unsupported format_version: expected 1, found '2'")]
    [InlineData("parameter_count", "24", "Parameter count mismatch: expected 23, found '24'")]
    [InlineData("sha256", "abc", "expected sha256 to be 64 hex digits, found 'abc'")]
    public void WrongMetadataValueIsNamed(string key, string value, string expected)
    {
        var (tensors, data, metadata) = Valid();
        metadata[key] = value;
        Assert.Contains(expected, Reject(Build(tensors, data, metadata)).Message);
    }

    [Theory]
    [InlineData("format")]
    [InlineData("format_version")]
    [InlineData("topology")]
    [InlineData("loss")]
    [InlineData("parameter_count")]
    [InlineData("sha256")]
    public void MissingGenNNMetadataKeyIsNamed(string key)
    {
        var (tensors, data, metadata) = Valid();
        metadata.Remove(key);
        Assert.Contains($"the file has gen-nn metadata but no '{key}' key", Reject(Build(tensors, data, metadata)).Message);
    }

    [Fact]
    public void ReadFilePrefixesThePath()
    {
        string directory = Directory.CreateTempSubdirectory("gen-nn-st-").FullName;
        try
        {
            string path = Path.Combine(directory, "bad.safetensors");
            File.WriteAllBytes(path, new byte[] { 1, 2 });
            var destination = new float[Layout.ParameterCount];

            var e = Assert.Throws<InvalidDataException>(() => SafeTensors.ReadFile(path, Layout, destination));

            Assert.StartsWith(path + ": Truncated file", e.Message);
            Assert.Throws<FileNotFoundException>(() => SafeTensors.ReadFile(Path.Combine(directory, "absent"), Layout, destination));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
