namespace Ptq.Statistics.Kernels;

/// <summary>Turns a non-finite batch summary into a <see cref="NonFiniteTensorException"/> naming the first bad element.</summary>
internal static class FiniteGuard
{
    /// <summary>
    /// The batch's min and max (one TensorPrimitives pass each), checked to be finite: the first step every observer
    /// takes. Throws <see cref="NonFiniteTensorException"/> naming the tensor and the first bad element.
    /// </summary>
    public static (float Min, float Max) FiniteRange(ReadOnlySpan<float> values, string tensorName)
    {
        float min = System.Numerics.Tensors.TensorPrimitives.Min(values);
        float max = System.Numerics.Tensors.TensorPrimitives.Max(values);
        ThrowIfNonFinite(min, max, values, tensorName);
        return (min, max);
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
