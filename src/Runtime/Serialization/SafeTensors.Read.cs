using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;

namespace GenNN.Serialization
{
    public static partial class SafeTensors
    {
        /// <summary>One tensor entry of a header, as the file states it.</summary>
        private sealed record FileTensor(string Name, string DType, long[] Shape, long Begin, long End);

        /// <summary>
        /// The three buffers of a validated file, in buffer order. They are copied to the caller's spans only after the
        /// whole file checked out, so that a rejected file leaves every destination untouched.
        /// </summary>
        private sealed record Loaded(float[] Parameters, float[] State, long[] Counters)
        {
            /// <summary>Copies the buffers to spans of the same lengths (checked before the file was read).</summary>
            public void CopyTo(Span<float> parameters, Span<float> state, Span<long> counters)
            {
                Parameters.CopyTo(parameters);
                State.CopyTo(state);
                Counters.CopyTo(counters);
            }
        }

        /// <summary>The first allocation for a header read from a forward-only stream; it doubles as bytes arrive.</summary>
        private const int FirstHeaderChunkBytes = 1 << 16;

        /// <summary>
        /// Reads the file from <paramref name="stream"/>, checks it against <paramref name="layout"/> and returns the
        /// parameters, state and counters in buffer order, and the preprocessing stored with them. Nothing outside the
        /// results is written.
        /// </summary>
        private static Loaded ReadValidated(Stream stream, ModelLayout layout, out ModelPreprocessing? preprocessing)
        {
            long available = stream.CanSeek ? stream.Length - stream.Position : -1;

            // 1. The header length.
            Span<byte> prefix = stackalloc byte[8];
            int got = stream.ReadAtLeast(prefix, prefix.Length, throwOnEndOfStream: false);
            if (got < prefix.Length)
            {
                throw Error("Truncated file: expected at least the 8-byte header length, found {0} bytes.", got);
            }

            if (prefix[0] == (byte)'P' && prefix[1] == (byte)'K' && prefix[2] == 3 && prefix[3] == 4)
            {
                throw Error("This is a zip archive, as PyTorch's torch.save writes (.pt, .pth), not a safetensors file; save the weights with safetensors.torch.save_file(model.state_dict(), path).");
            }

            ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
            if (headerLength > MaxHeaderBytes)
            {
                throw Error("Oversized header: the header length is {0} bytes; expected at most {1} (is this a safetensors file?).",
                    headerLength, MaxHeaderBytes);
            }

            if (available >= 0 && headerLength > (ulong)(available - 8))
            {
                // The same words as for a forward-only stream that ends early: most often a partial download.
                throw TruncatedHeader(headerLength, available - 8);
            }

            // 2. The header. A seekable stream was checked to hold it; a forward-only one may announce up to
            // MaxHeaderBytes and end early, so the buffer grows in bounded steps as bytes arrive instead.
            byte[] header = new byte[available >= 0 ? (int)headerLength : (int)Math.Min(headerLength, FirstHeaderChunkBytes)];
            got = stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
            while (got == header.Length && (ulong)header.Length < headerLength)
            {
                Array.Resize(ref header, (int)Math.Min(headerLength, 2UL * (ulong)header.Length));
                got += stream.ReadAtLeast(header.AsSpan(got), header.Length - got, throwOnEndOfStream: false);
            }

            if ((ulong)got < headerLength)
            {
                throw TruncatedHeader(headerLength, got);
            }

            ParseHeader(header, out Dictionary<string, string>? metadata, out Dictionary<string, FileTensor> entries);

            // 3. Metadata written by gen-nn must describe this network; foreign files (PyTorch's) carry none of it.
            string? sha256 = metadata is not null && IsGenNN(metadata) ? CheckMetadata(metadata, layout) : null;

            // 3b. Names stored with the model; the keys are namespaced, so any file may carry them.
            IReadOnlyList<string>? classNames = ReadNames(metadata, ClassNamesKey, layout);
            IReadOnlyList<string>? featureNames = ReadNames(metadata, FeatureNamesKey, layout);

            // 4. The tensors: same names, dtype F32 (I64 for counters), the network's shapes, offsets that tile the data section. A stored
            //    standardizer adds two [InputSize] tensors; a layout that does not state InputSize expects none.
            TensorLayout[] statistics = entries.ContainsKey(StandardizerMeanName) || entries.ContainsKey(StandardizerScaleName)
                ? StandardizerTensors(layout.InputSize)
                : Array.Empty<TensorLayout>();
            var expected = new List<TensorLayout>(layout.Tensors);
            expected.AddRange(statistics);
            long dataLength = CheckTensors(entries, expected, available >= 0 ? available - 8 - (long)headerLength : -1);

            // 5. The data.
            byte[] data = new byte[dataLength];
            got = stream.ReadAtLeast(data, data.Length, throwOnEndOfStream: false);
            if (got < data.Length)
            {
                throw Error("Truncated file: the header describes {0} data bytes, found {1}.", data.Length, got);
            }

            if (available < 0 && stream.ReadByte() >= 0)
            {
                throw Error("Unexpected bytes after the data section: expected the file to end after {0} data bytes.", dataLength);
            }

            if (sha256 is not null)
            {
                string actual = Sha256.Hex(data);
                if (!string.Equals(actual, sha256, StringComparison.OrdinalIgnoreCase))
                {
                    throw Error("Checksum mismatch: the metadata says sha256 {0}, but the data section hashes to {1}; the file is corrupt.",
                        sha256, actual);
                }
            }

            // 6. File order ([out, in], row-major) to buffer order. As for the parameters, the state's values are not
            //    checked: NaN and infinities load as stored (PyTorch's load_state_dict takes them too); only a count
            //    cannot be negative.
            var values = new Loaded(new float[layout.ParameterCount], new float[layout.StateSize], new long[layout.CounterCount]);
            foreach (TensorLayout tensor in layout.Tensors)
            {
                FileTensor entry = entries[tensor.Name];
                ReadOnlySpan<byte> source = data.AsSpan((int)entry.Begin, (int)(entry.End - entry.Begin));
                switch (tensor.Storage)
                {
                    case TensorStorage.Counter:
                        long count = BinaryPrimitives.ReadInt64LittleEndian(source);
                        if (count < 0)
                        {
                            throw Error("Tensor '{0}' holds {1}; expected a count >= 0.", tensor.Name, count);
                        }

                        values.Counters[tensor.Offset] = count;
                        break;
                    case TensorStorage.State:
                        Load(tensor, source, values.State);
                        break;
                    default:
                        Load(tensor, source, values.Parameters);
                        break;
                }
            }

            Standardizer? standardizer = null;
            if (statistics.Length > 0)
            {
                float[] stats = new float[2 * layout.InputSize];
                foreach (TensorLayout tensor in statistics)
                {
                    FileTensor entry = entries[tensor.Name];
                    Load(tensor, data.AsSpan((int)entry.Begin, (int)(entry.End - entry.Begin)), stats);
                }

                standardizer = ToStandardizer(stats.AsSpan(0, layout.InputSize), stats.AsSpan(layout.InputSize));
            }

            preprocessing = standardizer is null && classNames is null && featureNames is null
                ? null
                : new ModelPreprocessing(standardizer, classNames, featureNames);
            return values;
        }

