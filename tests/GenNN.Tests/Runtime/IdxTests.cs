using System.Buffers.Binary;
using System.IO.Compression;
using GenNN;

namespace GenNN.Tests.Runtime;

public sealed class IdxTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "gennn-idx-" + Guid.NewGuid().ToString("N"));

    public IdxTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // Three 2 x 3 images with distinct pixels, including 0 and 255.
    private static readonly byte[] Pixels =
    {
        0, 1, 2, 3, 4, 5,
        255, 128, 64, 32, 16, 8,
        10, 20, 30, 40, 50, 60,
    };

    private static readonly byte[] Labels = { 7, 0, 9 };

    private static byte[] ImagesFile(int count, int rows, int cols, ReadOnlySpan<byte> pixels, int magic = 0x00000803)
    {
        var bytes = new byte[16 + pixels.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, magic);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), count);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), rows);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(12), cols);
        pixels.CopyTo(bytes.AsSpan(16));
        return bytes;
    }

    private static byte[] LabelsFile(int count, ReadOnlySpan<byte> labels, int magic = 0x00000801)
    {
        var bytes = new byte[8 + labels.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, magic);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), count);
        labels.CopyTo(bytes.AsSpan(8));
        return bytes;
    }

    private static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(bytes);
        }

        return output.ToArray();
    }

    private string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private (string Images, string Labels) WriteValid(bool gzip)
    {
        byte[] images = ImagesFile(3, 2, 3, Pixels);
        byte[] labels = LabelsFile(3, Labels);
        return gzip
            ? (Write("images-idx3-ubyte.gz", Gzip(images)), Write("labels-idx1-ubyte.gz", Gzip(labels)))
            : (Write("images-idx3-ubyte", images), Write("labels-idx1-ubyte", labels));
    }

    private static void AssertValid(Dataset data, bool scaled)
    {
        Assert.Equal(3, data.Count);
        Assert.Equal(6, data.FeatureCount);
        Assert.Equal(1, data.TargetSize);
        Assert.Equal(10, data.ClassCount);
        Assert.Equal(new[] { 7f, 0f, 9f }, data.Targets.ToArray());
        float[] expected = Pixels.Select(p => scaled ? p / 255f : p).ToArray();
        Assert.Equal(expected, data.Features.ToArray());
        if (scaled)
        {
            Assert.Equal(1f, data.GetFeatures(1)[0]);
            Assert.Equal(0f, data.GetFeatures(0)[0]);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Loads_images_and_labels_scaled_to_unit_range(bool gzip)
    {
        var (images, labels) = WriteValid(gzip);
        AssertValid(Idx.Load(images, labels), scaled: true);
    }

    [Fact]
    public void Keeps_raw_pixels_when_asked()
    {
        var (images, labels) = WriteValid(gzip: true);
        AssertValid(Idx.Load(images, labels, scale: false), scaled: false);
    }

    [Fact]
    public void Gzip_is_recognised_by_content_not_name_and_files_may_mix()
    {
        string images = Write("images.bin", Gzip(ImagesFile(3, 2, 3, Pixels)));
        string labels = Write("labels.gz-not-really", LabelsFile(3, Labels));
        AssertValid(Idx.Load(images, labels), scaled: true);
    }

    [Fact]
    public void Default_class_names_are_digits_and_can_be_replaced()
    {
        var (images, labels) = WriteValid(gzip: false);
        Assert.Equal(Idx.DigitClassNames, Idx.Load(images, labels).ClassNames);
        Dataset fashion = Idx.Load(images, labels, classNames: Idx.FashionMnistClassNames);
        Assert.Equal("Ankle boot", fashion.ClassNames![(int)fashion.Targets[2]]);
        Assert.Equal(10, fashion.ClassCount);
    }

    [Fact]
    public void Reads_from_streams_without_disposing_them()
    {
        using var images = new MemoryStream(Gzip(ImagesFile(3, 2, 3, Pixels)));
        using var labels = new MemoryStream(LabelsFile(3, Labels));
        AssertValid(Idx.Read(images, labels), scaled: true);
        Assert.True(images.CanRead);
        Assert.True(labels.CanRead);
    }

    [Fact]
    public void Zero_images_give_an_empty_data_set()
    {
        string images = Write("i", ImagesFile(0, 28, 28, ReadOnlySpan<byte>.Empty));
        string labels = Write("l", LabelsFile(0, ReadOnlySpan<byte>.Empty));
        Dataset data = Idx.Load(images, labels);
        Assert.Equal(0, data.Count);
        Assert.Equal(784, data.FeatureCount);
    }

    [Fact]
    public void Swapped_files_name_the_file_and_the_expected_magic()
    {
        var (images, labels) = WriteValid(gzip: false);
        var ex = Assert.Throws<InvalidDataException>(() => Idx.Load(labels, images));
        // The labels file is read first, so it is the images file that is reported in the labels role.
        Assert.Equal(
            "images-idx3-ubyte starts with 0x00000803; expected the magic number 0x00000801 of an IDX labels file (unsigned bytes in 1 dimension: count).",
            ex.Message);
    }

    [Fact]
    public void Bad_images_magic_is_reported_in_hex()
    {
        string images = Write("bad.gz", Gzip(ImagesFile(3, 2, 3, Pixels, magic: 0x00000D03)));
        string labels = Write("labels", LabelsFile(3, Labels));
        var ex = Assert.Throws<InvalidDataException>(() => Idx.Load(images, labels));
        Assert.Equal(
            "bad.gz starts with 0x00000D03; expected the magic number 0x00000803 of an IDX images file (unsigned bytes in 3 dimensions: count, rows, columns).",
            ex.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Truncated_pixels_are_reported_with_the_expected_size(bool gzip)
    {
        byte[] images = ImagesFile(3, 2, 3, Pixels)[..^5];
        string imagesPath = Write("short", gzip ? Gzip(images) : images);
        string labels = Write("labels", LabelsFile(3, Labels));
        var ex = Assert.Throws<InvalidDataException>(() => Idx.Load(imagesPath, labels));
        Assert.Equal(
            "short is truncated: the header announces 3 x 2 x 3 = 18 bytes of images, but only 13 bytes follow the header.",
            ex.Message);
    }

    [Theory]
    [InlineData("seekable")]
    [InlineData("forward-only")]
    [InlineData("gzip")]
    public void A_short_file_announcing_huge_dimensions_fails_before_allocating_them(string kind)
    {
        // 16 bytes announcing 1 x 46340 x 46340 = 2,147,395,600 pixels: it used to allocate 2 GB before reading any.
        byte[] header = ImagesFile(1, 46340, 46340, ReadOnlySpan<byte>.Empty);
        byte[] tail = { 1, 2, 3 };
        byte[] file = header.Concat(tail).ToArray();
        Stream images = kind switch
        {
            "seekable" => new MemoryStream(file),
            "forward-only" => new Serialization.ForwardOnlyStream(file),
            _ => new MemoryStream(Gzip(file)),
        };
        var labels = new MemoryStream(LabelsFile(1, new byte[] { 3 }));

        Idx.Read(new MemoryStream(ImagesFile(3, 2, 3, Pixels)), new MemoryStream(LabelsFile(3, Labels))); // warm up
        long before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Assert.Throws<InvalidDataException>(() => Idx.Read(images, labels, imagesName: "huge"));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal("huge is truncated: the header announces 1 x 46340 x 46340 = 2147395600 bytes of images, but only 3 bytes follow the header.", ex.Message);
        Assert.True(allocated < 4 << 20, $"Allocated {allocated:N0} bytes for a {file.Length}-byte input.");
    }

    [Fact]
    public void A_gzip_body_of_unknown_length_still_loads_whole_when_it_outgrows_the_first_chunk()
    {
        // 600 x 28 x 28 = 470,400 pixels: more than the first chunk, so the body grows while it is read.
        var pixels = new byte[600 * 28 * 28];
        new Random(3).NextBytes(pixels);
        var labels = new byte[600];
        Dataset data = Idx.Read(new Serialization.ForwardOnlyStream(Gzip(ImagesFile(600, 28, 28, pixels))),
            new MemoryStream(LabelsFile(600, labels)), scale: false);
        Assert.Equal(pixels.Select(p => (float)p), data.Features.ToArray());
    }

    [Fact]
    public void Truncated_header_is_reported()
    {
        string images = Write("stub", ImagesFile(3, 2, 3, Pixels)[..10]);
        string labels = Write("labels", LabelsFile(3, Labels));
        var ex = Assert.Throws<InvalidDataException>(() => Idx.Load(images, labels));
        Assert.Equal(
            "stub ends after 10 bytes, inside its header; expected a 16-byte header (the magic number and 3 dimension(s)).",
            ex.Message);
    }

    [Fact]
    public void Empty_file_is_reported()
    {
        string images = Write("i", ImagesFile(3, 2, 3, Pixels));
        string labels = Write("empty", Array.Empty<byte>());
        var ex = Assert.Throws<InvalidDataException>(() => Idx.Load(images, labels));
        Assert.Equal("empty has 0 byte(s); expected an IDX labels file starting with the magic number 0x00000801.", ex.Message);
    }

    [Fact]
    public void Trailing_bytes_are_rejected()
    {
        string images = Write("i", ImagesFile(3, 2, 3, Pixels));
        string labels = Write("long", LabelsFile(3, new byte[] { 7, 0, 9, 1 }));
        var ex = Assert.Throws<InvalidDataException>(() => Idx.Load(images, labels));
        Assert.Equal("long has bytes after the 3 = 3 bytes of labels its header announces; expected the file to end there.", ex.Message);
    }

    [Fact]
    public void Count_mismatch_names_both_files()
    {
        string images = Write("imgs", ImagesFile(3, 2, 3, Pixels));
        string labels = Write("lbls", LabelsFile(2, new byte[] { 7, 0 }));
        var ex = Assert.Throws<InvalidDataException>(() => Idx.Load(images, labels));
        Assert.Equal("lbls holds 2 labels but imgs holds 3 images; expected one label per image.", ex.Message);
    }

    [Fact]
    public void Label_outside_the_classes_is_reported_with_its_position()
    {
        string images = Write("i", ImagesFile(3, 2, 3, Pixels));
        string labels = Write("lbls", LabelsFile(3, new byte[] { 7, 10, 9 }));
        var ex = Assert.Throws<InvalidDataException>(() => Idx.Load(images, labels));
        Assert.Equal("lbls: label 1 (at byte 9) is 10; expected a class index from 0 to 9.", ex.Message);
        Dataset two = Idx.Load(images, Write("ok", LabelsFile(3, new byte[] { 1, 0, 1 })), classNames: new[] { "a", "b" });
        Assert.Equal(2, two.ClassCount);
    }

    [Fact]
    public void Zero_or_negative_sizes_are_rejected()
    {
        string labels = Write("l", LabelsFile(3, Labels));
        var ex = Assert.Throws<InvalidDataException>(() => Idx.Load(Write("zero", ImagesFile(3, 0, 3, Pixels)), labels));
        Assert.Equal("zero: dimension 1 is 0; expected a size from 1 to 2^31 - 1.", ex.Message);
        ex = Assert.Throws<InvalidDataException>(() => Idx.Load(Write("huge", ImagesFile(-1, 2, 3, Pixels)), labels));
        Assert.Equal("huge: dimension 0 is 4294967295; expected a count below 2^31.", ex.Message);
    }
    [Theory]
    [InlineData(1 << 22, 1 << 21, 1 << 21)] // 2^64 bytes: a long product wrapped to 0 and passed the size check
    [InlineData(0, 65537, 65537)]           // no images, but 4,295,098,369 pixels each: an int product wrapped to 131,073
    [InlineData(1 << 30, 1 << 17, 1 << 17)]
    public void Dimensions_whose_product_overflows_are_rejected_before_anything_else(int count, int rows, int cols)
    {
        string images = Write("overflow", ImagesFile(count, rows, cols, ReadOnlySpan<byte>.Empty));
        string labels = Write("l", LabelsFile(0, ReadOnlySpan<byte>.Empty));
        var ex = Assert.Throws<InvalidDataException>(() => Idx.Load(images, labels));
        Assert.Equal(
            $"overflow: dimensions {count} x {rows} x {cols} make more than {Array.MaxLength} bytes per image; expected at most that (one array).",
            ex.Message);
    }

    [Fact]
    public void Corrupt_gzip_data_names_the_file()
    {
        var pixels = new byte[600 * 28 * 28];
        new Random(5).NextBytes(pixels);
        byte[] gz = Gzip(ImagesFile(600, 28, 28, pixels));
        for (int i = 1000; i < 1100; i++)
        {
            gz[i] ^= 0x5A;
        }

        string images = Write("t10k-images-idx3-ubyte.gz", gz);
        string labels = Write("l", LabelsFile(600, new byte[600]));
        var ex = Assert.Throws<InvalidDataException>(() => Idx.Load(images, labels));
        Assert.StartsWith("t10k-images-idx3-ubyte.gz: the gzip data is corrupt after ", ex.Message, StringComparison.Ordinal);
        Assert.IsType<InvalidDataException>(ex.InnerException);
    }
}
