using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using GenNN.Kernels;

namespace GenNN.Serialization
{
    /// <summary>
    /// Reads and writes gen-nn model files: valid <see href="https://github.com/huggingface/safetensors">safetensors</see>
    /// files that PyTorch can open and that gen-nn can load back with full validation.
    /// </summary>
    /// <remarks>
    /// <para>Layout of a file: an 8-byte little-endian header length <c>N</c>; <c>N</c> bytes of UTF-8 JSON, padded
    /// with spaces so that the data starts 8-byte aligned; then the data section, the raw little-endian tensor bytes.</para>
    /// <para>The header has one entry per tensor, <c>{"dtype":"F32","shape":[out,in],"data_offsets":[begin,end]}</c>,
    /// named as in PyTorch's <c>state_dict</c> (<c>layers.0.weight</c>, <c>layers.0.bias</c>) and shaped in PyTorch's
    /// <c>[out, in]</c> order whatever the in-memory layout, plus a <c>__metadata__</c> map of strings:
    /// <c>format</c> = <c>gen-nn</c>, <c>format_version</c> = <c>1</c>, <c>topology</c>, <c>loss</c>,
    /// <c>parameter_count</c> and <c>sha256</c>, the lowercase hex SHA-256 of the data section.</para>
    /// <para>A layout's <see cref="TensorStorage.State"/> tensors (BatchNorm's <c>running_mean</c>, <c>running_var</c>)
    /// are F32 like the parameters; its <see cref="TensorStorage.Counter"/> tensors (<c>num_batches_tracked</c>) are I64
    /// of shape <c>[]</c>, each a count &gt;= 0. As the reference serializer orders by dtype, descending, the I64 tensors
    /// come first in the header and the data section, then the F32 ones in the layout's order; a network without
    /// counters writes the same bytes as before they existed.</para>
    /// <para>A <see cref="ModelPreprocessing"/> adds, when present, the F32 tensors <c>gennn.standardizer.mean</c> and
    /// <c>gennn.standardizer.scale</c> of shape <c>[InputSize]</c> after the weights (so the checksum covers them), and the
    /// <c>__metadata__</c> keys <c>gennn.class_names</c> and <c>gennn.feature_names</c>, each a JSON array of strings.
    /// A file without them loads as before.</para>
    /// <para>Loading checks all of it and throws <see cref="InvalidDataException"/> naming what differs. A file whose
    /// <c>__metadata__</c> is absent or does not say <c>format</c> = <c>gen-nn</c> (for example one written by
    /// <c>safetensors.torch.save_file(model.state_dict(), path)</c>) loads when its tensor names, dtypes and shapes
    /// match; its tensors may appear in any order. Metadata holding any key only gen-nn writes (<c>format_version</c>,
    /// <c>topology</c>, <c>parameter_count</c>, <c>sha256</c>) counts as gen-nn's and must be complete, so that a
    /// damaged <c>format</c> value cannot turn a gen-nn file into an unchecked foreign one.</para>
    /// <para>Errors are <see cref="InvalidDataException"/>s (the BCL type is sealed, so there is no subclass).</para>
    /// </remarks>
    public static partial class SafeTensors
    {
        /// <summary>The value of the <c>format</c> metadata key in files gen-nn writes.</summary>
        public const string FormatName = "gen-nn";

        /// <summary>The version of the gen-nn file format this library writes and reads.</summary>
        public const int FormatVersion = 1;

        /// <summary>
        /// The largest header accepted on load, in bytes (the safetensors library's limit). A header length above it is
        /// rejected before anything is allocated; on a forward-only stream the header buffer grows as bytes arrive, so
        /// a short stream that announces a large header allocates about what it holds, not what it announces.
        /// </summary>
        public const int MaxHeaderBytes = 100_000_000;

        private const int Alignment = 8;
        private const string MetadataKey = "__metadata__";
        private const string F32 = "F32";
        private const string I64 = "I64";

        /// <summary>The tensor holding a stored standardizer's means, shape <c>[InputSize]</c>.</summary>
        public const string StandardizerMeanName = "gennn.standardizer.mean";

        /// <summary>The tensor holding a stored standardizer's scales, shape <c>[InputSize]</c>.</summary>
        public const string StandardizerScaleName = "gennn.standardizer.scale";

        /// <summary>The <c>__metadata__</c> key holding the class names, a JSON array of strings.</summary>
        public const string ClassNamesKey = "gennn.class_names";

        /// <summary>The <c>__metadata__</c> key holding the feature names, a JSON array of strings.</summary>
        public const string FeatureNamesKey = "gennn.feature_names";

        /// <summary>Writes the parameters to <paramref name="stream"/> as a safetensors file.</summary>
        /// <param name="stream">A writable stream; the file is written at its current position in one call.</param>
        /// <param name="layout">Where each tensor lives in <paramref name="parameters"/>; a layout without state or
        /// counters (<see cref="ModelLayout.StateSize"/> = <see cref="ModelLayout.CounterCount"/> = 0).</param>
        /// <param name="parameters">Exactly <see cref="ModelLayout.ParameterCount"/> floats.</param>
        /// <param name="preprocessing">A standardizer and names to store with the parameters, or <see langword="null"/>.</param>
        /// <exception cref="ArgumentException"><paramref name="parameters"/> has the wrong length,
        /// <paramref name="layout"/> is inconsistent (overlapping tensors, uncovered parameters, bad shapes) or has
        /// state or counters (use the overload that takes them), or <paramref name="preprocessing"/> does not fit it.</exception>
        public static void Write(Stream stream, ModelLayout layout, ReadOnlySpan<float> parameters, ModelPreprocessing? preprocessing = null)
        {
            RequireStateless(layout);
            Write(stream, layout, parameters, ReadOnlySpan<float>.Empty, ReadOnlySpan<long>.Empty, preprocessing);
        }