        /// <summary>
        /// The standardizer's tensors as the file must hold them, offsets into a buffer of <c>2 * inputSize</c> floats;
        /// none when the layout does not state its input size, so that the tensors count as unexpected.
        /// </summary>
        private static TensorLayout[] StandardizerTensors(int inputSize) => inputSize <= 0
            ? Array.Empty<TensorLayout>()
            : new[]
            {
                new TensorLayout(StandardizerMeanName, 0, new[] { inputSize }, StoredTransposed: false),
                new TensorLayout(StandardizerScaleName, inputSize, new[] { inputSize }, StoredTransposed: false),
            };

        /// <summary>Checks the stored statistics as <see cref="Standardizer"/>'s constructor would, naming the tensor and element.</summary>
        private static Standardizer ToStandardizer(ReadOnlySpan<float> mean, ReadOnlySpan<float> scale)
        {
            for (int i = 0; i < mean.Length; i++)
            {
                if (!float.IsFinite(mean[i]))
                {
                    throw Error("Tensor '{0}' element {1} is {2}; expected a finite mean.", StandardizerMeanName, i, mean[i]);
                }

                if (!(scale[i] > 0f && float.IsFinite(scale[i])))
                {
                    throw Error("Tensor '{0}' element {1} is {2}; expected a finite scale greater than 0.", StandardizerScaleName, i, scale[i]);
                }
            }

            return new Standardizer(mean, scale);
        }

