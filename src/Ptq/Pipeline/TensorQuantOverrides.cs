using Ptq.Quantization;

namespace Ptq.Pipeline;

/// <summary>
/// One activation's parameters fixed by the user (ONNX Runtime's TensorQuantOverrides): an explicit scale and zero
/// point, or the range [RMin, RMax] the parameters are computed from instead of the calibrated one.
/// </summary>
/// <param name="Scale">Scale to write, with <paramref name="ZeroPoint"/>; null when a range is given.</param>
/// <param name="ZeroPoint">Zero point to write, with <paramref name="Scale"/>.</param>
/// <param name="RMin">Lower end of the range, with <paramref name="RMax"/>; null when a scale is given.</param>
/// <param name="RMax">Upper end of the range.</param>
internal sealed record TensorOverride(float? Scale, int? ZeroPoint, float? RMin, float? RMax);

/// <summary>Applies <see cref="TensorOverride"/>s to the calibrated ranges and the parameters derived from them.</summary>
internal static class TensorQuantOverrides
{
    /// <summary>
    /// The calibrated tensor each override sets (a tensor whose parameters follow its input's, such as a MaxPool output,
    /// sets its source's). Throws <see cref="PtqException"/> for a tensor the plan does not quantize, naming the closest ones.
    /// </summary>
    public static Dictionary<string, TensorOverride> Resolve(IReadOnlyDictionary<string, TensorOverride> overrides, QuantizationPlan plan)
    {
        var quantized = plan.QuantizedActivations.ToHashSet(StringComparer.Ordinal);
        var resolved = new Dictionary<string, TensorOverride>(StringComparer.Ordinal);
        foreach (var (tensor, value) in overrides)
        {
            if (!quantized.Contains(tensor))
                throw new PtqException($"tensor-overrides: '{tensor}' is not a quantized activation of this model (weights, float tensors and unknown names cannot be overridden); closest: {string.Join(", ", NodeMatcher.Closest(tensor, quantized))}");
            string source = plan.ParameterSource(tensor);
            if (resolved.ContainsKey(source))
                throw new PtqException($"tensor-overrides: '{tensor}' shares its quantization parameters with '{source}', which another entry already sets; keep one of them");
            resolved[source] = value;
        }
        return resolved;
    }

    /// <summary>The range of <paramref name="tensor"/> after its override: [RMin, RMax] when given, else the calibrated one.</summary>
    public static FloatRange Range(IReadOnlyDictionary<string, TensorOverride> overrides, string tensor, FloatRange calibrated) =>
        overrides.TryGetValue(tensor, out var o) && o.RMin is float min && o.RMax is float max ? new FloatRange(min, max) : calibrated;

    /// <summary>
    /// The explicit scale and zero point of <paramref name="tensor"/>, or null. <paramref name="fused"/> is the range a
    /// Relu or Clip folded into the quantization guarantees: an explicit zero point must keep values below it out, or
    /// the removed activation would no longer cut them.
    /// </summary>
    public static QuantParams? Explicit(IReadOnlyDictionary<string, TensorOverride> overrides, string tensor, QuantScheme scheme, FloatRange? fused)
    {
        if (!overrides.TryGetValue(tensor, out var o) || o.Scale is not float scale || o.ZeroPoint is not int zeroPoint)
            return null;
        if (zeroPoint < scheme.QMin || zeroPoint > scheme.QMax)
            throw new PtqException($"tensor-overrides: '{tensor}' zero_point {zeroPoint} is outside the codes [{scheme.QMin}, {scheme.QMax}] of its scheme {scheme}");
        if (fused is { } bounds && (scheme.QMin - zeroPoint) * (double)scale < bounds.Min - 1e-6)
            throw new PtqException($"tensor-overrides: '{tensor}' gets its Relu/Clip from its quantization (the activation was fused), so its lowest code must stand for {bounds.Min} or more; zero_point {zeroPoint} with scale {scale} reaches {(scheme.QMin - zeroPoint) * (double)scale}");
        return new QuantParams([scale], [zeroPoint], scheme);
    }
}
