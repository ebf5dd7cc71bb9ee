using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Ptq.Statistics.Kernels;

/// <summary>Turns a non-finite batch summary into a <see cref="NonFiniteTensorException"/> naming the first bad element.</summary>
internal static class FiniteGuard
{
    /// <summary>
    /// The batch's min and max, checked to be finite: the first step every observer takes. One pass over memory (min,
    /// max and a finiteness sum together; calibration is bandwidth-bound). Throws <see cref="NonFiniteTensorException"/>
    /// naming the tensor and the first bad element.
    /// </summary>
    public static FloatRange FiniteRange(ReadOnlySpan<float> values, string tensorName)
    {
        var (min, max, finite) = MinMax(values);
        if (!finite)
            Throw(values, tensorName);
        return new FloatRange(min, max);
    }

    /// <summary>
    /// Min, max and whether every element is finite, in one pass. x − x is 0 for finite x and NaN for NaN and ±∞, so a
    /// running sum of it is NaN exactly when some element is not finite (vector min/max alone would drop NaNs).
    /// </summary>
    internal static (float Min, float Max, bool Finite) MinMax(ReadOnlySpan<float> values)
    {
        if (values.IsEmpty)
            throw new ArgumentException("empty batch", nameof(values));
        ref float r = ref MemoryMarshal.GetReference(values);
        int i = 0;
        float min = values[0], max = values[0], check = 0f;
        if (Vector512.IsHardwareAccelerated && values.Length >= 2 * Vector512<float>.Count)
        {
            var lo0 = Vector512.LoadUnsafe(ref r);
            var hi0 = lo0;
            var lo1 = lo0;
            var hi1 = lo0;
            var bad = Vector512<float>.Zero;
            int last = values.Length - 2 * Vector512<float>.Count;
            for (; i <= last; i += 2 * Vector512<float>.Count)
            {
                var a = Vector512.LoadUnsafe(ref r, (nuint)i);
                var b = Vector512.LoadUnsafe(ref r, (nuint)(i + Vector512<float>.Count));
                lo0 = Vector512.MinNative(lo0, a);
                hi0 = Vector512.MaxNative(hi0, a);
                lo1 = Vector512.MinNative(lo1, b);
                hi1 = Vector512.MaxNative(hi1, b);
                bad += (a - a) + (b - b);
            }
            min = Reduce(Vector512.MinNative(lo0, lo1), MathF.Min);
            max = Reduce(Vector512.MaxNative(hi0, hi1), MathF.Max);
            check = Vector512.Sum(bad);
        }
        else if (Vector256.IsHardwareAccelerated && values.Length >= Vector256<float>.Count)
        {
            var lo = Vector256.LoadUnsafe(ref r);
            var hi = lo;
            var bad = Vector256<float>.Zero;
            int last = values.Length - Vector256<float>.Count;
            for (; i <= last; i += Vector256<float>.Count)
            {
                var a = Vector256.LoadUnsafe(ref r, (nuint)i);
                lo = Vector256.MinNative(lo, a);
                hi = Vector256.MaxNative(hi, a);
                bad += a - a;
            }
            for (int k = 0; k < Vector256<float>.Count; k++)
            {
                min = MathF.Min(min, lo.GetElement(k));
                max = MathF.Max(max, hi.GetElement(k));
            }
            check = Vector256.Sum(bad);
        }
        for (; i < values.Length; i++)
        {
            float v = values[i];
            min = MathF.Min(min, v);
            max = MathF.Max(max, v);
            check += v - v;
        }
        return (min, max, float.IsFinite(check) && float.IsFinite(min) && float.IsFinite(max));
    }

    // Once per batch: a plain loop over the 16 lanes is cheap enough.
    private static float Reduce(Vector512<float> v, Func<float, float, float> pick)
    {
        float r = v.GetElement(0);
        for (int k = 1; k < Vector512<float>.Count; k++)
            r = pick(r, v.GetElement(k));
        return r;
    }

    /// <summary>
    /// Throws when <paramref name="batchMin"/> or <paramref name="batchMax"/> is not finite.
    /// TensorPrimitives.Min/Max propagate NaN, so checking the two reductions covers NaN and ±Infinity.
    /// </summary>
    public static void ThrowIfNonFinite(float batchMin, float batchMax, ReadOnlySpan<float> values, string tensorName)
    {
        if (float.IsFinite(batchMin) && float.IsFinite(batchMax))
        {
            return;
        }
        Throw(values, tensorName);
    }

    /// <summary>Scans for the first non-finite element (error path only) and throws.</summary>
    public static void Throw(ReadOnlySpan<float> values, string tensorName)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                throw new NonFiniteTensorException(tensorName, i, values[i]);
            }
        }
        throw new NonFiniteTensorException(tensorName, -1, float.NaN);
    }
}
