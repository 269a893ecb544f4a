using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using GenNN.Serialization;

namespace GenNN.Tests.Serialization;

/// <summary>One tensor entry of a hand-built safetensors header.</summary>
internal sealed record RawTensor(string Name, string DType, long[] Shape, long Begin, long End);

/// <summary>
/// Hand-built layouts and an independent safetensors writer/parser for the serializer tests. The writer follows the
/// reference Rust serializer (compact JSON, <c>__metadata__</c> first, space padding to 8 bytes), but lets a test put
/// any tensor list, order, offsets and metadata into a file, including invalid ones.
/// </summary>
internal static class SafeTensorsTestFiles
{
    public const string Topology = "Input(4) -> Dense(3, ReLU) -> Dense(2, Softmax)";

    /// <summary>
    /// A dense network layout as the generator builds it: per layer, weights (stored input-major, file shape
    /// <c>[out, in]</c>) then bias.
    /// </summary>
    public static ModelLayout Dense(string topology, Loss loss, params int[] sizes)
    {
        var tensors = new List<TensorLayout>();
        int offset = 0;
        for (int k = 0; k + 1 < sizes.Length; k++)
        {
            int inputs = sizes[k], units = sizes[k + 1];
            tensors.Add(new TensorLayout($"layers.{k}.weight", offset, new[] { units, inputs }, StoredTransposed: true));
            offset += units * inputs;
            tensors.Add(new TensorLayout($"layers.{k}.bias", offset, new[] { units }, StoredTransposed: false));
            offset += units;
        }

        return new ModelLayout(topology, loss, offset, tensors) { InputSize = sizes[0], OutputSize = sizes[^1] };
    }

    /// <summary>Input(4) -> Dense(3) -> Dense(2): 23 parameters.</summary>
    public static ModelLayout Small() => Dense(Topology, Loss.SoftmaxCrossEntropy, 4, 3, 2);

    /// <summary>Distinct, non-round values, so that any misplaced element shows.</summary>
    public static float[] Values(int count, int seed = 7)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (int k = 0; k < count; k++)
        {
            values[k] = (float)(random.NextDouble() * 4 - 2) + k * 1e-3f;
        }

