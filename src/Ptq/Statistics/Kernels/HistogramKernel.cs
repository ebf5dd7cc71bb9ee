using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Ptq.Statistics.Kernels;

/// <summary>
/// Bins floats on a power-of-two grid: bin = clamp(floor(x · 2^-e) − origin, 0, bins−1).
/// Multiplying by 2^-e is exact in float (no division, no rounding), so the kernel, the scalar reference and the
/// double-precision grid arithmetic in <see cref="HistogramGrid"/> agree on every element.
/// Eight sub-histograms (one per vector lane) break the load-increment-store dependency when neighbouring elements hit the same bin.
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
        if (Vector256.IsHardwareAccelerated && x.Length >= Vector256<float>.Count)
        {
            var inv = Vector256.Create(invWidth);
            var org = Vector256.Create(origin);
            var hi = Vector256.Create(top);
            var lane = Vector256.Create(0, bins, 2 * bins, 3 * bins, 4 * bins, 5 * bins, 6 * bins, 7 * bins);
            int last = x.Length - Vector256<float>.Count;
            for (; i <= last; i += Vector256<float>.Count)
            {
                var v = Vector256.Floor(Vector256.LoadUnsafe(ref r, (nuint)i) * inv) - org;
                v = Vector256.Min(Vector256.Max(v, Vector256<float>.Zero), hi);
                var idx = Vector256.ConvertToInt32(v) + lane;
                Unsafe.Add(ref c, idx.GetElement(0))++;
                Unsafe.Add(ref c, idx.GetElement(1))++;
                Unsafe.Add(ref c, idx.GetElement(2))++;
                Unsafe.Add(ref c, idx.GetElement(3))++;
                Unsafe.Add(ref c, idx.GetElement(4))++;
                Unsafe.Add(ref c, idx.GetElement(5))++;
                Unsafe.Add(ref c, idx.GetElement(6))++;
                Unsafe.Add(ref c, idx.GetElement(7))++;
            }
        }
        for (; i < x.Length; i++)
        {
            scratch[ScalarIndex(Unsafe.Add(ref r, i), invWidth, origin, bins)]++;
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
