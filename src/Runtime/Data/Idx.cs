using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.IO.Compression;

namespace GenNN
{
    /// <summary>
    /// Reads the IDX files of MNIST and Fashion-MNIST (an images file and a labels file) into a classification
    /// <see cref="Dataset"/>: one row of <c>rows x columns</c> pixels per image, one class index per image.
    /// </summary>
    /// <remarks>
    /// <para>The format (LeCun et al.): a big-endian header, then unsigned bytes. Images: magic <c>0x00000803</c>
    /// (unsigned bytes, 3 dimensions), the image count, the row count and the column count, then the pixels row by
    /// row. Labels: magic <c>0x00000801</c> (unsigned bytes, 1 dimension), the label count, then one byte per label.</para>
    /// <para>Either file may be gzip-compressed (as the originals are distributed, <c>*-ubyte.gz</c>): gzip content is
    /// recognised by its first two bytes, whatever the file is called.</para>
    /// <para>A wrong magic number, a truncated file, trailing bytes, a label outside the classes, or files whose counts
    /// differ throw an <see cref="InvalidDataException"/> that names the file and what was expected. The dimensions in
    /// a header are checked against the bytes that follow before the body is allocated (on a plain seekable stream from
    /// its length; otherwise the body grows in bounded steps as bytes arrive), so a short file announcing huge
    /// dimensions fails fast without allocating what it announces.</para>
    /// </remarks>
    public static class Idx
    {
        /// <summary>The magic number of an IDX file of unsigned bytes in 3 dimensions (images).</summary>
        public const int ImagesMagic = 0x00000803;

        /// <summary>The magic number of an IDX file of unsigned bytes in 1 dimension (labels).</summary>
        public const int LabelsMagic = 0x00000801;

        /// <summary>The class names of MNIST: the digits "0" to "9" (class index k is the digit k).</summary>
        public static IReadOnlyList<string> DigitClassNames { get; } = new[] { "0", "1", "2", "3", "4", "5", "6", "7", "8", "9" };

        /// <summary>The class names of Fashion-MNIST, in label order (0 is "T-shirt/top", 9 is "Ankle boot").</summary>
        public static IReadOnlyList<string> FashionMnistClassNames { get; } = new[]
        {
            "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
        };

        /// <summary>Reads an images file and a labels file (plain or gzip-compressed) into a data set.</summary>
        /// <param name="imagesPath">The IDX images file (magic <c>0x00000803</c>), e.g. <c>t10k-images-idx3-ubyte.gz</c>.</param>
        /// <param name="labelsPath">The IDX labels file (magic <c>0x00000801</c>) with one label per image.</param>
        /// <param name="scale">Divide the pixels by 255 so that they lie in [0, 1] (the default); <see langword="false"/>
        /// keeps them as the integers 0 to 255.</param>
        /// <param name="classNames">The names of the classes; their count is the number of classes and every label must be
        /// below it. <see langword="null"/> for <see cref="DigitClassNames"/> (10 classes, as both MNIST and Fashion-MNIST have).</param>
        /// <returns>A data set with <c>rows x columns</c> features and one class index per sample, with
        /// <see cref="Dataset.ClassNames"/> set (so <see cref="Dataset.ClassCount"/> is 10 by default).</returns>
        /// <exception cref="InvalidDataException">A file is not an IDX file of the expected kind, is truncated or too long,
        /// holds a label outside the classes, or the two counts differ; the message names the file.</exception>
        /// <exception cref="IOException">A file cannot be read.</exception>
        public static Dataset Load(string imagesPath, string labelsPath, bool scale = true, IReadOnlyList<string>? classNames = null)
        {
            ArgumentException.ThrowIfNullOrEmpty(imagesPath);
            ArgumentException.ThrowIfNullOrEmpty(labelsPath);
            using FileStream images = File.OpenRead(imagesPath);
            using FileStream labels = File.OpenRead(labelsPath);
            return Read(images, labels, scale, classNames, Path.GetFileName(imagesPath), Path.GetFileName(labelsPath));
        }