        return values;
    }

    /// <summary>The weight of input <paramref name="i"/> to unit <paramref name="o"/> of a file tensor <c>[out, in]</c>.</summary>
    public static float FileElement(byte[] data, RawTensor tensor, int o, int i) =>
        BinaryPrimitives.ReadSingleLittleEndian(data.AsSpan((int)tensor.Begin + (o * (int)tensor.Shape[1] + i) * 4));

    /// <summary>Serializes a header and data section the way the reference serializer does.</summary>
    public static byte[] Build(IEnumerable<RawTensor> tensors, byte[] data, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (metadata is not null)
            {
                json.WriteStartObject("__metadata__");
                foreach (var (key, value) in metadata)
                {
                    json.WriteString(key, value);
                }

                json.WriteEndObject();
            }

            foreach (RawTensor tensor in tensors)
            {
                json.WriteStartObject(tensor.Name);
                json.WriteString("dtype", tensor.DType);
                json.WriteStartArray("shape");
                foreach (long d in tensor.Shape)
                {
                    json.WriteNumberValue(d);
                }

                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(tensor.Begin);
                json.WriteNumberValue(tensor.End);
                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        return Build(buffer.WrittenSpan.ToArray(), data);
    }

    /// <summary>Pads <paramref name="header"/> with spaces to a multiple of 8 and frames it with its length and the data.</summary>
    public static byte[] Build(byte[] header, byte[] data)
    {
        int padded = (header.Length + 7) / 8 * 8;
        var file = new byte[8 + padded + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)padded);
        header.CopyTo(file, 8);
        file.AsSpan(8 + header.Length, padded - header.Length).Fill((byte)' ');
        data.CopyTo(file, 8 + padded);
        return file;
    }

    /// <summary>A parsed file: header length, metadata, tensors in header order, data section.</summary>
    public sealed record Parsed(long HeaderLength, string HeaderText, Dictionary<string, string>? Metadata, List<RawTensor> Tensors, byte[] Data);

    /// <summary>Parses a file with no help from the product code.</summary>
    public static Parsed Parse(byte[] file)
    {
        long n = (long)BinaryPrimitives.ReadUInt64LittleEndian(file);
        string text = Encoding.UTF8.GetString(file, 8, (int)n);
        Dictionary<string, string>? metadata = null;
        var tensors = new List<RawTensor>();
        using (JsonDocument document = JsonDocument.Parse(text))
        {
            foreach (JsonProperty property in document.RootElement.EnumerateObject())
            {
                if (property.Name == "__metadata__")
                {
                    metadata = property.Value.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
                    continue;
                }

                JsonElement e = property.Value;
                long[] offsets = e.GetProperty("data_offsets").EnumerateArray().Select(x => x.GetInt64()).ToArray();
                Assert.Equal(2, offsets.Length);
                tensors.Add(new RawTensor(
                    property.Name,
                    e.GetProperty("dtype").GetString()!,
                    e.GetProperty("shape").EnumerateArray().Select(x => x.GetInt64()).ToArray(),
                    offsets[0],
                    offsets[1]));
            }
        }

        return new Parsed(n, text, metadata, tensors, file.AsSpan(8 + (int)n).ToArray());
    }

    /// <summary>
    /// What <c>safetensors.torch.save_file(model.state_dict(), path)</c> writes for these parameters: no metadata,
    /// tensors sorted by name in both the header and the data section, weights <c>[out, in]</c>.
    /// </summary>
    public static byte[] TorchStyle(ModelLayout layout, float[] parameters, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var entries = new List<RawTensor>();
        var data = new List<byte>();
        foreach (TensorLayout tensor in layout.Tensors.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            long begin = data.Count;
            foreach (float value in FileOrder(tensor, parameters))
            {
                var bytes = new byte[4];
                BinaryPrimitives.WriteSingleLittleEndian(bytes, value);
                data.AddRange(bytes);
            }

            entries.Add(new RawTensor(tensor.Name, "F32", tensor.Shape.Select(d => (long)d).ToArray(), begin, data.Count));
        }

        return Build(entries, data.ToArray(), metadata);
    }

    /// <summary>A tensor's values in the file's order (<c>[out, in]</c>, row-major), computed directly from the layout.</summary>
    public static IEnumerable<float> FileOrder(TensorLayout tensor, float[] parameters)
    {
        if (!tensor.StoredTransposed)
        {
            return parameters.Skip(tensor.Offset).Take(tensor.Length);
        }

        int rows = tensor.Shape[0], cols = tensor.Shape[1];
        return Enumerable.Range(0, rows * cols).Select(k => parameters[tensor.Offset + (k % cols) * rows + k / cols]);
    }

    public static string Sha256Hex(byte[] data) => Convert.ToHexString(SHA256.HashData(data)).ToLowerInvariant();

    /// <summary>Writes <paramref name="layout"/>'s file for <paramref name="parameters"/> through the product code.</summary>
    public static byte[] Write(ModelLayout layout, float[] parameters, ModelPreprocessing? preprocessing = null)
    {
        using var stream = new MemoryStream();
        SafeTensors.Write(stream, layout, parameters, preprocessing);
        return stream.ToArray();
    }

    /// <summary>Reads <paramref name="file"/> through the product code.</summary>
    public static float[] Read(byte[] file, ModelLayout layout)
    {
        var parameters = new float[layout.ParameterCount];
        SafeTensors.Read(new MemoryStream(file), layout, parameters);
        return parameters;
    }

    /// <summary>Asserts two buffers hold the same bits (so -0 and NaN payloads count).</summary>
    public static void AssertBitwiseEqual(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int k = 0; k < expected.Length; k++)
        {
            Assert.True(BitConverter.SingleToInt32Bits(expected[k]) == BitConverter.SingleToInt32Bits(actual[k]),
                $"Parameter {k}: expected {expected[k]:R}, got {actual[k]:R}.");
        }
    }
}

/// <summary>A read-only, forward-only stream, as a network or pipe would give.</summary>
internal sealed class ForwardOnlyStream(byte[] bytes) : Stream
{
    private readonly MemoryStream _inner = new(bytes);

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, Math.Min(count, 5));
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