        /// <summary>
        /// Parses the JSON array of strings stored under <paramref name="key"/> and checks its length against the layout
        /// (where it states the size); <see langword="null"/> when the key is absent.
        /// </summary>
        private static IReadOnlyList<string>? ReadNames(Dictionary<string, string>? metadata, string key, ModelLayout layout)
        {
            if (metadata is null || !metadata.TryGetValue(key, out string? text))
            {
                return null;
            }

            var names = new List<string>();
            try
            {
                using JsonDocument document = JsonDocument.Parse(text);
                if (document.RootElement.ValueKind != JsonValueKind.Array)
                {
                    throw Error("Malformed metadata: expected '{0}' to be a JSON array of strings, found {1}: {2}", key, Kind(document.RootElement), Excerpt(text));
                }

                foreach (JsonElement item in document.RootElement.EnumerateArray())
                {
                    if (item.ValueKind != JsonValueKind.String)
                    {
                        throw Error("Malformed metadata: expected '{0}' to be a JSON array of strings, found {1} at index {2}: {3}",
                            key, Kind(item), names.Count, Excerpt(text));
                    }

                    names.Add(item.GetString()!);
                }
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException)
            {
                throw new InvalidDataException(Format("Malformed metadata: expected '{0}' to be a JSON array of strings, found {1} ({2})",
                    key, Excerpt(text), e.Message), e);
            }

            string? mismatch = key == ClassNamesKey
                ? (layout.OutputSize > 0 ? ModelPreprocessing.ClassNameMismatch(names.Count, layout.OutputSize, layout.Loss) : null)
                    ?? ModelPreprocessing.DuplicateClassName(names)
                : (layout.InputSize > 0 && names.Count != layout.InputSize
                    ? Format("Expected {0} feature names (InputSize), got {1}.", layout.InputSize, names.Count)
                    : null);
            if (mismatch is not null)
            {
                throw Error("Metadata '{0}' does not fit the network: {1}", key, mismatch);
            }

            return names;
        }

        /// <summary>A topology string without its <c>Dropout(rate)</c> steps: the layers that hold parameters or change inference.</summary>
        internal static string WithoutDropout(string topology)
            => string.Join(" -> ", topology.Split(" -> ").Where(step => !step.StartsWith("Dropout(", StringComparison.Ordinal)));

        /// <summary>The start of a stored string, for messages.</summary>
        private static string Excerpt(string text) => text.Length <= 80 ? "'" + text + "'" : "'" + text.Substring(0, 80) + "...'";

        private static void Load(TensorLayout tensor, ReadOnlySpan<byte> source, Span<float> parameters)
        {
            Span<float> destination = parameters.Slice(tensor.Offset, tensor.Length);
            if (tensor.Permuted)
            {
                int[] memory = tensor.MemoryIndices();
                for (int k = 0; k < memory.Length; k++)
                {
                    destination[memory[k]] = BinaryPrimitives.ReadSingleLittleEndian(source.Slice(k * sizeof(float)));
                }
            }
            else
            {
                for (int k = 0; k < destination.Length; k++)
                {
                    destination[k] = BinaryPrimitives.ReadSingleLittleEndian(source.Slice(k * sizeof(float)));
                }
            }
        }

        private static void ParseHeader(byte[] header, out Dictionary<string, string>? metadata, out Dictionary<string, FileTensor> entries)
        {
            // JsonDocument checks UTF-8 only when a string is materialised; check all of it up front.
            for (int at = 0; at < header.Length;)
            {
                if (Rune.DecodeFromUtf8(header.AsSpan(at), out _, out int consumed) != OperationStatus.Done)
                {
                    throw Error("Malformed header: expected UTF-8 JSON, found an invalid UTF-8 sequence at header byte {0} (0x{1:X2}).",
                        at, header[at]);
                }

                at += consumed;
            }

            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(header);
            }
            catch (JsonException e)
            {
                throw new InvalidDataException("Malformed JSON header: " + e.Message, e);
            }

            metadata = null;
            entries = new Dictionary<string, FileTensor>(StringComparer.Ordinal);
            using (document)
            {
                try
                {
                    ParseRoot(document.RootElement, ref metadata, entries);
                }
                catch (InvalidOperationException e)
                {
                    // JsonDocument validates escapes only when a string is read: "\ud800" (a lone surrogate) parses
                    // but cannot become a .NET string.
                    throw new InvalidDataException("Malformed header: a JSON string cannot be decoded (" + e.Message + ").", e);
                }
            }
        }

