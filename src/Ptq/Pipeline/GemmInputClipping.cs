using Ptq.Quantization;

namespace Ptq.Pipeline;

/// <summary>Bolt's global GEMM-input clip (<c>-c V</c>): the ranges of Conv/Gemm/MatMul activation inputs are cut to [−V, V].</summary>
internal static class GemmInputClipping
{
    private static readonly HashSet<string> GemmOps = new(StringComparer.Ordinal) { "Conv", "ConvTranspose", "Gemm", "MatMul" };

    /// <summary>
    /// Returns <paramref name="ranges"/> with every tensor whose parameters feed a GEMM-like op's activation input
    /// intersected with [−<paramref name="clip"/>, <paramref name="clip"/>] (the tensor a follower reuses is clipped,
    /// so the follower is too).
    /// </summary>
    public static Dictionary<string, (float Min, float Max)> Apply(IReadOnlyDictionary<string, (float Min, float Max)> ranges, QuantizationPlan plan, float clip)
    {
        var result = new Dictionary<string, (float Min, float Max)>(ranges, StringComparer.Ordinal);
        foreach (var node in plan.Int8Nodes.Where(n => GemmOps.Contains(n.OpType)))
        {
            var inputs = node.OpType == "MatMul" ? node.Inputs.Take(2) : node.Inputs.Take(1);
            foreach (string input in inputs)
            {
                string source = plan.ParameterSource(input);
                if (result.TryGetValue(source, out var range))
                    result[source] = (Math.Max(range.Min, -clip), Math.Min(range.Max, clip));
            }
        }
        return result;
    }
}