        /// <summary>
        /// Writes the parameters, the non-trainable state and the counters to <paramref name="stream"/> as a
        /// safetensors file.
        /// </summary>
        /// <param name="stream">A writable stream; the file is written at its current position in one call.</param>
        /// <param name="layout">Where each tensor lives in the three buffers.</param>
        /// <param name="parameters">Exactly <see cref="ModelLayout.ParameterCount"/> floats.</param>
        /// <param name="state">Exactly <see cref="ModelLayout.StateSize"/> floats (BatchNorm's running statistics).</param>
        /// <param name="counters">Exactly <see cref="ModelLayout.CounterCount"/> counts, each &gt;= 0 (BatchNorm's
        /// <c>num_batches_tracked</c>).</param>
        /// <param name="preprocessing">A standardizer and names to store with the parameters, or <see langword="null"/>.</param>
        /// <exception cref="ArgumentException">A buffer has the wrong length, a counter is negative,
        /// <paramref name="layout"/> is inconsistent (overlapping tensors, uncovered elements, bad shapes), or
        /// <paramref name="preprocessing"/> does not fit it.</exception>
        public static void Write(Stream stream, ModelLayout layout, ReadOnlySpan<float> parameters, ReadOnlySpan<float> state,
            ReadOnlySpan<long> counters, ModelPreprocessing? preprocessing = null)
        {
            ArgumentNullException.ThrowIfNull(stream);
            byte[] file = Serialize(layout, parameters, state, counters, preprocessing);
            stream.Write(file, 0, file.Length);
        }

        /// <summary>
        /// Writes the parameters to <paramref name="path"/> as a safetensors file, atomically: the file is written to
        /// a temporary file in the same directory, flushed to disk, then renamed over <paramref name="path"/>. On any
        /// failure the temporary file is deleted and a previous file at <paramref name="path"/> is left untouched.
        /// </summary>
        /// <remarks>
        /// <para>The temporary file is named <c>.&lt;start of the file name&gt;.&lt;hash of the file name&gt;.&lt;random&gt;.gennn-tmp</c>:
        /// at most 32 characters of the name are kept, so it fits the 255-byte file-name limit whenever
        /// <paramref name="path"/> does.</para>
        /// <para>A process killed mid-save leaves its temporary file behind; the next save to the same path deletes such
        /// orphans (those whose name carries the same hash). To never delete the file of a save still running in another
        /// process, an orphan is deleted only if it was last written more than 10 seconds ago
        /// and can be opened exclusively: a running save holds its temporary file open with <see cref="FileShare.None"/>
        /// (a lock on Windows, an advisory <c>flock</c> that .NET takes on Unix) while it writes, and renames it within
        /// moments of closing it.</para>
        /// <para>An existing file keeps its permissions (its Unix mode), and a read-only one is not replaced: the save
        /// throws <see cref="UnauthorizedAccessException"/>, as writing it in place would. When <paramref name="path"/> is
        /// a symbolic link, the file it points to is replaced and the link kept.</para>
        /// </remarks>
        /// <param name="path">The destination file.</param>
        /// <param name="layout">Where each tensor lives in <paramref name="parameters"/>; a layout without state or
        /// counters (<see cref="ModelLayout.StateSize"/> = <see cref="ModelLayout.CounterCount"/> = 0).</param>
        /// <param name="parameters">Exactly <see cref="ModelLayout.ParameterCount"/> floats.</param>
        /// <param name="preprocessing">A standardizer and names to store with the parameters, or <see langword="null"/>.</param>
        /// <exception cref="ArgumentException"><paramref name="parameters"/> has the wrong length,
        /// <paramref name="layout"/> is inconsistent or has state or counters (use the overload that takes them), or
        /// <paramref name="preprocessing"/> does not fit it.</exception>
        /// <exception cref="IOException">The file could not be written or renamed.</exception>
        public static void WriteFile(string path, ModelLayout layout, ReadOnlySpan<float> parameters, ModelPreprocessing? preprocessing = null)
        {
            RequireStateless(layout);
            WriteFile(path, layout, parameters, ReadOnlySpan<float>.Empty, ReadOnlySpan<long>.Empty, preprocessing);
        }