        private static void ParseRoot(JsonElement root, ref Dictionary<string, string>? metadata, Dictionary<string, FileTensor> entries)
        {
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Error("Malformed header: expected a JSON object, found {0}.", Kind(root));
            }

            foreach (JsonProperty property in root.EnumerateObject())
            {
                if (property.Name == MetadataKey)
                {
                    if (metadata is not null)
                    {
                        throw Error("Malformed header: {0} appears twice.", MetadataKey);
                    }

                    metadata = ParseMetadata(property.Value);
                }
                else
                {
                    FileTensor entry = ParseTensor(property.Name, property.Value);
                    if (!entries.TryAdd(entry.Name, entry))
                    {
                        throw Error("Malformed header: tensor '{0}' appears twice.", entry.Name);
                    }
                }
            }
        }

        private static Dictionary<string, string> ParseMetadata(JsonElement element)
        {
            if (element.ValueKind != JsonValueKind.Object)
            {
                throw Error("Malformed header: expected {0} to be an object of strings, found {1}.", MetadataKey, Kind(element));
            }

            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (JsonProperty property in element.EnumerateObject())
            {
                if (property.Value.ValueKind != JsonValueKind.String)
                {
                    throw Error("Malformed header: expected {0} value '{1}' to be a string, found {2}.",
                        MetadataKey, property.Name, Kind(property.Value));
                }

                if (!metadata.TryAdd(property.Name, property.Value.GetString()!))
                {
                    throw Error("Malformed header: {0} key '{1}' appears twice.", MetadataKey, property.Name);
                }
            }

            return metadata;
        }

        private static FileTensor ParseTensor(string name, JsonElement element)
        {
            if (element.ValueKind != JsonValueKind.Object)
            {
                throw Error("Malformed header: expected tensor '{0}' to be an object with dtype, shape and data_offsets, found {1}.",
                    name, Kind(element));
            }

            string? dtype = null;
            long[]? shape = null, offsets = null;
            foreach (JsonProperty property in element.EnumerateObject())
            {
                // JSON parsers disagree on which of two equal keys wins (serde, as the safetensors library uses it,
                // rejects them): a second dtype, shape or data_offsets is an error, never a silent choice.
                if ((property.NameEquals("dtype") && dtype is not null) || (property.NameEquals("shape") && shape is not null)
                    || (property.NameEquals("data_offsets") && offsets is not null))
                {
                    throw Error("Malformed header: tensor '{0}' has the key '{1}' twice.", name, property.Name);
                }

                switch (property.Name)
                {
                    case "dtype":
                        if (property.Value.ValueKind != JsonValueKind.String)
                        {
                            throw Error("Malformed header: expected tensor '{0}' dtype to be a string, found {1}.", name, Kind(property.Value));
                        }

                        dtype = property.Value.GetString();
                        break;
                    case "shape":
                        shape = ParseIntegers(name, "shape", property.Value);
                        break;
                    case "data_offsets":
                        offsets = ParseIntegers(name, "data_offsets", property.Value);
                        if (offsets.Length != 2)
                        {
                            throw Error("Malformed header: expected tensor '{0}' data_offsets to be [begin, end], found {1} numbers.",
                                name, offsets.Length);
                        }

                        break;
                    default:
                        // The safetensors library ignores unknown keys; so do we.
                        break;
                }
            }

            if (dtype is null || shape is null || offsets is null)
            {
                throw Error("Malformed header: tensor '{0}' lacks {1}; expected dtype, shape and data_offsets.",
                    name, dtype is null ? "dtype" : shape is null ? "shape" : "data_offsets");
            }

            return new FileTensor(name, dtype, shape, offsets[0], offsets[1]);
        }

        private static long[] ParseIntegers(string name, string key, JsonElement element)
        {
            if (element.ValueKind != JsonValueKind.Array)
            {
                throw Error("Malformed header: expected tensor '{0}' {1} to be an array of integers, found {2}.", name, key, Kind(element));
            }

            var values = new long[element.GetArrayLength()];
            int k = 0;
            foreach (JsonElement item in element.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out long value) || value < 0)
                {
                    throw Error("Malformed header: expected tensor '{0}' {1} to hold non-negative integers, found {2}.",
                        name, key, item.GetRawText());
                }

                values[k++] = value;
            }

            return values;
        }

        /// <summary>
        /// True when the metadata claims to be gen-nn's: <c>format</c> says so, or a key only gen-nn writes is present.
        /// The second rule keeps a damaged <c>format</c> from passing a gen-nn file off as a foreign one, unchecked.
        /// </summary>
        private static bool IsGenNN(Dictionary<string, string> metadata) =>
            (metadata.TryGetValue("format", out string? format) && format == FormatName)
            || metadata.ContainsKey("format_version") || metadata.ContainsKey("topology")
            || metadata.ContainsKey("parameter_count") || metadata.ContainsKey("sha256");

        /// <summary>Checks gen-nn's metadata keys against the layout and returns the expected SHA-256.</summary>
        private static string CheckMetadata(Dictionary<string, string> metadata, ModelLayout layout)
        {
            string Required(string key) => metadata.TryGetValue(key, out string? value)
                ? value
                : throw Error("Incomplete metadata: the file has gen-nn metadata but no '{0}' key.", key);

            string format = Required("format");
            if (format != FormatName)
            {
                throw Error("Unexpected format: expected '{0}' alongside gen-nn's metadata keys, found '{1}'.", FormatName, format);
            }

            string version = Required("format_version");
            string expectedVersion = FormatVersion.ToString(CultureInfo.InvariantCulture);
            if (version != expectedVersion)
            {
                throw Error("Unsupported format_version: expected {0}, found '{1}' (written by a newer gen-nn?).", expectedVersion, version);
            }

            // Dropout holds no parameters and changes nothing outside training, so a model trained with it loads into a
            // class without it (an inference build) and the other way round, as Keras' load_weights allows.
            string topology = Required("topology");
            if (topology != layout.Topology && WithoutDropout(topology) != WithoutDropout(layout.Topology))
            {
                throw Error("Topology mismatch: expected '{0}', found '{1}'; the file was saved from a different network (only Dropout layers may differ).",
                    layout.Topology, topology);
            }

            string loss = Required("loss");
            if (loss != LossName(layout.Loss))
            {
                throw Error("Loss mismatch: expected {0}, found '{1}'.", LossName(layout.Loss), loss);
            }

            string count = Required("parameter_count");
            string expectedCount = layout.ParameterCount.ToString(CultureInfo.InvariantCulture);
            if (count != expectedCount)
            {
                throw Error("Parameter count mismatch: expected {0}, found '{1}'.", expectedCount, count);
            }

            string sha256 = Required("sha256");
            if (sha256.Length != 64)
            {
                throw Error("Malformed metadata: expected sha256 to be 64 hex digits, found '{0}'.", sha256);
            }

            return sha256;
        }

        /// <summary>
        /// Checks names, dtypes, shapes and offsets and returns the length of the data section.
        /// <paramref name="available"/> is the number of bytes after the header, or -1 when unknown.
        /// </summary>
        private static long CheckTensors(Dictionary<string, FileTensor> entries, IReadOnlyList<TensorLayout> tensors, long available)
        {
            var missing = new List<string>();
            foreach (TensorLayout tensor in tensors)
            {
                if (!entries.ContainsKey(tensor.Name))
                {
                    missing.Add("'" + tensor.Name + "' " + FormatShape(tensor.Shape));
                }
            }

            if (missing.Count > 0)
            {
                throw Error("Missing tensor{0} {1}; the file holds {2}.",
                    missing.Count > 1 ? "s" : "", string.Join(", ", missing), NameList(entries.Keys));
            }

            if (entries.Count > tensors.Count)
            {
                var expected = new HashSet<string>(StringComparer.Ordinal);
                foreach (TensorLayout tensor in tensors)
                {
                    expected.Add(tensor.Name);
                }

                var extra = new List<string>();
                foreach (string name in entries.Keys)
                {
                    if (!expected.Contains(name))
                    {
                        extra.Add(name);
                    }
                }

                throw Error("Unexpected tensor{0} {1}; the network has exactly {2}.",
                    extra.Count > 1 ? "s" : "", NameList(extra), NameList(expected));
            }

            long total = 0;
            foreach (TensorLayout tensor in tensors)
            {
                total += (long)tensor.Length * ElementSize(tensor.Storage);
            }

            foreach (TensorLayout tensor in tensors)
            {
                FileTensor entry = entries[tensor.Name];
                string dtype = DType(tensor.Storage);
                if (entry.DType != dtype)
                {
                    throw Error("Tensor '{0}' has dtype {1}; expected {2}{3}.", tensor.Name, entry.DType, dtype,
                        dtype == F32 && entry.DType is "F64" or "F16" or "BF16" ? " (in PyTorch, call model.float() before saving the state_dict)" : string.Empty);
                }

                if (!ShapeEquals(entry.Shape, tensor.Shape))
                {
                    bool transposed = entry.Shape.Length == 2 && tensor.Shape.Length == 2
                        && entry.Shape[0] == tensor.Shape[1] && entry.Shape[1] == tensor.Shape[0];
                    throw Error("Tensor '{0}' has shape {1}; expected {2}{3}.", tensor.Name, FormatShape(entry.Shape),
                        FormatShape(tensor.Shape), transposed ? " ([out, in], as PyTorch stores weights; the file holds the transpose)" : "");
                }

                long bytes = (long)tensor.Length * ElementSize(tensor.Storage);
                if (entry.End < entry.Begin || entry.End - entry.Begin != bytes)
                {
                    throw Error("Tensor '{0}' has data_offsets [{1}, {2}]; expected an end - begin of {3} bytes for shape {4} of {5}.",
                        tensor.Name, entry.Begin, entry.End, bytes, FormatShape(tensor.Shape), dtype);
                }

                if (entry.End > total)
                {
                    throw Error("Tensor '{0}' has data_offsets [{1}, {2}], out of range: the tensors' data is {3} bytes in all.",
                        tensor.Name, entry.Begin, entry.End, total);
                }
            }

            // As in the safetensors library: the tensors tile the data section from byte 0, without gaps or overlaps.
            var ordered = new List<FileTensor>(entries.Values);
            ordered.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
            long next = 0;
            FileTensor? previous = null;
            foreach (FileTensor entry in ordered)
            {
                if (entry.Begin < next)
                {
                    throw Error("Tensors '{0}' [{1}, {2}] and '{3}' [{4}, {5}] have overlapping data_offsets.",
                        previous!.Name, previous.Begin, previous.End, entry.Name, entry.Begin, entry.End);
                }

                if (entry.Begin > next)
                {
                    throw Error("Tensor '{0}' has data_offsets [{1}, {2}]; expected it to begin at byte {3} (bytes [{3}, {1}) belong to no tensor).",
                        entry.Name, entry.Begin, entry.End, next);
                }

                next = entry.End;
                previous = entry;
            }

            if (available >= 0 && available < next)
            {
                throw Error("Truncated file: the header describes {0} data bytes, but only {1} follow the header.", next, available);
            }

            if (available > next)
            {
                throw Error("Unexpected bytes after the data section: the header describes {0} data bytes, but {1} follow the header.",
                    next, available);
            }

            return next;
        }

        private static bool ShapeEquals(long[] found, int[] expected)
        {
            if (found.Length != expected.Length)
            {
                return false;
            }

            for (int k = 0; k < found.Length; k++)
            {
                if (found[k] != expected[k])
                {
                    return false;
                }
            }

            return true;
        }

        private static string NameList(IEnumerable<string> names)
        {
            var sorted = new List<string>(names);
            sorted.Sort(StringComparer.Ordinal);
            return sorted.Count == 0 ? "no tensors" : "'" + string.Join("', '", sorted) + "'";
        }

        private static string Kind(JsonElement element) => element.ValueKind switch
        {
            JsonValueKind.Object => "an object",
            JsonValueKind.Array => "an array",
            JsonValueKind.String => "a string",
            JsonValueKind.Number => "a number",
            JsonValueKind.True or JsonValueKind.False => "a boolean",
            JsonValueKind.Null => "null",
            _ => "nothing",
        };

        private static InvalidDataException TruncatedHeader(ulong headerLength, long found) =>
            Error("Truncated file: expected a {0}-byte header, found {1} bytes.", headerLength, found);

        private static InvalidDataException Error(string format, params object[] args) =>
            new InvalidDataException(Format(format, args));

        private static string Format(string format, params object[] args) => string.Format(CultureInfo.InvariantCulture, format, args);
    }
}
