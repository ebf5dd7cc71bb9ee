using Ptq.Graph;
using Ptq.Onnx;
using Ptq.Onnx.Proto;
using Ptq.Passes;
using DT = Ptq.Onnx.Proto.TensorProto.Types.DataType;

namespace Ptq.Reports;

/// <summary>
/// Relates a QDQ model back to its float original by structure, never by tensor-name conventions: every
/// DequantizeLinear is followed back either to a QuantizeLinear (an activation: its input is the float tensor) or to an
/// integer initializer (a weight or bias), and forward to the nodes that read its output.
/// </summary>
internal static class QdqGraphMap
{
    /// <summary>
    /// One <see cref="QdqLink"/> per DequantizeLinear of the main graph whose scale (and zero point, when given) are
    /// initializers, in node order. Integer initializers of 32 bits are <see cref="QdqLinkKind.Bias"/>, other integer
    /// initializers <see cref="QdqLinkKind.Weight"/>; a DequantizeLinear reading a QuantizeLinear (directly or through the
    /// <see cref="CodeClamp"/> of a sub-8-bit activation) is an <see cref="QdqLinkKind.Activation"/>. Others (e.g. reading
    /// a graph input) are left out. The integer range comes from the quantized type (the zero point's type, else the
    /// initializer's, else uint8 as in ONNX), narrowed to the clamp's bounds when there is one.
    /// </summary>
    /// <exception cref="GraphException">When the graph is malformed.</exception>
    public static IReadOnlyList<QdqLink> Analyse(OnnxModel quantized)
    {
        ArgumentNullException.ThrowIfNull(quantized);
        var graph = OnnxGraph.FromModel(quantized, promoteConstants: true);
        var links = new List<QdqLink>();
        foreach (var dq in graph.Nodes.Where(n => n.IsStandard && n.OpType == "DequantizeLinear" && n.Inputs.Count >= 2))
        {
            if (graph.Initializer(dq.Inputs[1]) is not { } scaleTensor) continue;
            var zeroTensor = dq.Inputs.Count > 2 && dq.Inputs[2].Length > 0 ? graph.Initializer(dq.Inputs[2]) : null;
            if (dq.Inputs.Count > 2 && dq.Inputs[2].Length > 0 && zeroTensor is null) continue;
            float[] scales = TensorData.ToFloats(scaleTensor, quantized.External);
            long[] zeroPoints = zeroTensor is null ? new long[scales.Length] : [.. TensorData.ToFloats(zeroTensor, quantized.External).Select(v => (long)v)];
            if (zeroPoints.Length != scales.Length) continue;

            string input = dq.Inputs[0];
            QdqLink? link = null;
            if (graph.Initializer(input) is { } codes)
            {
                int type = zeroTensor?.DataType ?? codes.DataType;
                var (qmin, qmax) = IntegerRange(type);
                var kind = codes.DataType == (int)DT.Int32 ? QdqLinkKind.Bias : QdqLinkKind.Weight;
                link = new QdqLink(kind, dq.Outputs[0], null, input, [.. codes.Dims], scales, zeroPoints, Axis(dq, scales.Length, codes.Dims.Count), qmin, qmax);
            }
            else if (CodeClamp.Source(graph, input) is var (q, bounds) && q.IsStandard)
            {
                int type = zeroTensor?.DataType ?? (int)DT.Uint8;
                var (qmin, qmax) = IntegerRange(type);
                if (bounds is { } b)
                    (qmin, qmax) = (Math.Max(qmin, b.Min), Math.Min(qmax, b.Max));
                link = new QdqLink(QdqLinkKind.Activation, dq.Outputs[0], q.Inputs[0], null, [], scales, zeroPoints, Axis(dq, scales.Length, null), qmin, qmax);
            }
            if (link is null) continue;
            links.Add(link with
            {
                Consumers = [.. graph.Consumers(dq.Outputs[0]).Select(c => new QdqConsumer(c.Node.DisplayName, c.Node.OpType, c.InputIndex))],
            });
        }
        return links;
    }

    /// <summary>
    /// The float value behind <paramref name="value"/> of <paramref name="graph"/>: when it is the output of a
    /// DequantizeLinear reading a QuantizeLinear, that QuantizeLinear's input; otherwise the value itself.
    /// </summary>
    public static string FloatValueOf(OnnxGraph graph, string value)
    {
        ArgumentNullException.ThrowIfNull(graph);
        if (graph.Producer(value) is { OpType: "DequantizeLinear" } dq && dq.Inputs.Count > 0
            && CodeClamp.Source(graph, dq.Inputs[0]) is var (q, _))
            return q.Inputs[0];
        return value;
    }

    /// <summary>Smallest and largest code of ONNX integer type <paramref name="dataType"/>.</summary>
    /// <exception cref="PtqException">For a type that is not an integer type DequantizeLinear accepts.</exception>
    public static (long Min, long Max) IntegerRange(int dataType) => (DT)dataType switch
    {
        DT.Uint8 => (byte.MinValue, byte.MaxValue),
        DT.Int8 => (sbyte.MinValue, sbyte.MaxValue),
        DT.Uint16 => (ushort.MinValue, ushort.MaxValue),
        DT.Int16 => (short.MinValue, short.MaxValue),
        DT.Int32 => (int.MinValue, int.MaxValue),
        DT.Uint4 => (0, 15),
        DT.Int4 => (-8, 7),
        _ => throw new PtqException($"DequantizeLinear reads element type {(DT)dataType}, which is not an integer type Ptq can analyse."),
    };

    private static int? Axis(Node dq, int channels, int? rank)
    {
        if (channels <= 1) return null;
        long axis = dq.GetInt("axis", 1);
        return (int)(axis < 0 && rank is int r ? axis + r : axis);
    }
}
