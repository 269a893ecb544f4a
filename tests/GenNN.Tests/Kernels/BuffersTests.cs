using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using GenNN.Kernels;

namespace GenNN.Tests.Kernels;

public class BuffersTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(15)]
    public void Aligned64_starts_on_a_64_byte_boundary_inside_the_buffer(int shift)
    {
        Span<float> stack = stackalloc float[64 + Buffers.AlignmentSlack + 16];
        Span<float> buffer = stack.Slice(shift, 64 + Buffers.AlignmentSlack);

        Span<float> aligned = Buffers.Aligned64(buffer, 64);

        nint address = Unsafe.ByteOffset(ref Unsafe.NullRef<float>(), ref MemoryMarshal.GetReference(aligned));
        Assert.Equal(0, (int)(address & 63));
        Assert.Equal(64, aligned.Length);
        Assert.True(Unsafe.IsAddressGreaterThan(ref MemoryMarshal.GetReference(aligned), ref MemoryMarshal.GetReference(buffer))
            || Unsafe.AreSame(ref MemoryMarshal.GetReference(aligned), ref MemoryMarshal.GetReference(buffer)));
    }
}
