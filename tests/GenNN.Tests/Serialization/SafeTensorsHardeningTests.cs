using System.Buffers.Binary;
using System.Text;
using GenNN.Serialization;
using static GenNN.Tests.Serialization.SafeTensorsTestFiles;

namespace GenNN.Tests.Serialization;

/// <summary>Hostile headers: every malformed one is an InvalidDataException, and none allocates what it announces.</summary>
public sealed class SafeTensorsHardeningTests
{
    private static readonly ModelLayout Layout = Small();
    private static readonly float[] Parameters = Values(Layout.ParameterCount);

    private static Exception? ReadError(byte[] file, bool forwardOnly = false)
    {
        Stream stream = forwardOnly ? new ForwardOnlyStream(file) : new MemoryStream(file);
        try
        {
            SafeTensors.Read(stream, Layout, new float[Layout.ParameterCount]);
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }

    [Theory]
    [InlineData("{\"\\ud800\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}")]
    [InlineData("{\"__metadata__\":{\"format\":\"\\udfff\"}}")]
    [InlineData("{\"__metadata__\":{\"\\ud800x\":\"a\"}}")]
    [InlineData("{\"layers.0.weight\":{\"dtype\":\"F\\ud83d\",\"shape\":[3,4],\"data_offsets\":[0,48]}}")]
    public void A_lone_surrogate_escape_is_a_malformed_header(string header)
    {
        // These parse as JSON; reading the string used to throw InvalidOperationException.
        Exception? e = ReadError(Build(Encoding.UTF8.GetBytes(header), new byte[Layout.ParameterCount * 4]));
        var invalid = Assert.IsType<InvalidDataException>(e);
        Assert.StartsWith("Malformed header: a JSON string cannot be decoded", invalid.Message);
    }

    [Theory]
    [InlineData("dtype", "\"F32\"")]
    [InlineData("shape", "[3,4]")]
    [InlineData("data_offsets", "[0,48]")]
    public void A_key_twice_in_a_tensor_entry_is_rejected(string key, string value)
    {
        byte[] valid = Write(Layout, Parameters);
        Parsed parsed = Parse(valid);
        // Repeat the key, with its valid value, right after the entry's opening brace: the first and last agree, so
        // only the duplicate itself can be the error.
        string text = parsed.HeaderText.Replace("\"layers.0.weight\":{", "\"layers.0.weight\":{\"" + key + "\":" + value + ",");
        Assert.NotEqual(parsed.HeaderText, text);

        Exception? e = ReadError(Build(Encoding.UTF8.GetBytes(text.TrimEnd()), parsed.Data));

        var invalid = Assert.IsType<InvalidDataException>(e);
        Assert.Contains($"tensor 'layers.0.weight' has the key '{key}' twice", invalid.Message);
    }

    [Fact]
    public void Truncating_or_garbling_a_valid_header_anywhere_gives_only_InvalidDataException()
    {
        byte[] valid = Write(Layout, Parameters);
        int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(valid);
        var random = new Random(11);
        byte[] replacements = Encoding.UTF8.GetBytes("\"\\{}[],:-0919e.x ").Concat(new byte[] { 0, 0x7F, 0xC3, 0xED, 0xFF }).ToArray();
        var failures = new List<string>();
        int cases = 0;

        void Check(byte[] file, bool forwardOnly, string what)
        {
            cases++;
            Exception? e = ReadError(file, forwardOnly);
            if (e is not null and not InvalidDataException)
            {
                failures.Add($"{what}: {e.GetType().Name}: {e.Message}");
            }
        }

        for (int at = 0; at < 8 + headerLength; at++)
        {
            // Cut the file there (and keep the announced length: the header or data section is then short).
            Check(valid[..at], forwardOnly: at % 2 == 0, $"cut at {at}");

            // Cut the header there but announce what is left, so the JSON itself ends early.
            if (at > 8)
            {
                byte[] shortHeader = Build(valid[8..at], Array.Empty<byte>());
                Check(shortHeader, forwardOnly: false, $"header ending at {at}");
            }

            foreach (byte b in replacements)
            {
                byte[] garbled = (byte[])valid.Clone();
                garbled[at] = b;
                Check(garbled, forwardOnly: false, $"byte {at} = 0x{b:X2}");
            }

            byte[] escaped = valid[..at].Concat(Encoding.UTF8.GetBytes("\\ud800")).Concat(valid[at..]).ToArray();
            BinaryPrimitives.WriteUInt64LittleEndian(escaped, (ulong)(headerLength + 6));
            Check(escaped, forwardOnly: false, $"\\ud800 inserted at {at}");

            byte[] flipped = (byte[])valid.Clone();
            flipped[random.Next(8, 8 + headerLength)] ^= (byte)(1 << random.Next(8));
            Check(flipped, forwardOnly: false, $"random bit flip ({at})");
        }

        Assert.True(cases > 3_000, $"Only {cases} cases.");
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases} malformed files threw something else:\n" + string.Join("\n", failures.Take(20)));
    }

