namespace Ptq.Quantization;

/// <summary>
/// Scale and zero point for one tensor (per-tensor) or one per channel along <see cref="Axis"/> (per-channel):
/// <c>real = (q - zeroPoint) * scale</c>, <c>q = clamp(round_half_even(real / scale) + zeroPoint, QMin, QMax)</c>.
/// </summary>
internal sealed class QuantParams
{
    /// <summary>Smallest scale ever produced: keeps an all-zero tensor from getting scale 0 (which ONNX forbids).</summary>
    public const float MinScale = 1e-8f;

    /// <summary>Creates parameters; per-channel when <paramref name="axis"/> is set.</summary>
    public QuantParams(float[] scales, int[] zeroPoints, QuantScheme scheme, int? axis = null)
    {
        if (scales.Length == 0 || scales.Length != zeroPoints.Length)
            throw new ArgumentException($"need as many scales as zero points (got {scales.Length} and {zeroPoints.Length})");
        foreach (float s in scales)
            if (!(s > 0) || float.IsInfinity(s))
                throw new PtqException($"invalid quantization scale {s}: scales must be finite and positive");
        _scales = scales;
        _zeroPoints = zeroPoints;
        Scheme = scheme;
        Axis = axis;
    }

    private QuantParams(Func<float[]> scales, Func<int[]> zeroPoints, QuantScheme scheme, int? axis)
    {
        _loadScales = scales;
        _loadZeroPoints = zeroPoints;
        Scheme = scheme;
        Axis = axis;
    }

    /// <summary>
    /// Parameters kept on disk rather than in memory (the millions of block scales of a model of gigabytes,
    /// <see cref="Onnx.SpillFile"/>): <see cref="Scales"/> and <see cref="ZeroPoints"/> read them again at every access.
    /// The caller validated them (<see cref="QuantParams(float[], int[], QuantScheme, int?)"/>) before storing them.
    /// </summary>
    public static QuantParams Deferred(Func<float[]> scales, Func<int[]> zeroPoints, QuantScheme scheme, int? axis) =>
        new(scales, zeroPoints, scheme, axis);

    private readonly float[]? _scales;
    private readonly int[]? _zeroPoints;
    private readonly Func<float[]>? _loadScales;
    private readonly Func<int[]>? _loadZeroPoints;

    /// <summary>Scale per channel (one element when per-tensor).</summary>
    public float[] Scales => _scales ?? _loadScales!();

    /// <summary>Zero point per channel (one element when per-tensor).</summary>
    public int[] ZeroPoints => _zeroPoints ?? _loadZeroPoints!();

    /// <summary>The scheme the parameters were computed for.</summary>
    public QuantScheme Scheme { get; }

    /// <summary>Channel axis for per-channel parameters; null when per-tensor.</summary>
    public int? Axis { get; }

    /// <summary>True when there is one scale per channel.</summary>
    public bool IsPerChannel => Axis is not null;

    /// <summary>The single scale of per-tensor parameters.</summary>
    public float Scale => Scales[0];

    /// <summary>The single zero point of per-tensor parameters.</summary>
    public int ZeroPoint => ZeroPoints[0];

    /// <summary>
    /// Per-tensor parameters covering [<paramref name="min"/>, <paramref name="max"/>] (widened to include 0, so zero
    /// is exactly representable). Symmetric: scale = max(|min|, |max|) / QMax, zero point 0. Asymmetric:
    /// scale = (max - min) / (QMax - QMin), zero point = round(QMin - min / scale) clamped to the code range.
    /// Throws <see cref="PtqException"/> for NaN or infinite bounds.
    /// </summary>
    public static QuantParams FromRange(float min, float max, QuantScheme scheme)
    {
        var (scale, zeroPoint) = ScaleAndZeroPoint(min, max, scheme);
        return new QuantParams([scale], [zeroPoint], scheme);
    }

    /// <summary>Per-channel parameters from per-channel ranges (see <see cref="FromRange"/> for each channel).</summary>
    public static QuantParams FromChannelRanges(ReadOnlySpan<float> mins, ReadOnlySpan<float> maxs, QuantScheme scheme, int axis)
    {
        var scales = new float[mins.Length];
        var zeroPoints = new int[mins.Length];
        for (int c = 0; c < mins.Length; c++)
            (scales[c], zeroPoints[c]) = ScaleAndZeroPoint(mins[c], maxs[c], scheme);
        return new QuantParams(scales, zeroPoints, scheme, axis);
    }

    internal static (float Scale, int ZeroPoint) ScaleAndZeroPoint(float min, float max, QuantScheme scheme)
    {
        if (!float.IsFinite(min) || !float.IsFinite(max))
            throw new PtqException($"cannot quantize a range [{min}, {max}]: bounds must be finite");
        if (min > max)
            throw new PtqException($"cannot quantize a range [{min}, {max}]: min exceeds max");
        min = Math.Min(min, 0f);
        max = Math.Max(max, 0f);
        int qmin = scheme.QMin, qmax = scheme.QMax;
        if (scheme.Mode == QuantMode.Symmetric)
        {
            float absMax = Math.Max(-min, max);
            return (Math.Max(absMax / qmax, MinScale), 0);
        }
        float scale = Math.Max((max - min) / (qmax - qmin), MinScale);
        double zero = Math.Round(qmin - min / (double)scale, MidpointRounding.ToEven);
        return (scale, (int)Math.Clamp(zero, qmin, qmax));
    }

    /// <summary>Quantizes one value with channel <paramref name="channel"/>'s parameters (ONNX QuantizeLinear semantics).</summary>
    public int Quantize(float value, int channel = 0)
    {
        // Float division then round-half-even, exactly as ONNX Runtime's QuantizeLinear computes it.
        float q = MathF.Round(value / Scales[channel], MidpointRounding.ToEven) + ZeroPoints[channel];
        return (int)Math.Clamp(q, Scheme.QMin, Scheme.QMax);
    }

    /// <summary>Dequantizes one code (ONNX DequantizeLinear semantics).</summary>
    public float Dequantize(int code, int channel = 0) => (code - ZeroPoints[channel]) * Scales[channel];
}