        /// <summary>Reads IDX images and labels (plain or gzip-compressed) from two streams into a data set.</summary>
        /// <param name="images">The IDX images content; read to its end, not disposed.</param>
        /// <param name="labels">The IDX labels content; read to its end, not disposed.</param>
        /// <param name="scale">Divide the pixels by 255 (the default) or keep them as 0 to 255.</param>
        /// <param name="classNames">The names of the classes, or <see langword="null"/> for <see cref="DigitClassNames"/>.</param>
        /// <param name="imagesName">The name used for the images in error messages.</param>
        /// <param name="labelsName">The name used for the labels in error messages.</param>
        /// <returns>The data set, as <see cref="Load"/> returns it.</returns>
        /// <exception cref="InvalidDataException">The content is not valid, as for <see cref="Load"/>.</exception>
        public static Dataset Read(
            Stream images,
            Stream labels,
            bool scale = true,
            IReadOnlyList<string>? classNames = null,
            string imagesName = "images",
            string labelsName = "labels")
        {
            ArgumentNullException.ThrowIfNull(images);
            ArgumentNullException.ThrowIfNull(labels);
            classNames ??= DigitClassNames;
            if (classNames.Count < 1 || classNames.Count > 256)
            {
                throw new ArgumentOutOfRangeException(nameof(classNames), classNames.Count, "Expected 1 to 256 class names (labels are single bytes).");
            }

            byte[] labelBytes = ReadBody(labels, labelsName, LabelsMagic, "labels", out int[] labelDims);
            byte[] pixelBytes = ReadBody(images, imagesName, ImagesMagic, "images", out int[] imageDims);
            int count = imageDims[0];
            int featureCount = imageDims[1] * imageDims[2]; // ReadBody checked that it fits in an array
            if (labelDims[0] != count)
            {
                throw new InvalidDataException(Format(
                    "{0} holds {1} labels but {2} holds {3} images; expected one label per image.",
                    labelsName, labelDims[0], imagesName, count));
            }

            var targets = new float[count];
            for (int i = 0; i < count; i++)
            {
                byte label = labelBytes[i];
                if (label >= classNames.Count)
                {
                    throw new InvalidDataException(Format(
                        "{0}: label {1} (at byte {2}) is {3}; expected a class index from 0 to {4}.",
                        labelsName, i, HeaderSize(1) + i, label, classNames.Count - 1));
                }

                targets[i] = label;
            }

            // A table of the 256 values: p / 255f exactly as torchvision's ToTensor divides, without a division per pixel.
            Span<float> values = stackalloc float[256];
            for (int p = 0; p < values.Length; p++)
            {
                values[p] = scale ? p / 255f : p;
            }

            var features = new float[pixelBytes.Length];
            for (int i = 0; i < features.Length; i++)
            {
                features[i] = values[pixelBytes[i]];
            }

            return new Dataset(features, featureCount, targets, 1, copy: false) { ClassNames = classNames };
        }

        /// <summary>Reads the header (checking the magic number and the dimensions) and exactly the body it announces.</summary>
        private static byte[] ReadBody(Stream stream, string name, int magic, string what, out int[] dims)
        {
            using Stream source = OpenMaybeGzip(stream, out long available);
            int dimCount = magic & 0xFF;
            Span<byte> header = stackalloc byte[4 * 4];
            header = header[..HeaderSize(dimCount)];
            int got = ReadBytes(source, header, name, 0);
            if (got < 4)
            {
                throw new InvalidDataException(Format(
                    "{0} has {1} byte(s); expected an IDX {2} file starting with the magic number 0x{3:X8}.", name, got, what, magic));
            }

            int actual = ReadBigEndian(header);
            if (actual != magic)
            {
                throw new InvalidDataException(Format(
                    "{0} starts with 0x{1:X8}; expected the magic number 0x{2:X8} of an IDX {3} file ({4}).",
                    name, actual, magic, what, Describe(magic)));
            }

            if (got < header.Length)
            {
                throw new InvalidDataException(Format(
                    "{0} ends after {1} bytes, inside its header; expected a {2}-byte header (the magic number and {3} dimension(s)).",
                    name, got, header.Length, dimCount));
            }

            dims = new int[dimCount];
            for (int d = 0; d < dimCount; d++)
            {
                dims[d] = ReadBigEndian(header[(4 + 4 * d)..]);
                bool countDimension = d == 0;
                if (dims[d] < (countDimension ? 0 : 1))
                {
                    throw new InvalidDataException(Format(
                        "{0}: dimension {1} is {2}; expected {3}.",
                        name, d, (uint)dims[d], countDimension ? "a count below 2^31" : "a size from 1 to 2^31 - 1"));
                }
            }

            // Bytes per item first, checked after each factor so that no product can overflow (three sizes of 2^21
            // would wrap a long to 0), then the count: both at most Array.MaxLength, so their product fits in a long.
            long perItem = 1;
            for (int d = 1; d < dimCount; d++)
            {
                perItem *= dims[d];
                if (perItem > Array.MaxLength)
                {
                    throw new InvalidDataException(Format(
                        "{0}: dimensions {1} make more than {2} bytes per {3}; expected at most that (one array).",
                        name, string.Join(" x ", dims), Array.MaxLength, what == "images" ? "image" : "item"));
                }
            }

            long total = dims[0] * perItem;
            if (total > Array.MaxLength)
            {
                throw new InvalidDataException(Format(
                    "{0}: dimensions {1} make {2} bytes; at most {3} fit in one array.", name, string.Join(" x ", dims), total, Array.MaxLength));
            }

            // The header's product is checked against the stream before the body is allocated: a 16-byte file announcing
            // 46340 x 46340 images must not allocate 2 GB to find out. A plain seekable stream says how much follows;
            // otherwise (gzip, pipes) the body grows in bounded steps as bytes actually arrive.
            available -= header.Length;
            if (available >= 0 && available < total)
            {
                throw Truncated(name, dims, total, what, available);
            }

            byte[] body = available >= 0 ? new byte[total] : new byte[Math.Min(total, FirstChunkBytes)];
            int read = ReadBytes(source, body, name, header.Length);
            while (read == body.Length && body.Length < total)
            {
                Array.Resize(ref body, (int)Math.Min(total, 2L * body.Length));
                read += ReadBytes(source, body.AsSpan(read), name, header.Length + read);
            }

            if (read < total)
            {
                throw Truncated(name, dims, total, what, read);
            }

            Span<byte> probe = stackalloc byte[1];
            if (ReadBytes(source, probe, name, header.Length + body.Length) != 0)
            {
                throw new InvalidDataException(Format(
                    "{0} has bytes after the {1} = {2} bytes of {3} its header announces; expected the file to end there.",
                    name, string.Join(" x ", dims), body.Length, what));
            }

            return body;
        }