        /// <summary>
        /// Writes the parameters, the non-trainable state and the counters to <paramref name="path"/> as a safetensors
        /// file, atomically, as
        /// <see cref="WriteFile(string, ModelLayout, ReadOnlySpan{float}, ModelPreprocessing)"/> does.
        /// </summary>
        /// <param name="path">The destination file.</param>
        /// <param name="layout">Where each tensor lives in the three buffers.</param>
        /// <param name="parameters">Exactly <see cref="ModelLayout.ParameterCount"/> floats.</param>
        /// <param name="state">Exactly <see cref="ModelLayout.StateSize"/> floats (BatchNorm's running statistics).</param>
        /// <param name="counters">Exactly <see cref="ModelLayout.CounterCount"/> counts, each &gt;= 0 (BatchNorm's
        /// <c>num_batches_tracked</c>).</param>
        /// <param name="preprocessing">A standardizer and names to store with the parameters, or <see langword="null"/>.</param>
        /// <exception cref="ArgumentException">A buffer has the wrong length, a counter is negative,
        /// <paramref name="layout"/> is inconsistent, or <paramref name="preprocessing"/> does not fit it.</exception>
        /// <exception cref="IOException">The file could not be written or renamed (the disk is full, ...); the message
        /// names <paramref name="path"/>, and an existing file is unchanged.</exception>
        /// <exception cref="UnauthorizedAccessException">The file exists and is read-only, or the directory is not
        /// writable; an existing file is unchanged.</exception>
        public static void WriteFile(string path, ModelLayout layout, ReadOnlySpan<float> parameters, ReadOnlySpan<float> state,
            ReadOnlySpan<long> counters, ModelPreprocessing? preprocessing = null)
        {
            ArgumentException.ThrowIfNullOrEmpty(path);

            // Everything that can fail on the arguments fails here, before the disk is touched.
            byte[] file = Serialize(layout, parameters, state, counters, preprocessing);

            string fullPath = Path.GetFullPath(path);
            string directory = Path.GetDirectoryName(fullPath)
                ?? throw new ArgumentException("Expected a file path, got a root directory: '" + path + "'.", nameof(path));
            if (Path.GetFileName(fullPath).Length == 0)
            {
                throw new ArgumentException("Expected a file path, got a directory: '" + path + "'. Add a file name, e.g. model.safetensors.", nameof(path));
            }

            if (!Directory.Exists(directory))
            {
                // Said here, naming the user's path: the first failure would otherwise name the temporary file.
                throw new DirectoryNotFoundException("Could not save '" + path + "': the directory '" + directory + "' does not exist (PyTorch's torch.save does not create it either). Create it first with Directory.CreateDirectory.");
            }

            // A symbolic link keeps pointing at the model: the file it leads to is the one replaced.
            var link = new FileInfo(fullPath);
            if (link.LinkTarget is not null && link.ResolveLinkTarget(returnFinalTarget: true) is FileSystemInfo target)
            {
                fullPath = target.FullName;
                directory = Path.GetDirectoryName(fullPath)!;
            }

            // Replacing a file by renaming needs only the directory's permission: a model made read-only would be
            // replaced anyway, so its own permission is checked (as opening it for writing would), and its mode kept.
            UnixFileMode? mode = null;
            if (File.Exists(fullPath))
            {
                try
                {
                    using (new FileStream(fullPath, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete))
                    {
                    }
                }
                catch (UnauthorizedAccessException e)
                {
                    throw new UnauthorizedAccessException("Could not save '" + path + "': the file exists and is not writable (read-only); it is unchanged.", e);
                }

                if (!OperatingSystem.IsWindows())
                {
                    mode = File.GetUnixFileMode(fullPath);
                }
            }

            string prefix = TempPrefix(Path.GetFileName(fullPath));
            DeleteOrphans(directory, prefix);
            // Random.Shared, not RandomNumberGenerator: the name needs no secrecy, and the latter loads OpenSSL on Linux.
            string temp = Path.Combine(directory, prefix + Random.Shared.NextInt64(1L << 32).ToString("x8", CultureInfo.InvariantCulture) + TempSuffix);
            try
            {
                using (var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1))
                {
                    output.Write(file, 0, file.Length);
                    output.Flush(flushToDisk: true);
                }

                if (mode is UnixFileMode keep && !OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(temp, keep);
                }

                File.Move(temp, fullPath, overwrite: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The failure names the temporary file; say which save failed, and that the old file is untouched.
                TryDelete(temp);
                string message = "Could not save '" + path + "' (written to a temporary file in '" + directory + "', then renamed; an existing file is unchanged): " + e.Message;
                throw e is UnauthorizedAccessException ? new UnauthorizedAccessException(message, e) : new IOException(message, e);
            }
            catch
            {
                TryDelete(temp);
                throw;
            }
        }

        /// <summary>Reads and validates a safetensors file from <paramref name="stream"/> into <paramref name="parameters"/>.</summary>
        /// <param name="stream">A readable stream positioned at the start of the file. As in the safetensors library, the
        /// file must end where the stream ends: trailing bytes are an error.</param>
        /// <param name="layout">The network the file must fit; a layout without state or counters
        /// (<see cref="ModelLayout.StateSize"/> = <see cref="ModelLayout.CounterCount"/> = 0).</param>
        /// <param name="parameters">Receives exactly <see cref="ModelLayout.ParameterCount"/> floats; written only
        /// after the whole file validated.</param>
        /// <returns>The standardizer and names stored with the parameters, or <see langword="null"/> when the file holds none.</returns>
        /// <exception cref="ArgumentException"><paramref name="parameters"/> has the wrong length, or
        /// <paramref name="layout"/> is inconsistent or has state or counters (use the overload that takes them).</exception>
        /// <exception cref="InvalidDataException">The file is malformed, truncated, corrupt or for another network;
        /// the message says what was expected and what was found.</exception>
        public static ModelPreprocessing? Read(Stream stream, ModelLayout layout, Span<float> parameters)
        {
            RequireStateless(layout);
            return Read(stream, layout, parameters, Span<float>.Empty, Span<long>.Empty);
        }

