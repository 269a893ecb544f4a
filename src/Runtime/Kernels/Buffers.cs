using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace GenNN.Kernels
{
    /// <summary>
    /// 64-byte-aligned scratch for generated networks' Predict. A vector stored across two cache lines and read
    /// back at once stalls store-to-load forwarding: it doubled a small network's Predict whenever the stack
    /// happened to be misaligned. (Aligning the heap buffers, parameters and training scratch, measured no
    /// difference, so they stay plain arrays.)
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Advanced)]
    public static class Buffers
    {
        /// <summary>Floats of slack an aligned buffer needs beyond its length.</summary>
        public const int AlignmentSlack = 16;

        /// <summary>
        /// The <paramref name="length"/> floats of <paramref name="buffer"/> that start on a 64-byte boundary;
        /// <paramref name="buffer"/> must hold <paramref name="length"/> + <see cref="AlignmentSlack"/> floats and must
        /// not move (stack memory).
        /// </summary>
        /// <param name="buffer">Stack memory with slack.</param>
        /// <param name="length">The floats needed.</param>
        /// <returns>The aligned part.</returns>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Span<float> Aligned64(Span<float> buffer, int length)
            => buffer.Slice(Skip(ref MemoryMarshal.GetReference(buffer)), length);

        // The address as the distance from a null reference: no pointers, so no unsafe code.
        private static int Skip(ref float first)
            => (int)((-Unsafe.ByteOffset(ref Unsafe.NullRef<float>(), ref first) & 63) >> 2);
    }
}
