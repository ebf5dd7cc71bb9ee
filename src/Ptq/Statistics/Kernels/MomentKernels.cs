using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Ptq.Statistics.Kernels;

/// <summary>
/// Double-precision reductions over float spans for the moments observer.
/// Floats are widened to double before accumulation so that a 2^31-element batch keeps ~1e-9 relative accuracy
/// (a float accumulator would lose all digits past 2^24 elements). Vector256 body, scalar tail.
/// </summary>
internal static class MomentKernels
{
    /// <summary>Returns Σx and Σ|x| accumulated in double.</summary>
    public static (double Sum, double AbsSum) SumAndAbsSum(ReadOnlySpan<float> x)
    {
        ref float r = ref MemoryMarshal.GetReference(x);
        int i = 0;
        double sum = 0, abs = 0;
        if (Vector256.IsHardwareAccelerated && x.Length >= Vector256<float>.Count)
        {
            Vector256<double> s0 = Vector256<double>.Zero, s1 = Vector256<double>.Zero;
            Vector256<double> a0 = Vector256<double>.Zero, a1 = Vector256<double>.Zero;
            int last = x.Length - Vector256<float>.Count;
            for (; i <= last; i += Vector256<float>.Count)
            {
                var v = Vector256.LoadUnsafe(ref r, (nuint)i);
                var (lo, hi) = Vector256.Widen(v);
                s0 += lo;
                s1 += hi;
                a0 += Vector256.Abs(lo);
                a1 += Vector256.Abs(hi);
            }
            sum = Vector256.Sum(s0 + s1);
            abs = Vector256.Sum(a0 + a1);
        }
        for (; i < x.Length; i++)
        {
            double v = Unsafe.Add(ref r, i);
            sum += v;
            abs += Math.Abs(v);
        }
        return (sum, abs);
    }

    /// <summary>Returns Σ(x−c)² and Σ|x−c| accumulated in double.</summary>
    public static (double SumSquares, double SumAbs) CenteredSums(ReadOnlySpan<float> x, double c)
    {
        ref float r = ref MemoryMarshal.GetReference(x);
        int i = 0;
        double sq = 0, abs = 0;
        if (Vector256.IsHardwareAccelerated && x.Length >= Vector256<float>.Count)
        {
            var cv = Vector256.Create(c);
            Vector256<double> q0 = Vector256<double>.Zero, q1 = Vector256<double>.Zero;
            Vector256<double> a0 = Vector256<double>.Zero, a1 = Vector256<double>.Zero;
            int last = x.Length - Vector256<float>.Count;
            for (; i <= last; i += Vector256<float>.Count)
            {
                var (lo, hi) = Vector256.Widen(Vector256.LoadUnsafe(ref r, (nuint)i));
                lo -= cv;
                hi -= cv;
                q0 += lo * lo;
                q1 += hi * hi;
                a0 += Vector256.Abs(lo);
                a1 += Vector256.Abs(hi);
            }
            sq = Vector256.Sum(q0 + q1);
            abs = Vector256.Sum(a0 + a1);
        }
        for (; i < x.Length; i++)
        {
            double d = Unsafe.Add(ref r, i) - c;
            sq += d * d;
            abs += Math.Abs(d);
        }
        return (sq, abs);
    }

    /// <summary>
    /// Counts elements equal to ±0 and reports whether every element is finite
    /// (x − x is 0 for finite x and NaN for NaN/±Inf, so one accumulator detects both).
    /// </summary>
    public static (long Zeros, bool AllFinite) CountZeros(ReadOnlySpan<float> x)
    {
        ref float r = ref MemoryMarshal.GetReference(x);
        int i = 0;
        long zeros = 0;
        bool finite = true;
        if (Vector256.IsHardwareAccelerated && x.Length >= Vector256<float>.Count)
        {
            var nan = Vector256<float>.Zero;
            int last = x.Length - Vector256<float>.Count;
            for (; i <= last; i += Vector256<float>.Count)
            {
                var v = Vector256.LoadUnsafe(ref r, (nuint)i);
                zeros += uint.PopCount(Vector256.Equals(v, Vector256<float>.Zero).ExtractMostSignificantBits());
                nan += v - v;
            }
            finite = Vector256.EqualsAll(nan, Vector256<float>.Zero);
        }
        for (; i < x.Length; i++)
        {
            float v = Unsafe.Add(ref r, i);
            if (v == 0f)
            {
                zeros++;
            }
            finite &= float.IsFinite(v);
        }
        return (zeros, finite);
    }
}
