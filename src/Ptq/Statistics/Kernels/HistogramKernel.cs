using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Numerics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Ptq.Statistics.Kernels;

/// <summary>
/// Bins floats on a power-of-two grid: bin = clamp(floor(x · 2^-e) − origin, 0, bins−1).
/// Multiplying by 2^-e is exact in float (no division, no rounding), so the kernel, the scalar reference and the
/// double-precision grid arithmetic in <see cref="HistogramGrid"/> agree on every element.
/// Eight sub-histograms (one per vector lane) break the load-increment-store dependency when neighbouring elements hit the same bin.
/// Exact zeros (dead ReLU outputs, often half of a tensor) are counted without touching a bin: with AVX-512 the bin
/// indices of the non-zero elements are packed (VPCOMPRESSD) into a small buffer that is then counted, otherwise vectors
/// of eight zeros are counted with one increment.
/// </summary>
internal static class HistogramKernel
{
    /// <summary>Number of interleaved sub-histograms in the scratch buffer.</summary>
    public const int Lanes = 8;

    /// <summary>
    /// Adds the bin counts of <paramref name="x"/> into <paramref name="scratch"/>, laid out as <see cref="Lanes"/> blocks of
    /// <paramref name="bins"/> ints. <paramref name="origin"/> must be an integer-valued float (it always is: it is a floor of a float).
    /// </summary>
    public static void Accumulate(ReadOnlySpan<float> x, float invWidth, float origin, int bins, Span<int> scratch)
    {
        if (scratch.Length < Lanes * bins)
        {
            throw new ArgumentException("scratch must hold Lanes * bins counters", nameof(scratch));
        }
        ref float r = ref MemoryMarshal.GetReference(x);
        ref int c = ref MemoryMarshal.GetReference(scratch);
        int i = 0;
        float top = bins - 1;
        if (Avx512F.IsSupported && x.Length >= Vector512<float>.Count)
        {
            i = AccumulateAvx512(x, invWidth, origin, bins, scratch);
        }
        else if (Vector256.IsHardwareAccelerated && x.Length >= Vector256<float>.Count)
        {
            var inv = Vector256.Create(invWidth);
            var org = Vector256.Create(origin);
            var hi = Vector256.Create(top);
            var lane = Vector256.Create(0, bins, 2 * bins, 3 * bins, 4 * bins, 5 * bins, 6 * bins, 7 * bins);
            int zeroBin = ScalarIndex(0f, invWidth, origin, bins);
            int last = x.Length - Vector256<float>.Count;
            for (; i <= last; i += Vector256<float>.Count)
            {
                var raw = Vector256.LoadUnsafe(ref r, (nuint)i);
                if (Vector256.EqualsAll(raw, Vector256<float>.Zero))
                {
                    Unsafe.Add(ref c, zeroBin) += Vector256<float>.Count;
                    continue;
                }
                var v = Vector256.Floor(raw * inv) - org;
                v = Vector256.Min(Vector256.Max(v, Vector256<float>.Zero), hi);
                Scatter(Vector256.ConvertToInt32(v) + lane, ref c);
            }
        }
        for (; i < x.Length; i++)
        {
            scratch[ScalarIndex(Unsafe.Add(ref r, i), invWidth, origin, bins)]++;
        }
    }

    private const int PackedCapacity = 512;

