using System;
using System.Buffers.Binary;
using System.Globalization;
using System.IO;
using System.IO.Compression;

namespace GenNN
{
    /// <summary>
    /// Decompresses a gzip file and can tell, once its end is reached, whether the file was complete.
    /// </summary>
    /// <remarks>
    /// <see cref="GZipStream"/> (on .NET 8 and 10 alike) simply ends when the compressed bytes run out mid-stream, so a
    /// truncated download reads as a shorter file. zlib does check the CRC-32 and length trailer of every member it
    /// finishes; what is left to check is that the last member was finished. This stream keeps a running CRC-32 and
    /// byte count of what it returns and compares them with the trailer in the file's last 8 bytes (for a file of
    /// several concatenated members, by decompressing it a second time to hash the last member alone). A truncated
    /// file fails that check unless its last 8 bytes happen to be a valid trailer for its content (odds of 2^-64).
    /// </remarks>
    internal sealed class CheckedGzipStream : Stream
    {
        private readonly string _path;
        private readonly string _name;
        private readonly FileStream _file;
        private readonly GZipStream _gzip;
        private readonly uint _trailerCrc;
        private readonly uint _trailerSize;
        private readonly bool _hasTrailer;
        private uint _crc = 0xFFFFFFFFu;
        private long _length;

        public CheckedGzipStream(string path)
        {
            _path = path;
            _name = Path.GetFileName(path);
            _file = File.OpenRead(path);
            if (_file.Length >= 8)
            {
                Span<byte> trailer = stackalloc byte[8];
                _file.Seek(-8, SeekOrigin.End);
                _file.ReadExactly(trailer);
                _file.Seek(0, SeekOrigin.Begin);
                _trailerCrc = BinaryPrimitives.ReadUInt32LittleEndian(trailer);
                _trailerSize = BinaryPrimitives.ReadUInt32LittleEndian(trailer[4..]);
                _hasTrailer = true;
            }

            _gzip = new GZipStream(_file, CompressionMode.Decompress);
        }

        /// <summary>True once a read returned 0: the whole file went through the decompressor.</summary>
        public bool Ended { get; private set; }

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
            int n;
            try
            {
                n = _gzip.Read(buffer);
            }
            catch (InvalidDataException e)
            {
                throw new InvalidDataException(_name + ": the gzip data is corrupt after " + Bytes(_length) + " of content: " + e.Message, e);
            }

            if (n == 0 && !buffer.IsEmpty)
            {
                Ended = true;
            }

            _crc = Crc32.Update(_crc, buffer[..n]);
            _length += n;
            return n;
        }

        /// <summary>Throws an <see cref="InvalidDataException"/> naming the file unless it was read to its end and is complete.</summary>
        public void EnsureComplete()
        {
            if (!IsComplete())
            {
                throw TruncatedError(null);
            }
        }

        /// <summary>The error for a truncated file, wrapping the format error it caused, if any.</summary>
        public InvalidDataException TruncatedError(Exception? inner) => new(string.Format(CultureInfo.InvariantCulture,
            "{0}: the gzip file is truncated (or its end is damaged): it ends before the end of its compressed stream, after {1} of content{2}.",
            _name, Bytes(_length), inner is null ? string.Empty : "; the content read so far gave: " + inner.Message), inner);

        /// <summary>True when the decompressor reached the end and the last member's trailer matches what was decompressed.</summary>
        public bool IsComplete()
        {
            if (!Ended)
            {
                return false;
            }

            if (!_hasTrailer || _trailerSize > _length)
            {
                return false;
            }

            if ((uint)_length == _trailerSize)
            {
                // One member (what gzip, pigz and .NET write): the trailer covers everything.
                if (~_crc == _trailerCrc)
                {
                    return true;
                }
            }

            // Several concatenated members: zlib checked every member it finished; hash the last one to see that it was finished.
            return LastMemberMatches();
        }

        private bool LastMemberMatches()
        {
            long skip = _length - _trailerSize;
            using FileStream file = File.OpenRead(_path);
            using var gzip = new GZipStream(file, CompressionMode.Decompress);
            byte[] buffer = new byte[1 << 16];
            uint crc = 0xFFFFFFFFu;
            long position = 0, hashed = 0;
            int n;
            while ((n = gzip.Read(buffer)) > 0)
            {
                int from = (int)Math.Clamp(skip - position, 0, n);
                crc = Crc32.Update(crc, buffer.AsSpan(from, n - from));
                hashed += n - from;
                position += n;
            }

            return position == _length && hashed == _trailerSize && ~crc == _trailerCrc;
        }

        private static string Bytes(long count) => count.ToString(CultureInfo.InvariantCulture) + (count == 1 ? " byte" : " bytes");

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _gzip.Dispose();
                _file.Dispose();
            }

            base.Dispose(disposing);
        }

        /// <summary>CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), as gzip stores it; the caller inverts the final value.</summary>
        private static class Crc32
        {
            private static readonly uint[] Table = CreateTable();

            public static uint Update(uint crc, ReadOnlySpan<byte> data)
            {
                uint[] table = Table;
                foreach (byte b in data)
                {
                    crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8);
                }

                return crc;
            }

            private static uint[] CreateTable()
            {
                var table = new uint[256];
                for (uint n = 0; n < 256; n++)
                {
                    uint c = n;
                    for (int k = 0; k < 8; k++)
                    {
                        c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
                    }

                    table[n] = c;
                }

                return table;
            }
        }
    }
}
