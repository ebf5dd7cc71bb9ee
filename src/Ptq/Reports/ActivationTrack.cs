using Ptq.Evaluation;
using Ptq.Runtime;

namespace Ptq.Reports;

/// <summary>
/// Streaming accumulators for one activation: its float values, its dequantized twin, the pair (accumulated error), the
/// float values against their own quantization (local error, saturation) and, when per-tensor, each channel's extent.
/// </summary>
internal sealed class ActivationTrack(int order, QdqLink link, string nodeName, string nodeType, bool isNodeInput, int reservoirCapacity)
{
    private readonly TensorAccumulator _origin = new(reservoirCapacity);
    private readonly TensorAccumulator _dequant = new(reservoirCapacity);
    private readonly PairAccumulator _pair = new();
    private readonly OwnQuantizationError _own = new(link);
    private readonly ChannelExtents? _channels = link.Channels == 1 ? new(ChannelExtents.IsSequenceLayout(link.Consumers.Select(c => c.NodeType))) : null;

    public int Order => order;

    public QdqLink Link => link;

    /// <summary>Adds one sample of the float tensor and its dequantized twin.</summary>
    /// <exception cref="PtqException">When the two differ in shape.</exception>
    public void Add(TensorValue original, TensorValue dequantized)
    {
        if (!original.Shape.SequenceEqual(dequantized.Shape))
            throw new PtqException($"'{link.FloatTensor}' has shape {OutputScores.ShapeText(original.Shape)} in the fp32 model but its dequantized twin '{link.DequantizedTensor}' has {OutputScores.ShapeText(dequantized.Shape)}.");
        float[] r = OutputScores.Floats(original);
        float[] x = OutputScores.Floats(dequantized);
        _origin.Add(r);
        _dequant.Add(x);
        _pair.Add(r, x);
        _own.Add(r, original.Shape);
        _channels?.Add(r, original.Shape);
    }

    public TensorDebugRecord ToRecord(int bins)
    {
        var origin = _origin.ToSummary();
        var (lo, hi) = Extent(link);
        return new TensorDebugRecord(nodeName, nodeType, link.FloatTensor!, isNodeInput, TensorRole.Activation, origin, _dequant.ToSummary(),
            _own.Clip, _pair.Cosine, _pair.SqnrDb, lo, hi, link.Channels, Histograms.Of(_origin.Reservoir, origin, lo, hi, bins),
            _channels?.ToRanges(lo, hi), _own.SqnrDb, _own.ClipErrorShare);
    }

    /// <summary>Smallest lower and largest upper bound over the link's channels.</summary>
    public static FloatRange Extent(QdqLink link)
    {
        float lo = float.PositiveInfinity, hi = float.NegativeInfinity;
        for (int c = 0; c < link.Channels; c++)
        {
            var (a, b) = link.RangeOf(c);
            lo = Math.Min(lo, a);
            hi = Math.Max(hi, b);
        }
        return new FloatRange(lo, hi);
    }
}