        /// <summary>
        /// Reads and validates a safetensors file from <paramref name="stream"/> into <paramref name="parameters"/>,
        /// <paramref name="state"/> and <paramref name="counters"/>.
        /// </summary>
        /// <param name="stream">A readable stream positioned at the start of the file. As in the safetensors library, the
        /// file must end where the stream ends: trailing bytes are an error.</param>
        /// <param name="layout">The network the file must fit.</param>
        /// <param name="parameters">Receives exactly <see cref="ModelLayout.ParameterCount"/> floats.</param>
        /// <param name="state">Receives exactly <see cref="ModelLayout.StateSize"/> floats.</param>
        /// <param name="counters">Receives exactly <see cref="ModelLayout.CounterCount"/> counts. None of the three
        /// buffers is written unless the whole file validated.</param>
        /// <returns>The standardizer and names stored with the parameters, or <see langword="null"/> when the file holds none.</returns>
        /// <exception cref="ArgumentException">A buffer has the wrong length, or <paramref name="layout"/> is inconsistent.</exception>
        /// <exception cref="InvalidDataException">The file is malformed, truncated, corrupt or for another network, or
        /// holds a negative counter; the message says what was expected and what was found.</exception>
        public static ModelPreprocessing? Read(Stream stream, ModelLayout layout, Span<float> parameters, Span<float> state, Span<long> counters)
        {
            ArgumentNullException.ThrowIfNull(stream);
            CheckBuffers(layout, parameters.Length, state.Length, counters.Length);

            Loaded values = ReadValidated(stream, layout, out ModelPreprocessing? preprocessing);
            values.CopyTo(parameters, state, counters);
            return preprocessing;
        }

        /// <summary>Reads and validates the safetensors file at <paramref name="path"/> into <paramref name="parameters"/>.</summary>
        /// <param name="path">The model file.</param>
        /// <param name="layout">The network the file must fit; a layout without state or counters
        /// (<see cref="ModelLayout.StateSize"/> = <see cref="ModelLayout.CounterCount"/> = 0).</param>
        /// <param name="parameters">Receives exactly <see cref="ModelLayout.ParameterCount"/> floats; written only
        /// after the whole file validated.</param>
        /// <returns>The standardizer and names stored with the parameters, or <see langword="null"/> when the file holds none.</returns>
        /// <exception cref="ArgumentException"><paramref name="parameters"/> has the wrong length, or
        /// <paramref name="layout"/> is inconsistent or has state or counters (use the overload that takes them).</exception>
        /// <exception cref="InvalidDataException">The file is malformed, truncated, corrupt or for another network;
        /// the message starts with the path and says what was expected and what was found.</exception>
        /// <exception cref="IOException">The file could not be opened or read.</exception>
        public static ModelPreprocessing? ReadFile(string path, ModelLayout layout, Span<float> parameters)
        {
            RequireStateless(layout);
            return ReadFile(path, layout, parameters, Span<float>.Empty, Span<long>.Empty);
        }

        /// <summary>
        /// Reads and validates the safetensors file at <paramref name="path"/> into <paramref name="parameters"/>,
        /// <paramref name="state"/> and <paramref name="counters"/>.
        /// </summary>
        /// <param name="path">The model file.</param>
        /// <param name="layout">The network the file must fit.</param>
        /// <param name="parameters">Receives exactly <see cref="ModelLayout.ParameterCount"/> floats.</param>
        /// <param name="state">Receives exactly <see cref="ModelLayout.StateSize"/> floats.</param>
        /// <param name="counters">Receives exactly <see cref="ModelLayout.CounterCount"/> counts. None of the three
        /// buffers is written unless the whole file validated.</param>
        /// <returns>The standardizer and names stored with the parameters, or <see langword="null"/> when the file holds none.</returns>
        /// <exception cref="ArgumentException">A buffer has the wrong length, or <paramref name="layout"/> is inconsistent.</exception>
        /// <exception cref="InvalidDataException">The file is malformed, truncated, corrupt or for another network, or
        /// holds a negative counter; the message starts with the path and says what was expected and what was found.</exception>
        /// <exception cref="IOException">The file could not be opened or read.</exception>
        public static ModelPreprocessing? ReadFile(string path, ModelLayout layout, Span<float> parameters, Span<float> state, Span<long> counters)
        {
            ArgumentException.ThrowIfNullOrEmpty(path);
            CheckBuffers(layout, parameters.Length, state.Length, counters.Length);

            if (Directory.Exists(path))
            {
                // Opening a directory reads as "access denied" on Linux.
                throw new FileNotFoundException("Could not load '" + path + "': it is a directory; expected a model file such as model.safetensors.", path);
            }

            Loaded values;
            ModelPreprocessing? preprocessing;
            using (var input = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16))
            {
                try
                {
                    values = ReadValidated(input, layout, out preprocessing);
                }
                catch (InvalidDataException e)
                {
                    throw new InvalidDataException(path + ": " + e.Message, e);
                }
            }

            values.CopyTo(parameters, state, counters);
            return preprocessing;
        }

        /// <summary>
        /// Throws <see cref="ArgumentException"/> for a layout with state or counters given to an overload that takes
        /// only parameters: silently dropping BatchNorm's running statistics would save a network that predicts differently.
        /// </summary>
        private static void RequireStateless(ModelLayout layout)
        {
            ArgumentNullException.ThrowIfNull(layout);
            if (layout.StateSize != 0 || layout.CounterCount != 0)
            {
                throw new ArgumentException(
                    Format("The layout has StateSize = {0} and CounterCount = {1}, so its file holds state and counters besides "
                        + "the parameters; use the overload that takes the state and counters buffers.", layout.StateSize, layout.CounterCount),
                    nameof(layout));
            }
        }

