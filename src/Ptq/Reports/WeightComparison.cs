using Ptq.Graph;

namespace Ptq.Reports;

/// <summary>Compares a float weight (or bias) with its integer codes dequantized per channel.</summary>
internal static class WeightComparison
{
    /// <summary>
    /// Dequantizes <paramref name="codes"/> as <c>(code − zero_point) · scale</c> per channel (in float, like
    /// DequantizeLinear) and summarises both tensors exactly (every value is kept for the quartiles).
    /// </summary>
    public static TensorDebugRecord Compare(QdqLink link, Node floatNode, string floatName, float[] original, float[] codes)
    {
        long[] shape = link.Dims.Length > 0 ? link.Dims : [original.Length];
        var dequantized = Dequantize(link, codes, shape);
        var origin = new TensorAccumulator(Math.Max(16, original.Length));
        var dequant = new TensorAccumulator(Math.Max(16, original.Length));
        var pair = new PairAccumulator();
        origin.Add(original);
        dequant.Add(dequantized);
        pair.Add(original, dequantized);
        var own = new OwnQuantizationError(link); // saturation only: the codes themselves may not be round-to-nearest (MSE, ADMM)
        own.Add(original, shape);
        var (lo, hi) = ActivationTrack.Extent(link);
        // A constant's only error is its own rounding: local and accumulated SQNR are one figure.
        return new TensorDebugRecord(floatNode.DisplayName, floatNode.OpType, floatName, true, link.Kind == QdqLinkKind.Bias ? TensorRole.Bias : TensorRole.Weight,
            origin.ToSummary(), dequant.ToSummary(), own.Clip, pair.Cosine, pair.SqnrDb, lo, hi, link.Channels, null,
            link.Kind == QdqLinkKind.Weight ? ChannelRanges(link, original, shape) : null, pair.SqnrDb, own.ClipErrorShare);
    }

    private static float[] Dequantize(QdqLink link, float[] codes, long[] shape)
    {
        var result = new float[codes.Length];
        long inner = Inner(shape, link.Axis ?? 0, link.Channels);
        for (int i = 0; i < codes.Length; i++)
        {
            int c = link.Channels == 1 ? 0 : (int)(i / inner % link.Channels);
            result[i] = (codes[i] - link.ZeroPoints[c]) * link.Scales[c];
        }
        return result;
    }

    /// <summary>Per output channel (the quantization axis, else axis 0) float min/max and quantization range.</summary>
    private static List<ChannelRange> ChannelRanges(QdqLink link, float[] values, long[] shape)
    {
        int axis = link.Axis ?? 0;
        int channels = shape.Length == 0 ? 1 : (int)shape[Math.Min(axis, shape.Length - 1)];
        long inner = Inner(shape, axis, channels);
        var min = Enumerable.Repeat(float.PositiveInfinity, channels).ToArray();
        var max = Enumerable.Repeat(float.NegativeInfinity, channels).ToArray();
        for (int i = 0; i < values.Length; i++)
        {
            int c = (int)(i / inner % channels);
            min[c] = Math.Min(min[c], values[i]);
            max[c] = Math.Max(max[c], values[i]);
        }
        return [.. Enumerable.Range(0, channels).Select(c =>
        {
            var (qlo, qhi) = link.RangeOf(link.Channels == 1 ? 0 : c);
            return new ChannelRange(min[c], max[c], qlo, qhi);
        })];
    }

    private static long Inner(long[] shape, int axis, int channels)
    {
        if (channels == 1 || shape.Length == 0) return 1;
        long inner = 1;
        for (int d = Math.Min(axis, shape.Length - 1) + 1; d < shape.Length; d++) inner *= shape[d];
        return inner;
    }
}