    /// <summary>
    /// The AVX-512 path: bins 16 values at a time, drops exact zeros with a register compress and counts the packed
    /// indices round-robin over the eight sub-histograms. Returns how many leading elements it consumed (the rest, fewer
    /// than 16, is left for the scalar tail).
    /// </summary>
    private static int AccumulateAvx512(ReadOnlySpan<float> x, float invWidth, float origin, int bins, Span<int> scratch)
    {
        ref float r = ref MemoryMarshal.GetReference(x);
        Span<int> packed = stackalloc int[PackedCapacity + Vector512<int>.Count];
        ref int p = ref MemoryMarshal.GetReference(packed);
        var inv = Vector512.Create(invWidth);
        var org = Vector512.Create(origin);
        var hi = Vector512.Create((float)(bins - 1));
        var lanes = Vector256.Create(0, bins, 2 * bins, 3 * bins, 4 * bins, 5 * bins, 6 * bins, 7 * bins);
        ref int c = ref MemoryMarshal.GetReference(scratch);
        int n = 0, zeros = 0, i = 0;
        int last = x.Length - Vector512<float>.Count;
        for (; i <= last; i += Vector512<float>.Count)
        {
            var raw = Vector512.LoadUnsafe(ref r, (nuint)i);
            var nonZero = ~Vector512.Equals(raw, Vector512<float>.Zero).AsInt32();
            int kept = BitOperations.PopCount(nonZero.ExtractMostSignificantBits());
            zeros += Vector512<float>.Count - kept;
            if (kept == 0)
            {
                continue;
            }
            var v = Vector512.Floor(raw * inv) - org;
            v = Vector512.Min(Vector512.Max(v, Vector512<float>.Zero), hi);
            var indices = Vector512.ConvertToInt32(v);
            if (kept == Vector512<int>.Count)
            {
                // Dense vector: count straight from the register; packing costs more than it saves here.
                Scatter(indices.GetLower() + lanes, ref c);
                Scatter(indices.GetUpper() + lanes, ref c);
                continue;
            }
            Avx512F.Compress(Vector512<int>.Zero, nonZero, indices).StoreUnsafe(ref p, (nuint)n);
            n += kept;
            if (n >= PackedCapacity)
            {
                Count(packed[..n], bins, scratch);
                n = 0;
            }
        }
        Count(packed[..n], bins, scratch);
        scratch[ScalarIndex(0f, invWidth, origin, bins)] += zeros;
        return i;
    }

    /// <summary>Adds one to each of eight counters (bin index plus sub-histogram offset).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Scatter(Vector256<int> idx, ref int c)
    {
        Unsafe.Add(ref c, idx.GetElement(0))++;
        Unsafe.Add(ref c, idx.GetElement(1))++;
        Unsafe.Add(ref c, idx.GetElement(2))++;
        Unsafe.Add(ref c, idx.GetElement(3))++;
        Unsafe.Add(ref c, idx.GetElement(4))++;
        Unsafe.Add(ref c, idx.GetElement(5))++;
        Unsafe.Add(ref c, idx.GetElement(6))++;
        Unsafe.Add(ref c, idx.GetElement(7))++;
    }

    /// <summary>Adds one to each bin in <paramref name="indices"/>, spreading neighbours over the eight sub-histograms.</summary>
    private static void Count(ReadOnlySpan<int> indices, int bins, Span<int> scratch)
    {
        ref int c = ref MemoryMarshal.GetReference(scratch);
        ref int b = ref MemoryMarshal.GetReference(indices);
        int j = 0;
        for (; j + Lanes <= indices.Length; j += Lanes)
        {
            Unsafe.Add(ref c, Unsafe.Add(ref b, j))++;
            Unsafe.Add(ref c, bins + Unsafe.Add(ref b, j + 1))++;
            Unsafe.Add(ref c, 2 * bins + Unsafe.Add(ref b, j + 2))++;
            Unsafe.Add(ref c, 3 * bins + Unsafe.Add(ref b, j + 3))++;
            Unsafe.Add(ref c, 4 * bins + Unsafe.Add(ref b, j + 4))++;
            Unsafe.Add(ref c, 5 * bins + Unsafe.Add(ref b, j + 5))++;
            Unsafe.Add(ref c, 6 * bins + Unsafe.Add(ref b, j + 6))++;
            Unsafe.Add(ref c, 7 * bins + Unsafe.Add(ref b, j + 7))++;
        }
        for (; j < indices.Length; j++)
        {
            Unsafe.Add(ref c, Unsafe.Add(ref b, j))++;
        }
    }

    /// <summary>Scalar definition of the bin index (also the reference for tests).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ScalarIndex(float x, float invWidth, float origin, int bins)
    {
        float v = MathF.Floor(x * invWidth) - origin;
        v = MathF.Min(MathF.Max(v, 0f), bins - 1);
        return (int)v;
    }
}
