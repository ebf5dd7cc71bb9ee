using Ptq.Graph;
using Ptq.Onnx;

namespace Ptq.Passes;

/// <summary>
/// Finds activations whose readers all ignore how far below some value b they go: every value below b gives the same
/// result as b itself, so an activation's quantization grid need not reach below b and its codes are better spent on
/// what matters. Relu and Relu-like functions behind float arithmetic are the common case: PP-LCNet's hard-swish
/// (x·clip(x + 3, 0, 6)/6, decomposed into Add/Clip/Div/Mul) behind the learnable affine blocks (a Mul and an Add by
/// scalar constants) that follow each Conv, where the Conv's int8 output otherwise spreads its 256 codes over
/// [−25, 28] although everything below the hard-swish's −3 becomes 0.
/// Recognised readers: Relu, Clip with a constant minimum, HardSigmoid, HardSwish, a Mul by another value that is
/// exactly 0 below the bound (the hard-swish's gate, a function of the same activation), and Add/Sub/Mul/Div by a
/// scalar constant (Mul/Div by a positive one) whose own readers are recognised. Anything else, a graph output, or a
/// value a nested body reads, means no bound.
/// </summary>
internal static class DeadZones
{
    private const int MaxDepth = 12;

    /// <summary>The value b below which every reader of <paramref name="tensor"/> computes what it computes at b, or null.</summary>
    public static double? Below(OnnxGraph graph, string tensor, ExternalDataReader? external = null) =>
        Below(graph, tensor, external, 0);

    private static double? Below(OnnxGraph graph, string tensor, ExternalDataReader? external, int depth)
    {
        var consumers = graph.Consumers(tensor);
        if (depth > MaxDepth || consumers.Count == 0 || graph.IsGraphOutput(tensor) || ActivationFusion.ReadInBodies(graph, tensor))
            return null;
        double bound = double.PositiveInfinity;
        foreach (var (node, index) in consumers)
        {
            if (ReaderBound(graph, node, index, tensor, external, depth) is not double b)
                return null;
            bound = Math.Min(bound, b);
        }
        return double.IsFinite(bound) ? bound : null;
    }

    // The bound one reader imposes on its input at `index`.
    private static double? ReaderBound(OnnxGraph graph, Node node, int index, string tensor, ExternalDataReader? external, int depth)
    {
        if (!node.IsStandard || node.Outputs.Count != 1)
            return null;
        switch (node.OpType)
        {
            case "Relu":
                return 0;
            case "Clip" when index == 0:
                return ClipMinimum(graph, node, external);
            case "HardSigmoid":
                return HardSigmoidZero(node);
            case "HardSwish":
                return -3;
        }
        if (node.OpType is not ("Add" or "Sub" or "Mul" or "Div") || node.Inputs.Count != 2)
            return null;
        int other = 1 - index;
        if (Scalar(graph, node.Inputs[other], external) is not float c)
        {
            // x·g where g is 0 whenever x is below some value: the product is 0 there, whatever reads it.
            return node.OpType == "Mul" && node.Inputs[other] != tensor ? ZeroBelow(graph, node.Inputs[other], tensor, external, 0) : null;
        }
        if (Below(graph, node.Outputs[0], external, depth + 1) is not double after)
            return null;
        return (node.OpType, index) switch
        {
            ("Add", _) => after - c,
            ("Sub", 0) => after + c,
            ("Mul", _) when c > 0 => after / c,
            ("Div", 0) when c > 0 => after * c,
            _ => null,
        };
    }

    /// <summary>
    /// The value of <paramref name="source"/> below which <paramref name="value"/> (computed from it through Relu, Clip
    /// with minimum 0, HardSigmoid, and scalar arithmetic) is exactly 0, or null.
    /// </summary>
    private static double? ZeroBelow(OnnxGraph graph, string value, string source, ExternalDataReader? external, int depth)
    {
        if (depth > MaxDepth || graph.Producer(value) is not { IsStandard: true } producer || producer.Inputs.Count == 0)
            return null;
        switch (producer.OpType)
        {
            case "Relu":
                return Affine(graph, producer.Inputs[0], source, external) is { } r ? r.ZeroAt() : null;
            case "Clip" when ClipMinimum(graph, producer, external) == 0:
                return Affine(graph, producer.Inputs[0], source, external) is { } c ? c.ZeroAt() : null;
            case "HardSigmoid" when producer.Inputs[0] == source:
                return HardSigmoidZero(producer);
            case "Mul" or "Div" when producer.Inputs.Count == 2 && Scalar(graph, producer.Inputs[1], external) is float s && s != 0:
                return ZeroBelow(graph, producer.Inputs[0], source, external, depth + 1);
            case "Mul" when producer.Inputs.Count == 2 && Scalar(graph, producer.Inputs[0], external) is float s && s != 0:
                return ZeroBelow(graph, producer.Inputs[1], source, external, depth + 1);
            default:
                return null;
        }
    }

    /// <summary>value = Scale·source + Offset with Scale &gt; 0, through scalar Add/Sub/Mul/Div; null otherwise.</summary>
    private static Line? Affine(OnnxGraph graph, string value, string source, ExternalDataReader? external, int depth = 0)
    {
        if (value == source)
            return new Line(1, 0);
        if (depth > MaxDepth || graph.Producer(value) is not { IsStandard: true, OpType: "Add" or "Sub" or "Mul" or "Div" } node || node.Inputs.Count != 2)
            return null;
        int constant = Scalar(graph, node.Inputs[1], external) is not null ? 1 : Scalar(graph, node.Inputs[0], external) is not null ? 0 : -1;
        if (constant < 0)
            return null;
        float c = Scalar(graph, node.Inputs[constant], external)!.Value;
        if (Affine(graph, node.Inputs[1 - constant], source, external, depth + 1) is not { } inner)
            return null;
        return (node.OpType, constant) switch
        {
            ("Add", _) => inner with { Offset = inner.Offset + c },
            ("Sub", 1) => inner with { Offset = inner.Offset - c },
            ("Mul", _) when c > 0 => new Line(inner.Scale * c, inner.Offset * c),
            ("Div", 1) when c > 0 => new Line(inner.Scale / c, inner.Offset / c),
            _ => null,
        };
    }

    private readonly record struct Line(double Scale, double Offset)
    {
        public double ZeroAt() => -Offset / Scale;
    }

    private static double? HardSigmoidZero(Node node)
    {
        double alpha = node.GetFloat("alpha", 0.2f), beta = node.GetFloat("beta", 0.5f);
        return alpha > 0 ? -beta / alpha : null;
    }

    private static double? ClipMinimum(OnnxGraph graph, Node clip, ExternalDataReader? external)
    {
        if (clip.Inputs.Count > 1)
            return clip.Inputs[1].Length == 0 ? null : Scalar(graph, clip.Inputs[1], external);
        float min = clip.GetFloat("min", float.NegativeInfinity);
        return float.IsFinite(min) ? min : null;
    }

    private static float? Scalar(OnnxGraph graph, string name, ExternalDataReader? external)
    {
        if (name.Length == 0 || graph.VisibleInitializer(name) is not { } tensor || TensorData.ElementCount(tensor) != 1)
            return null;
        if (tensor.DataType != (int)Onnx.Proto.TensorProto.Types.DataType.Float)
            return null;
        float value = TensorData.ToFloats(tensor, external)[0];
        return float.IsFinite(value) ? value : null;
    }
}