        /// <summary>Validates the layout and checks the three buffers' lengths against it.</summary>
        private static void CheckBuffers(ModelLayout layout, int parameters, int state, int counters)
        {
            ValidateLayout(layout);
            Guard.SampleLength(parameters, layout.ParameterCount, nameof(parameters), "ParameterCount");
            Guard.SampleLength(state, layout.StateSize, nameof(state), "StateSize");
            if (counters != layout.CounterCount)
            {
                throw new ArgumentException(
                    Format("counters must hold CounterCount = {0} values, but holds {1}.", layout.CounterCount, counters), nameof(counters));
            }
        }

        /// <summary>Builds the whole file in memory, so that nothing is written when an argument is wrong.</summary>
        private static byte[] Serialize(ModelLayout layout, ReadOnlySpan<float> parameters, ReadOnlySpan<float> state,
            ReadOnlySpan<long> counters, ModelPreprocessing? preprocessing)
        {
            CheckBuffers(layout, parameters.Length, state.Length, counters.Length);
            ValidatePreprocessing(layout, preprocessing);
            for (int k = 0; k < counters.Length; k++)
            {
                // Load rejects a negative count; a file gen-nn writes must load.
                if (counters[k] < 0)
                {
                    throw new ArgumentException(Format("counters[{0}] is {1}; expected a count >= 0.", k, counters[k]), nameof(counters));
                }
            }

            // The standardizer's tensors follow the layout's, so the weights keep the offsets they have without it.
            Standardizer? standardizer = preprocessing?.Standardizer;
            int extraFloats = standardizer is null ? 0 : 2 * standardizer.FeatureCount;
            IReadOnlyList<TensorLayout> tensors = layout.Tensors;
            int[] order = DataOrder(tensors);
            byte[] data = new byte[checked((layout.ParameterCount + layout.StateSize + extraFloats) * sizeof(float) + layout.CounterCount * sizeof(long))];
            long[] begins = new long[tensors.Count];
            int offset = 0;
            foreach (int t in order)
            {
                TensorLayout tensor = tensors[t];
                begins[t] = offset;
                int bytes = tensor.Length * ElementSize(tensor.Storage);
                switch (tensor.Storage)
                {
                    case TensorStorage.Counter:
                        BinaryPrimitives.WriteInt64LittleEndian(data.AsSpan(offset, bytes), counters[tensor.Offset]);
                        break;
                    case TensorStorage.State:
                        Store(tensor, state, data.AsSpan(offset, bytes));
                        break;
                    default:
                        Store(tensor, parameters, data.AsSpan(offset, bytes));
                        break;
                }

                offset += bytes;
            }

            if (standardizer is not null)
            {
                StoreVector(standardizer.Mean, data.AsSpan(offset, standardizer.FeatureCount * sizeof(float)));
                StoreVector(standardizer.Scale, data.AsSpan(offset + standardizer.FeatureCount * sizeof(float), standardizer.FeatureCount * sizeof(float)));
            }

            byte[] header = BuildHeader(layout, order, begins, offset, Sha256.Hex(data), preprocessing);

            byte[] file = new byte[checked(8 + header.Length + data.Length)];
            BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)header.Length);
            header.CopyTo(file, 8);
            data.CopyTo(file, 8 + header.Length);
            return file;
        }

        /// <summary>
        /// The order of the tensors in the data section and the header. The reference serializer puts the larger dtypes
        /// first (it sorts by its dtype enum descending, and I64 comes after F32 there), which keeps every 8-byte
        /// element 8-byte aligned; so do we: the counters, then the floats. Within a dtype gen-nn keeps the layout's
        /// order where the reference sorts by name, so that the files of networks without counters stay what they were
        /// (readers go by data_offsets, never by order).
        /// </summary>
        private static int[] DataOrder(IReadOnlyList<TensorLayout> tensors)
        {
            var order = new int[tensors.Count];
            int n = 0;
            for (int t = 0; t < tensors.Count; t++)
            {
                if (tensors[t].Storage == TensorStorage.Counter)
                {
                    order[n++] = t;
                }
            }

            for (int t = 0; t < tensors.Count; t++)
            {
                if (tensors[t].Storage != TensorStorage.Counter)
                {
                    order[n++] = t;
                }
            }

            return order;
        }

        /// <summary>The dtype a tensor has in files: I64 for a counter, F32 otherwise.</summary>
        private static string DType(TensorStorage storage) => storage == TensorStorage.Counter ? I64 : F32;

        /// <summary>The bytes per element of a tensor in files and buffers.</summary>
        private static int ElementSize(TensorStorage storage) => storage == TensorStorage.Counter ? sizeof(long) : sizeof(float);

        /// <summary>Writes one tensor's elements little-endian in file order (<c>[out, in]</c>, row-major).</summary>
        private static void Store(TensorLayout tensor, ReadOnlySpan<float> parameters, Span<byte> destination)
        {
            ReadOnlySpan<float> source = parameters.Slice(tensor.Offset, tensor.Length);
            if (tensor.Permuted)
            {
                // The buffer holds the axes in MemoryAxes order (a Dense weight input-major, w[i * out + o]); the file, row-major.
                int[] memory = tensor.MemoryIndices();
                for (int k = 0; k < memory.Length; k++)
                {
                    BinaryPrimitives.WriteSingleLittleEndian(destination.Slice(k * sizeof(float)), source[memory[k]]);
                }
            }
            else
            {
                for (int k = 0; k < source.Length; k++)
                {
                    BinaryPrimitives.WriteSingleLittleEndian(destination.Slice(k * sizeof(float)), source[k]);
                }
            }
        }

        private static void StoreVector(ReadOnlySpan<float> source, Span<byte> destination)
        {
            for (int k = 0; k < source.Length; k++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(destination.Slice(k * sizeof(float)), source[k]);
            }
        }

        /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="preprocessing"/> fits the layout's sizes and loss.</summary>
        private static void ValidatePreprocessing(ModelLayout layout, ModelPreprocessing? preprocessing)
        {
            if (preprocessing is null)
            {
                return;
            }

            if (layout.InputSize <= 0 || layout.OutputSize <= 0)
            {
                throw new ArgumentException(
                    "Cannot store preprocessing for a layout that does not state InputSize and OutputSize; set both on the ModelLayout.",
                    nameof(preprocessing));
            }

            string? mismatch = preprocessing.FindMismatch(layout.InputSize, layout.OutputSize, layout.Loss);
            if (mismatch is not null)
            {
                throw new ArgumentException(mismatch, nameof(preprocessing));
            }
        }

        /// <summary>A list of names as the compact JSON array stored in a <c>__metadata__</c> string.</summary>
        private static string NamesJson(IReadOnlyList<string> names, JsonWriterOptions options)
        {
            var buffer = new ArrayBufferWriter<byte>(16 * names.Count + 2);
            using (var json = new Utf8JsonWriter(buffer, options))
            {
                json.WriteStartArray();
                foreach (string name in names)
                {
                    json.WriteStringValue(name);
                }

                json.WriteEndArray();
            }

            return Encoding.UTF8.GetString(buffer.WrittenSpan);
        }

        /// <summary>The compact JSON header, padded with spaces to a multiple of 8 bytes as the safetensors library does.</summary>
        /// <param name="layout">The tensors.</param>
        /// <param name="order">The tensors' indices in data order (<see cref="DataOrder"/>): the header lists them so, as the reference does.</param>
        /// <param name="begins">Each tensor's first data byte, by index in the layout.</param>
        /// <param name="standardizerBegin">The first data byte after the layout's tensors, where a standardizer's go.</param>
        /// <param name="sha256">The data section's hash.</param>
        /// <param name="preprocessing">What to store besides the tensors, or <see langword="null"/>.</param>
        private static byte[] BuildHeader(ModelLayout layout, int[] order, long[] begins, long standardizerBegin, string sha256, ModelPreprocessing? preprocessing)
        {
            var buffer = new ArrayBufferWriter<byte>(256 + 96 * layout.Tensors.Count);
            // The relaxed encoder keeps "->" in the topology readable instead of "-\u003E"; the header is never HTML.
            var options = new JsonWriterOptions { Indented = false, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
            using (var json = new Utf8JsonWriter(buffer, options))
            {
                json.WriteStartObject();

                json.WriteStartObject(MetadataKey);
                json.WriteString("format", FormatName);
                json.WriteString("format_version", FormatVersion.ToString(CultureInfo.InvariantCulture));
                json.WriteString("topology", layout.Topology);
                json.WriteString("loss", LossName(layout.Loss));
                json.WriteString("parameter_count", layout.ParameterCount.ToString(CultureInfo.InvariantCulture));
                json.WriteString("sha256", sha256);
                if (preprocessing?.ClassNames is { } classNames)
                {
                    json.WriteString(ClassNamesKey, NamesJson(classNames, options));
                }

                if (preprocessing?.FeatureNames is { } featureNames)
                {
                    json.WriteString(FeatureNamesKey, NamesJson(featureNames, options));
                }

                json.WriteEndObject();

                foreach (int t in order)
                {
                    TensorLayout tensor = layout.Tensors[t];
                    json.WriteStartObject(tensor.Name);
                    json.WriteString("dtype", DType(tensor.Storage));
                    json.WriteStartArray("shape");
                    foreach (int dim in tensor.Shape)
                    {
                        json.WriteNumberValue(dim);
                    }

                    json.WriteEndArray();
                    json.WriteStartArray("data_offsets");
                    json.WriteNumberValue(begins[t]);
                    json.WriteNumberValue(begins[t] + (long)tensor.Length * ElementSize(tensor.Storage));
                    json.WriteEndArray();
                    json.WriteEndObject();
                }

                if (preprocessing?.Standardizer is { } standardizer)
                {
                    long bytes = (long)standardizer.FeatureCount * sizeof(float);
                    WriteVectorEntry(json, StandardizerMeanName, standardizer.FeatureCount, standardizerBegin, standardizerBegin + bytes);
                    WriteVectorEntry(json, StandardizerScaleName, standardizer.FeatureCount, standardizerBegin + bytes, standardizerBegin + 2 * bytes);
                }

                json.WriteEndObject();
            }

            int padding = (Alignment - buffer.WrittenCount % Alignment) % Alignment;
            byte[] header = new byte[buffer.WrittenCount + padding];
            buffer.WrittenSpan.CopyTo(header);
            header.AsSpan(buffer.WrittenCount).Fill((byte)' ');
            return header;
        }

        private static void WriteVectorEntry(Utf8JsonWriter json, string name, int length, long begin, long end)
        {
            json.WriteStartObject(name);
            json.WriteString("dtype", F32);
            json.WriteStartArray("shape");
            json.WriteNumberValue(length);
            json.WriteEndArray();
            json.WriteStartArray("data_offsets");
            json.WriteNumberValue(begin);
            json.WriteNumberValue(end);
            json.WriteEndArray();
            json.WriteEndObject();
        }

        /// <summary>
        /// Throws <see cref="ArgumentException"/> unless the layout describes distinct, well-shaped tensors that
        /// exactly cover the parameter buffer, the state buffer and the counter buffer. A layout is built by generated
        /// code, so a failure here is a bug there.
        /// </summary>
        private static void ValidateLayout(ModelLayout layout)
        {
            ArgumentNullException.ThrowIfNull(layout);
            if (layout.Topology is null || layout.Tensors is null)
            {
                throw new ArgumentException("Expected a layout with a topology and a tensor list.", nameof(layout));
            }

            if (layout.ParameterCount < 0)
            {
                throw LayoutError("Expected ParameterCount >= 0, got {0}.", layout.ParameterCount);
            }

            if (layout.StateSize < 0 || layout.CounterCount < 0)
            {
                throw LayoutError("Expected StateSize >= 0 and CounterCount >= 0, got {0} and {1}.", layout.StateSize, layout.CounterCount);
            }

            var names = new HashSet<string>(StringComparer.Ordinal);
            var spans = new List<(TensorStorage Storage, int Offset, int Length, string Name)>(layout.Tensors.Count);
            foreach (TensorLayout? tensor in layout.Tensors)
            {
                if (tensor is null || string.IsNullOrEmpty(tensor.Name) || tensor.Shape is null)
                {
                    throw LayoutError("Expected every tensor to have a name and a shape.");
                }

                if (tensor.Name == MetadataKey || tensor.Name == StandardizerMeanName || tensor.Name == StandardizerScaleName || !names.Add(tensor.Name))
                {
                    throw LayoutError("Tensor name '{0}' is reserved or used twice.", tensor.Name);
                }

                if (tensor.Storage is not (TensorStorage.Parameters or TensorStorage.State or TensorStorage.Counter))
                {
                    throw LayoutError("Tensor '{0}' has Storage {1}; expected Parameters, State or Counter.", tensor.Name, (int)tensor.Storage);
                }

                if (tensor.Storage == TensorStorage.Counter)
                {
                    // A counter is a 0-dimensional int64, as PyTorch's num_batches_tracked: nothing to transpose.
                    if (tensor.Shape.Length != 0 || tensor.MemoryAxes is not null)
                    {
                        throw LayoutError("Tensor '{0}' is a counter, so expected shape [] and no MemoryAxes or StoredTransposed, got shape {1}.",
                            tensor.Name, FormatShape(tensor.Shape));
                    }
                }
                else if (tensor.Shape.Length == 0 || Array.Exists(tensor.Shape, d => d < 1))
                {
                    throw LayoutError("Tensor '{0}' has shape {1}; expected at least one dimension, each >= 1.",
                        tensor.Name, FormatShape(tensor.Shape));
                }

                if (tensor.StoredTransposed && tensor.Shape.Length != 2)
                {
                    throw LayoutError("Tensor '{0}' is stored transposed, so expected a 2-D shape, got {1}.",
                        tensor.Name, FormatShape(tensor.Shape));
                }

                if (tensor.MemoryAxes is int[] axes && ((tensor.StoredTransposed && tensor.HasExplicitMemoryAxes) || !IsPermutation(axes, tensor.Shape.Length)))
                {
                    throw LayoutError("Tensor '{0}' has MemoryAxes {1}; expected a permutation of its {2} axes, and StoredTransposed unset.",
                        tensor.Name, FormatShape(axes), tensor.Shape.Length);
                }

                long length = 1;
                foreach (int d in tensor.Shape)
                {
                    length *= d;
                    if (length > int.MaxValue / sizeof(float))
                    {
                        throw LayoutError("Tensor '{0}' with shape {1} is too large.", tensor.Name, FormatShape(tensor.Shape));
                    }
                }

                BufferInfo buffer = BufferOf(layout, tensor.Storage);
                if (tensor.Offset < 0 || tensor.Offset + length > buffer.Size)
                {
                    throw LayoutError("Tensor '{0}' spans {1} [{2}, {3}); expected a range inside [0, {4} = {5}).",
                        tensor.Name, buffer.Elements, tensor.Offset, tensor.Offset + length, buffer.SizeName, buffer.Size);
                }

                spans.Add((tensor.Storage, tensor.Offset, (int)length, tensor.Name));
            }

            // Each buffer is tiled by its tensors, without gaps or overlaps.
            spans.Sort((a, b) => a.Storage != b.Storage ? a.Storage.CompareTo(b.Storage) : a.Offset.CompareTo(b.Offset));
            foreach (TensorStorage storage in new[] { TensorStorage.Parameters, TensorStorage.State, TensorStorage.Counter })
            {
                BufferInfo buffer = BufferOf(layout, storage);
                int next = 0;
                string? previous = null;
                foreach ((TensorStorage s, int offset, int length, string name) in spans)
                {
                    if (s != storage)
                    {
                        continue;
                    }

                    if (offset < next)
                    {
                        throw LayoutError("Tensors '{0}' and '{1}' overlap in the {2} at index {3}.", previous!, name, buffer.Name, offset);
                    }

                    if (offset > next)
                    {
                        throw LayoutError("{0} [{1}, {2}) belong to no tensor; expected the tensors to cover all {3} {4}.",
                            buffer.ElementsTitle, next, offset, buffer.Size, buffer.Elements);
                    }

                    next = offset + length;
                    previous = name;
                }

                if (next != buffer.Size)
                {
                    throw LayoutError("{0} [{1}, {2}) belong to no tensor; expected the tensors to cover all {2} {3}.",
                        buffer.ElementsTitle, next, buffer.Size, buffer.Elements);
                }
            }
        }

        /// <summary>One of a layout's buffers, for messages: its length, the property that gives it, and what it holds.</summary>
        private readonly record struct BufferInfo(int Size, string SizeName, string Name, string Elements, string ElementsTitle);

        private static BufferInfo BufferOf(ModelLayout layout, TensorStorage storage) => storage switch
        {
            TensorStorage.State => new BufferInfo(layout.StateSize, "StateSize", "state buffer", "state elements", "State elements"),
            TensorStorage.Counter => new BufferInfo(layout.CounterCount, "CounterCount", "counter buffer", "counters", "Counters"),
            _ => new BufferInfo(layout.ParameterCount, "ParameterCount", "parameter buffer", "parameters", "Parameters"),
        };

        private static ArgumentException LayoutError(string format, params object[] args) =>
            new ArgumentException("Invalid model layout: " + string.Format(CultureInfo.InvariantCulture, format, args), "layout");

        /// <summary>The loss's enum name, spelled out so that trimming can never change what files say.</summary>
        private static string LossName(Loss loss) => loss switch
        {
            Loss.MeanSquaredError => nameof(Loss.MeanSquaredError),
            Loss.BinaryCrossEntropy => nameof(Loss.BinaryCrossEntropy),
            Loss.SoftmaxCrossEntropy => nameof(Loss.SoftmaxCrossEntropy),
            Loss.MeanAbsoluteError => nameof(Loss.MeanAbsoluteError),
            Loss.Huber => nameof(Loss.Huber),
            Loss.CategoricalCrossEntropy => nameof(Loss.CategoricalCrossEntropy),
            _ => ((int)loss).ToString(CultureInfo.InvariantCulture),
        };

        /// <summary>Formats a shape as <c>[16, 4]</c>.</summary>
        /// <summary>Whether <paramref name="axes"/> holds each of 0 .. <paramref name="rank"/> - 1 once.</summary>
        private static bool IsPermutation(int[] axes, int rank)
        {
            if (axes.Length != rank) return false;
            var seen = new bool[rank];
            foreach (int a in axes)
            {
                if (a < 0 || a >= rank || seen[a]) return false;
                seen[a] = true;
            }

            return true;
        }

        private static string FormatShape<T>(IReadOnlyList<T> shape)
            where T : IFormattable
        {
            var text = new StringBuilder("[");
            for (int k = 0; k < shape.Count; k++)
            {
                if (k > 0)
                {
                    text.Append(", ");
                }

                text.Append(shape[k].ToString(null, CultureInfo.InvariantCulture));
            }

            return text.Append(']').ToString();
        }

        /// <summary>How old (last written) an unlocked temporary file of a save to the same path must be to be deleted as an orphan.</summary>
        private const int OrphanAgeSeconds = 10;

        private const string TempSuffix = ".gennn-tmp";

        /// <summary>
        /// The part of a temporary file's name that identifies the target: a dot, at most 32 characters of the target's
        /// name (readable in a directory listing), and 16 hex digits of the SHA-256 of the whole name, case-folded so
        /// that the same file on a case-insensitive disk gives the same prefix. At most 1 + 32 x 3 + 18 bytes of UTF-8:
        /// with the 8 random digits and the suffix the name stays under 150 bytes.
        /// </summary>
        private static string TempPrefix(string fileName)
        {
            int keep = Math.Min(fileName.Length, 32);
            if (keep > 0 && char.IsHighSurrogate(fileName[keep - 1]))
            {
                keep--;
            }

            return "." + fileName.Substring(0, keep) + "." + Sha256.Hex(Encoding.UTF8.GetBytes(fileName.ToUpperInvariant()))[..16] + ".";
        }

        /// <summary>Best effort: deletes the temporary files of earlier, killed saves to the same path (see <see cref="WriteFile(string, ModelLayout, ReadOnlySpan{float}, ModelPreprocessing)"/>).</summary>
        private static void DeleteOrphans(string directory, string prefix)
        {
            string[] candidates;
            try
            {
                candidates = Directory.GetFiles(directory, prefix + "*" + TempSuffix, SearchOption.TopDirectoryOnly);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return;
            }

            DateTime cutoff = DateTime.UtcNow.AddSeconds(-OrphanAgeSeconds);
            foreach (string candidate in candidates)
            {
                string name = Path.GetFileName(candidate);
                if (!name.StartsWith(prefix, StringComparison.Ordinal)
                    || name.Length != prefix.Length + 8 + TempSuffix.Length
                    || File.GetLastWriteTimeUtc(candidate) > cutoff)
                {
                    continue;
                }

                try
                {
                    // Exclusive open fails while a save writes the file; DeleteOnClose removes it once we hold it.
                    using var _ = new FileStream(candidate, FileMode.Open, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // In use, already gone, or not ours to delete: leave it.
                }
            }
        }

        private static void TryDelete(string path)
        {
            try
            {
                File.Delete(path);
            }
            catch (IOException)
            {
                // Best effort: the original exception is the one worth reporting.
            }
            catch (UnauthorizedAccessException)
            {
                // Same.
            }
        }
    }
}
