using System;
using System.ComponentModel;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace GenNN.Kernels
{
    /// <summary>
    /// Inverted dropout for generated networks' <c>[Dropout(rate)]</c> layers: in TrainBatch each activation is kept with
    /// probability <c>1 - rate</c> and scaled by <c>1 / (1 - rate)</c>, or zeroed; Predict leaves it alone.
    /// </summary>
    /// <remarks>
    /// The mask is a counter-based hash, not a stateful generator: element <c>i</c> of dropout layer <c>layer</c> in the
    /// batch whose stream is <c>stream</c> is kept when the top 24 bits of <c>hash(stream, layer, i)</c> are at least
    /// <c>round(rate 2^24)</c>. So the forward pass and the backward pass compute the same mask without storing it, the
    /// Vector128 and scalar paths give identical masks, nothing is allocated, and a seed reproduces every mask. The hash
    /// is the "lowbias32" integer finaliser (Chris Wellons' hash prospector) of the element index mixed with a per-batch,
    /// per-layer key from SplitMix64.
    /// </remarks>
    [EditorBrowsable(EditorBrowsableState.Advanced)]
    public static class Dropout
    {
        /// <summary>
        /// The stream of one TrainBatch call: SplitMix64 of the seed and the call's number, so consecutive batches draw
        /// independent masks and <c>SeedDropout(seed)</c> replays them.
        /// </summary>
        /// <param name="seed">The network's dropout seed.</param>
        /// <param name="call">The number of TrainBatch calls since the seed was set.</param>
        /// <returns>The key the batch's masks derive from.</returns>
        public static ulong Stream(ulong seed, ulong call) => Mix64(seed + Mix64(call + 0x9E3779B97F4A7C15UL));

        /// <summary>
        /// <c>destination = source * mask / (1 - rate)</c> for dropout layer <paramref name="layer"/> (its position in the
        /// network) of the batch with <paramref name="stream"/>. The spans may be the same. A NaN stays NaN even where it is
        /// dropped (<c>NaN * 0</c>), as in PyTorch.
        /// </summary>
        /// <param name="source">The activations, row-major over the batch.</param>
        /// <param name="destination">Receives the dropped and scaled activations.</param>
        /// <param name="rate">The probability of dropping an element, in [0, 1).</param>
        /// <param name="stream">The batch's stream (<see cref="Stream"/>).</param>
        /// <param name="layer">Which dropout layer of the network this is.</param>
        public static void Forward(ReadOnlySpan<float> source, Span<float> destination, float rate, ulong stream, int layer)
            => Forward(source, destination, rate, stream, layer, 0);

        /// <summary>
        /// <see cref="Forward(ReadOnlySpan{float}, Span{float}, float, ulong, int)"/> on a slice of the layer's batch of
        /// activations that starts at element <paramref name="firstIndex"/>: the part of a batch that one thread runs gets
        /// the masks the whole batch would.
        /// </summary>
        /// <param name="source">The activations of the slice, row-major.</param>
        /// <param name="destination">Receives the dropped and scaled activations.</param>
        /// <param name="rate">The probability of dropping an element, in [0, 1).</param>
        /// <param name="stream">The batch's stream (<see cref="Stream"/>).</param>
        /// <param name="layer">Which dropout layer of the network this is.</param>
        /// <param name="firstIndex">The index of the slice's first element in the layer's batch of activations.</param>
        public static void Forward(ReadOnlySpan<float> source, Span<float> destination, float rate, ulong stream, int layer, int firstIndex)
        {
            if (source.Length != destination.Length)
            {
                throw new ArgumentException(
                    string.Format(CultureInfo.InvariantCulture, "Expected a destination of {0} floats, the source's length; got {1}.", source.Length, destination.Length),
                    nameof(destination));
            }

            Apply(source, destination, rate, stream, layer, firstIndex);
        }

        /// <summary>
        /// <c>gradient *= mask / (1 - rate)</c>: the backward pass of <see cref="Forward(ReadOnlySpan{float}, Span{float}, float, ulong, int)"/> with the same arguments, which
        /// recomputes the same mask.
        /// </summary>
        /// <param name="gradient">The gradient with respect to the dropout's output, row-major over the batch.</param>
        /// <param name="rate">The probability of dropping an element, in [0, 1).</param>
        /// <param name="stream">The batch's stream (<see cref="Stream"/>).</param>
        /// <param name="layer">Which dropout layer of the network this is.</param>
        public static void Backward(Span<float> gradient, float rate, ulong stream, int layer) => Apply(gradient, gradient, rate, stream, layer, 0);

        /// <summary>
        /// <see cref="Backward(Span{float}, float, ulong, int)"/> on a slice of the layer's batch that starts at element
        /// <paramref name="firstIndex"/>, as <see cref="Forward(ReadOnlySpan{float}, Span{float}, float, ulong, int, int)"/>.
        /// </summary>
        /// <param name="gradient">The gradient of the slice, row-major.</param>
        /// <param name="rate">The probability of dropping an element, in [0, 1).</param>
        /// <param name="stream">The batch's stream (<see cref="Stream"/>).</param>
        /// <param name="layer">Which dropout layer of the network this is.</param>
        /// <param name="firstIndex">The index of the slice's first element in the layer's batch of activations.</param>
        public static void Backward(Span<float> gradient, float rate, ulong stream, int layer, int firstIndex)
            => Apply(gradient, gradient, rate, stream, layer, firstIndex);

        /// <summary>Whether element <paramref name="index"/> is kept: the scalar definition of the mask.</summary>
        /// <param name="rate">The probability of dropping an element, in [0, 1).</param>
        /// <param name="stream">The batch's stream.</param>
        /// <param name="layer">Which dropout layer of the network this is.</param>
        /// <param name="index">The element's position in the layer's batch of activations.</param>
        /// <returns>True when the element is kept.</returns>
        public static bool IsKept(float rate, ulong stream, int layer, int index)
        {
            ulong key = LayerKey(stream, layer);
            return (int)(Hash((uint)index, (uint)key, (uint)(key >> 32)) >> 8) >= Threshold(rate);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Apply(ReadOnlySpan<float> source, Span<float> destination, float rate, ulong stream, int layer, int firstIndex)
        {
            if (!(rate >= 0f && rate < 1f))
            {
                throw new ArgumentOutOfRangeException(nameof(rate), rate, "Expected a dropout rate in [0, 1).");
            }

            ulong key = LayerKey(stream, layer);
            uint k0 = (uint)key, k1 = (uint)(key >> 32);
            int threshold = Threshold(rate);
            float scale = 1f / (1f - rate);
            int n = source.Length, i = 0;
            if (Vector128.IsHardwareAccelerated)
            {
                ref float x = ref MemoryMarshal.GetReference(source);
                ref float y = ref MemoryMarshal.GetReference(destination);
                Vector128<uint> lanes = Vector128.Create(0u, 1u, 2u, 3u);
                Vector128<int> limit = Vector128.Create(threshold);
                Vector128<float> kept = Vector128.Create(scale);
                for (; i + 4 <= n; i += 4)
                {
                    Vector128<uint> h = Hash(lanes + Vector128.Create((uint)(firstIndex + i)), k0, k1);
                    Vector128<int> top = Vector128.ShiftRightLogical(h, 8).AsInt32();
                    Vector128<float> m = Vector128.BitwiseAnd(Vector128.GreaterThanOrEqual(top, limit).AsSingle(), kept);
                    (Vector128.LoadUnsafe(ref x, (nuint)i) * m).StoreUnsafe(ref y, (nuint)i);
                }
            }

            for (; i < n; i++)
            {
                float m = (int)(Hash((uint)(firstIndex + i), k0, k1) >> 8) >= threshold ? scale : 0f;
                destination[i] = source[i] * m;
            }
        }

        /// <summary>Elements whose top 24 hash bits are below this are dropped: <c>round(rate 2^24)</c>.</summary>
        private static int Threshold(float rate) => (int)Math.Round(rate * 16777216.0);

        private static ulong LayerKey(ulong stream, int layer) => Mix64(stream ^ ((ulong)(uint)layer * 0xD1B54A32D192ED03UL));

        /// <summary>SplitMix64's finaliser.</summary>
        private static ulong Mix64(ulong z)
        {
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static uint Hash(uint index, uint k0, uint k1)
        {
            uint h = (index ^ k1) * 0x9E3779B9u + k0;
            h ^= h >> 16;
            h *= 0x7FEB352Du;
            h ^= h >> 15;
            h *= 0x846CA68Bu;
            return h ^ (h >> 16);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector128<uint> Hash(Vector128<uint> index, uint k0, uint k1)
        {
            Vector128<uint> h = (index ^ Vector128.Create(k1)) * Vector128.Create(0x9E3779B9u) + Vector128.Create(k0);
            h ^= Vector128.ShiftRightLogical(h, 16);
            h *= Vector128.Create(0x7FEB352Du);
            h ^= Vector128.ShiftRightLogical(h, 15);
            h *= Vector128.Create(0x846CA68Bu);
            return h ^ Vector128.ShiftRightLogical(h, 16);
        }
    }
}