    [Fact]
    public void A_forward_only_stream_announcing_a_large_header_allocates_only_what_it_holds()
    {
        // A non-seekable stream cannot say how much follows: the announced 100 MB header used to be allocated up front.
        byte[] file = new byte[8 + 100];
        BinaryPrimitives.WriteUInt64LittleEndian(file, SafeTensors.MaxHeaderBytes);
        ReadError(Write(Layout, Parameters), forwardOnly: true); // warm up

        long before = GC.GetAllocatedBytesForCurrentThread();
        Exception? e = ReadError(file, forwardOnly: true);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        var invalid = Assert.IsType<InvalidDataException>(e);
        Assert.Equal("Truncated file: expected a 100000000-byte header, found 100 bytes.", invalid.Message);
        Assert.True(allocated < 4 << 20, $"Allocated {allocated:N0} bytes for a 108-byte stream.");
    }

    [Fact]
    public void A_large_valid_header_still_loads_from_a_forward_only_stream()
    {
        // Metadata padded to 300 KB: the header buffer grows past its first chunk while it is read.
        Parsed parsed = Parse(Write(Layout, Parameters));
        var metadata = new Dictionary<string, string>(parsed.Metadata!) { ["note"] = new string('n', 300_000) };
        metadata.Remove("sha256");
        metadata.Remove("format");
        metadata.Remove("format_version");
        metadata.Remove("topology");
        metadata.Remove("parameter_count");
        byte[] file = Build(parsed.Tensors, parsed.Data, metadata);

        var values = new float[Layout.ParameterCount];
        SafeTensors.Read(new ForwardOnlyStream(file), Layout, values);
        AssertBitwiseEqual(Parameters, values);
    }

    public static TheoryData<string> SmallHostileHeaders => new()
    {
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[" + string.Join(",", Enumerable.Repeat("2147483647", 80)) + "],\"data_offsets\":[0,4]}}",
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,9223372036854775807]}}",
        "{\"layers.0.weight\":{\"dtype\":\"F32\",\"shape\":[3,4],\"data_offsets\":[9223372036854775800,9223372036854775807]}}",
        new string('[', 500) + new string(']', 500),
        "{\"__metadata__\":{" + string.Join(",", Enumerable.Range(0, 60).Select(i => $"\"k{i}\":\"v\"")) + "}}",
    };

    [Theory]
    [MemberData(nameof(SmallHostileHeaders))]
    public void No_file_under_1_KB_allocates_more_than_a_few_MB(string header)
    {
        byte[] file = Build(Encoding.UTF8.GetBytes(header), new byte[16]);
        Assert.True(file.Length <= 1024, $"{file.Length} bytes");
        foreach (bool forwardOnly in new[] { false, true })
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            Exception? e = ReadError(file, forwardOnly);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.IsType<InvalidDataException>(e);
            Assert.True(allocated < 4 << 20, $"Allocated {allocated:N0} bytes for a {file.Length}-byte file.");
        }
    }
}