        private static InvalidDataException Truncated(string name, int[] dims, long total, string what, long available) => new(Format(
            "{0} is truncated: the header announces {1} = {2} bytes of {3}, but only {4} bytes follow the header.",
            name, string.Join(" x ", dims), total, what, available));

        /// <summary>
        /// Wraps <paramref name="stream"/> in a gzip decompressor if it starts with the gzip signature 1F 8B.
        /// <paramref name="available"/> is the number of bytes the returned stream holds when known (a plain seekable stream), else -1.
        /// </summary>
        private static Stream OpenMaybeGzip(Stream stream, out long available)
        {
            long remaining = stream.CanSeek ? stream.Length - stream.Position : -1;
            Span<byte> signature = stackalloc byte[2];
            int got = ReadFully(stream, signature);
            var start = new PrefixStream(signature[..got].ToArray(), stream);
            bool gzip = got == 2 && signature[0] == 0x1F && signature[1] == 0x8B;
            available = gzip ? -1 : remaining;
            return gzip ? new GZipStream(start, CompressionMode.Decompress) : start;
        }

        /// <summary>
        /// <see cref="ReadFully"/> from a body stream, with the decompressor's errors (corrupt gzip data) given the
        /// file's name and how far it got, like <c>Csv.Load</c>'s.
        /// </summary>
        private static int ReadBytes(Stream source, Span<byte> buffer, string name, long before)
        {
            try
            {
                return ReadFully(source, buffer);
            }
            catch (InvalidDataException e) when (source is GZipStream)
            {
                throw new InvalidDataException(Format("{0}: the gzip data is corrupt after {1} bytes of content: {2}", name, before, e.Message), e);
            }
        }

        private static int ReadFully(Stream stream, Span<byte> buffer)
        {
            int total = 0;
            while (total < buffer.Length)
            {
                int n = stream.Read(buffer[total..]);
                if (n == 0)
                {
                    break;
                }

                total += n;
            }

            return total;
        }

        /// <summary>The first allocation for a body of unknown available length; it doubles as bytes arrive.</summary>
        private const int FirstChunkBytes = 1 << 18;

        private static int HeaderSize(int dimCount) => 4 + 4 * dimCount;

        private static int ReadBigEndian(ReadOnlySpan<byte> bytes) => (bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3];

        private static string Describe(int magic) => magic == ImagesMagic
            ? "unsigned bytes in 3 dimensions: count, rows, columns"
            : "unsigned bytes in 1 dimension: count";

        private static string Format(string format, params object?[] args) => string.Format(CultureInfo.InvariantCulture, format, args);

        /// <summary>A read-only stream that returns a few already-read bytes, then the rest of another stream (which it does not dispose).</summary>
        private sealed class PrefixStream : Stream
        {
            private readonly byte[] _prefix;
            private readonly Stream _rest;
            private int _position;

            public PrefixStream(byte[] prefix, Stream rest)
            {
                _prefix = prefix;
                _rest = rest;
            }

            public override bool CanRead => true;

            public override bool CanSeek => false;

            public override bool CanWrite => false;

            public override long Length => throw new NotSupportedException();

            public override long Position
            {
                get => throw new NotSupportedException();
                set => throw new NotSupportedException();
            }

            public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

            public override int Read(Span<byte> buffer)
            {
                if (_position < _prefix.Length)
                {
                    int n = Math.Min(buffer.Length, _prefix.Length - _position);
                    _prefix.AsSpan(_position, n).CopyTo(buffer);
                    _position += n;
                    return n;
                }

                return _rest.Read(buffer);
            }

            public override void Flush()
            {
            }

            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

            public override void SetLength(long value) => throw new NotSupportedException();

            public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        }
    }
}
