using Ptq.Graph;

namespace Ptq.Quantization;

/// <summary>A weight initializer to quantize for one consumer.</summary>
/// <param name="Initializer">Initializer name.</param>
/// <param name="Node">The node reading it.</param>
/// <param name="InputIndex">Input position on <paramref name="Node"/>.</param>
/// <param name="Axis">Channel axis for per-channel quantization; null for per-tensor.</param>
internal sealed record WeightPlan(string Initializer, Node Node, int InputIndex, int? Axis);

/// <summary>A bias initializer quantized to int32 with scale = scale(<paramref name="Input"/>) × scale(<paramref name="Weight"/>).</summary>
internal sealed record BiasPlan(string Initializer, Node Node, int InputIndex, string Input, string Weight);

/// <summary>A node left in float, and why (shown in the quantize summary).</summary>
internal sealed record FloatNode(Node Node, string Reason);

/// <summary>
/// What a quantization will do, decided before any statistics are collected: which activations need calibrated ranges,
/// which reuse another tensor's parameters, which weights and biases are quantized, and which nodes stay float.
/// </summary>
internal sealed class QuantizationPlan
{
    internal QuantizationPlan(IReadOnlyList<string> calibrated, IReadOnlyDictionary<string, string> follows,
        IReadOnlyList<string> constantActivations, IReadOnlyList<WeightPlan> weights, IReadOnlyList<BiasPlan> biases,
        IReadOnlyList<FloatNode> floatNodes, IReadOnlySet<Node> int8Nodes, IReadOnlyDictionary<string, IReadOnlyList<OnnxGraph>>? scopes = null)
    {
        Scopes = scopes ?? new Dictionary<string, IReadOnlyList<OnnxGraph>>();
        Int8Nodes = int8Nodes;
        CalibratedTensors = calibrated;
        Follows = follows;
        ConstantActivations = constantActivations;
        Weights = weights;
        Biases = biases;
        FloatNodes = floatNodes;
    }

    /// <summary>
    /// Graphs whose readers of an activation (or constant operand) get its Q/DQ, for tensors planned inside If/Loop/Scan
    /// bodies; a tensor not listed is quantized in the main graph only.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<OnnxGraph>> Scopes { get; }

    /// <summary>The graphs that get <paramref name="tensor"/>'s Q/DQ: its <see cref="Scopes"/>, or <paramref name="main"/>.</summary>
    public IReadOnlyList<OnnxGraph> ScopesOf(string tensor, OnnxGraph main) => Scopes.TryGetValue(tensor, out var scopes) ? scopes : [main];

    /// <summary>Activation tensors that get their own range from calibration, in graph order.</summary>
    public IReadOnlyList<string> CalibratedTensors { get; }

    /// <summary>Tensors that reuse the parameters of another tensor (data-movement op outputs): tensor → source.</summary>
    public IReadOnlyDictionary<string, string> Follows { get; }

    /// <summary>Constant (initializer) operands of activation inputs (e.g. Add's constant), quantized like activations from their own values.</summary>
    public IReadOnlyList<string> ConstantActivations { get; }

    /// <summary>Weights to quantize.</summary>
    public IReadOnlyList<WeightPlan> Weights { get; }

    /// <summary>Biases to quantize to int32.</summary>
    public IReadOnlyList<BiasPlan> Biases { get; }

    /// <summary>Nodes that run in int8 (inputs and outputs quantized).</summary>
    public IReadOnlySet<Node> Int8Nodes { get; }

    /// <summary>Nodes left in float with the reason.</summary>
    public IReadOnlyList<FloatNode> FloatNodes { get; }

    /// <summary>Every activation tensor that gets Q/DQ: calibrated ones and followers.</summary>
    public IEnumerable<string> QuantizedActivations => CalibratedTensors.Concat(Follows.Keys);

    /// <summary>The tensor whose parameters <paramref name="tensor"/> uses (itself unless it follows another).</summary>
    public string ParameterSource(string tensor)
    {
        while (Follows.TryGetValue(tensor, out var source))
            tensor = source;
        return tensor;
    }
}
