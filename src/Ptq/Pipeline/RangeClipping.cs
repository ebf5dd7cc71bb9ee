using Ptq.Quantization;

namespace Ptq.Pipeline;

/// <summary>
/// Range clipping by where a tensor goes: Bolt's global GEMM-input clip (<c>-c V</c>), and net-aware clipping of the
/// inputs of saturating activations (Tanh is flat beyond ±4, Sigmoid beyond ±6, so wider input ranges only waste codes).
/// </summary>
internal static class RangeClipping
{
    private static readonly Dictionary<string, float> SaturatingInputs = new(StringComparer.Ordinal) { ["Tanh"] = 4f, ["Sigmoid"] = 6f };

    /// <summary>
    /// Returns <paramref name="ranges"/> with the input of every int8 Tanh cut to [−4, 4] and of every int8 Sigmoid to
    /// [−6, 6] (the tensor whose parameters the input uses is cut, and with it everything sharing them).
    /// </summary>
    public static Dictionary<string, FloatRange> ApplyNetAware(IReadOnlyDictionary<string, FloatRange> ranges, QuantizationPlan plan)
    {
        var result = new Dictionary<string, FloatRange>(ranges, StringComparer.Ordinal);
        foreach (var node in plan.Int8Nodes)
        {
            if (!SaturatingInputs.TryGetValue(node.OpType, out float limit))
                continue;
            string source = plan.ParameterSource(node.Inputs[0]);
            if (result.TryGetValue(source, out var range))
                result[source] = new FloatRange(Math.Max(range.Min, -limit), Math.Min(range.Max, limit));
        }
        return result;
    }

    private static readonly HashSet<string> GemmOps = new(StringComparer.Ordinal) { "Conv", "ConvTranspose", "Gemm", "MatMul" };

    /// <summary>
    /// Returns <paramref name="ranges"/> with every tensor whose parameters feed a GEMM-like op's activation input
    /// intersected with [−<paramref name="clip"/>, <paramref name="clip"/>] (the tensor a follower reuses is clipped,
    /// so the follower is too).
    /// </summary>
    public static Dictionary<string, FloatRange> Apply(IReadOnlyDictionary<string, FloatRange> ranges, QuantizationPlan plan, float clip)
    {
        var result = new Dictionary<string, FloatRange>(ranges, StringComparer.Ordinal);
        foreach (var node in plan.Int8Nodes.Where(n => GemmOps.Contains(n.OpType)))
        {
            var inputs = node.OpType == "MatMul" ? node.Inputs.Take(2) : node.Inputs.Take(1);
            foreach (string input in inputs)
            {
                string source = plan.ParameterSource(input);
                if (result.TryGetValue(source, out var range))
                    result[source] = new FloatRange(Math.Max(range.Min, -clip), Math.Min(range.Max, clip));
            }
        }
        return result;
    }
}
