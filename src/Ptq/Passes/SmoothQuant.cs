using System.Globalization;
using Ptq.Graph;
using Ptq.Onnx;
using Ptq.Onnx.Proto;
using Ptq.Statistics;

namespace Ptq.Passes;

/// <summary>
/// An activation that SmoothQuant can smooth: <see cref="Activation"/> is read only by <see cref="Consumers"/> (MatMul or
/// Gemm with a constant weight, as their first input; Shape and Size readers do not count), and its producer
/// <see cref="Producer"/> (LayerNormalization, a decomposed LayerNorm's Mul γ / Add β, or a linear layer with constant
/// weights) can take the division by s per channel into its own parameters.
/// </summary>
internal sealed record SmoothingGroup(string Activation, Node Producer, IReadOnlyList<Node> Consumers);

/// <summary>An activation in front of MatMul/Gemm weights that stays unsmoothed, and why.</summary>
internal sealed record SmoothingRefusal(string Activation, string Reason);

/// <summary>What <see cref="SmoothQuant.Find"/> found: the activations it can smooth and those it cannot, with reasons.</summary>
internal sealed record SmoothingPlan(IReadOnlyList<SmoothingGroup> Groups, IReadOnlyList<SmoothingRefusal> Refused)
{
    /// <summary>The activations whose per-channel extents calibration must observe (along the last axis).</summary>
    public IEnumerable<string> Activations => Groups.Select(g => g.Activation);
}

/// <summary>
/// SmoothQuant (Xiao et al.): activation outliers live in a few input channels of a MatMul; dividing channel j of the
/// activation by s_j = max|X_j|^α / max|W_j|^(1−α) and multiplying row j of the weights by s_j leaves the product
/// unchanged while the activation's per-tensor range shrinks to the ordinary channels' (α moves difficulty from the
/// activation to the weights: 0 leaves the activation, 1 flattens it completely). The division is folded into the
/// producer's parameters (LayerNormalization's scale and bias, a multiplication by a constant vector and the bias added
/// after it, or a linear layer's output columns and bias), so the float
/// model computes the same function with no extra node. Activations read by anything else, or produced by an op that
/// cannot absorb a per-channel scale (GELU, attention), are refused with a reason.
/// </summary>
internal static class SmoothQuant
{
    /// <summary>Scales are kept within [1e-5, 1e5] (as the reference implementation clamps), so no channel vanishes.</summary>
    private const double MinScale = 1e-5;

    /// <summary>Finds the activations of <paramref name="graph"/> in front of MatMul/Gemm weights that can be smoothed.</summary>
    public static SmoothingPlan Find(OnnxGraph graph)
    {
        var groups = new List<SmoothingGroup>();
        var refused = new List<SmoothingRefusal>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in graph.TopologicalOrder())
        {
            if (WeightRows(graph, node) is null || graph.IsInitializer(node.Inputs[0]) || !seen.Add(node.Inputs[0]))
                continue;
            string activation = node.Inputs[0];
            if (RefusalOf(graph, activation, out var consumers) is { } reason)
                refused.Add(new SmoothingRefusal(activation, reason));
            else
                groups.Add(new SmoothingGroup(activation, graph.Producer(activation)!, consumers));
        }
        return new SmoothingPlan(groups, refused);
    }

    /// <summary>
    /// Smooths every group of <paramref name="plan"/> with <paramref name="alpha"/>, taking max|X_j| from
    /// <paramref name="extentsOf"/> (per-channel min/max along the last axis; a group without them is left alone). Edits
    /// <paramref name="graph"/>'s initializers in place (same names); returns activation → s per channel.
    /// </summary>
    public static IReadOnlyDictionary<string, float[]> Apply(OnnxGraph graph, SmoothingPlan plan, Func<string, PerChannelRange?> extentsOf, double alpha,
        ExternalDataReader? external = null)
    {
        if (!(alpha is >= 0 and <= 1))
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "SmoothQuant's alpha lies in [0, 1]");
        return Apply(graph, plan, extentsOf, _ => alpha, external);
    }

    /// <summary>
    /// As <see cref="Apply(OnnxGraph, SmoothingPlan, Func{string, PerChannelRange?}, double, ExternalDataReader?)"/> with
    /// each group's own α from <paramref name="alphaOf"/> (null: the group is left alone).
    /// </summary>
    public static IReadOnlyDictionary<string, float[]> Apply(OnnxGraph graph, SmoothingPlan plan, Func<string, PerChannelRange?> extentsOf,
        Func<SmoothingGroup, double?> alphaOf, ExternalDataReader? external = null)
    {
        var applied = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var group in plan.Groups)
        {
            if (extentsOf(group.Activation) is not { } extents || alphaOf(group) is not { } alpha)
                continue;
            var scales = Scales(extents, WeightMaxima(graph, group, extents.Max.Count, external), alpha);
            Migrate(graph, group, scales, external);
            applied[group.Activation] = scales;
        }
        return applied;
    }

    /// <summary>s_j = max|X_j|^α / max|W_j|^(1−α), clamped; 1 for a channel that is zero in either.</summary>
    internal static float[] Scales(PerChannelRange extents, double[] weightMax, double alpha)
    {
        var scales = new float[weightMax.Length];
        for (int j = 0; j < scales.Length; j++)
        {
            double activationMax = Math.Max(Math.Abs(extents.Min[j]), Math.Abs(extents.Max[j]));
            scales[j] = activationMax > 0 && weightMax[j] > 0
                ? (float)Math.Clamp(Math.Pow(activationMax, alpha) / Math.Pow(weightMax[j], 1 - alpha), MinScale, 1 / MinScale)
                : 1f;
        }
        return scales;
    }

    /// <summary>max|W_j| over every reader of <paramref name="group"/>'s activation, per input channel j.</summary>
    internal static double[] WeightMaxima(OnnxGraph graph, SmoothingGroup group, int channels, ExternalDataReader? external)
    {
        var weightMax = new double[channels];
        foreach (var node in group.Consumers)
        {
            if (WeightRows(graph, node) != channels)
                throw new PtqException($"SmoothQuant: activation '{group.Activation}' has {channels} channels but {node} reads {WeightRows(graph, node)} weight rows");
            var tensor = graph.Initializer(node.Inputs[1])!;
            var values = TensorData.ToFloats(tensor, external);
            ForEachRow(node, tensor, values, (row, i) => weightMax[row] = Math.Max(weightMax[row], Math.Abs(values[i])));
        }
        return weightMax;
    }

    /// <summary>
    /// <paramref name="node"/>'s constant weight as an input-channels × output-columns matrix (row-major), whatever
    /// Gemm's transB says.
    /// </summary>
    internal static (float[] Matrix, int Rows, int Columns) WeightMatrix(OnnxGraph graph, Node node, ExternalDataReader? external)
    {
        var tensor = graph.Initializer(node.Inputs[1])!;
        var values = TensorData.ToFloats(tensor, external);
        int rows = WeightRows(graph, node)!.Value, columns = OutputColumns(graph, node)!.Value;
        if (!(node.OpType == "Gemm" && node.GetInt("transB", 0) != 0))
            return (values, rows, columns);
        var matrix = new float[values.Length];
        for (int k = 0; k < columns; k++)
            for (int j = 0; j < rows; j++)
                matrix[j * columns + k] = values[k * rows + j];
        return (matrix, rows, columns);
    }

    /// <summary>
    /// Divides <paramref name="group"/>'s activation by <paramref name="scales"/> per channel: its readers' weight rows are
    /// multiplied by them and the producer's parameters divided (in place, same names). The float function is unchanged.
    /// </summary>
    public static void Migrate(OnnxGraph graph, SmoothingGroup group, float[] scales, ExternalDataReader? external = null)
    {
        foreach (var node in group.Consumers)
        {
            var tensor = graph.Initializer(node.Inputs[1])!;
            var values = TensorData.ToFloats(tensor, external);
            ForEachRow(node, tensor, values, (row, i) => values[i] *= scales[row]);
            graph.ReplaceInitializer(TensorData.FromFloats(tensor.Name, [.. tensor.Dims], values));
        }
        FoldIntoProducer(graph, group.Producer, scales, external);
    }

    /// <summary>One line per activation with the α its search chose (or none), then those that could not be smoothed.</summary>
    public static void Report(SmoothingPlan plan, IReadOnlyDictionary<string, float[]> smoothed, IReadOnlyDictionary<string, double?> alphas, IProgress<string>? log)
    {
        if (log is null)
            return;
        log.Report($"SmoothQuant α searched per activation: {smoothed.Count} activation(s) smoothed, {plan.Refused.Count} could not be");
        foreach (var (activation, alpha) in alphas)
            log.Report(alpha is { } a ? string.Create(CultureInfo.InvariantCulture, $"  '{activation}': α {a}") : $"  '{activation}': left unsmoothed (it measured best)");
        foreach (var refusal in plan.Refused)
            log.Report($"  not smoothed: '{refusal.Activation}': {refusal.Reason}");
    }

    /// <summary>One line for what was smoothed, then one per activation left as it was, with its reason.</summary>
    public static void Report(SmoothingPlan plan, IReadOnlyDictionary<string, float[]> smoothed, double alpha, IProgress<string>? log)
    {
        if (log is null)
            return;
        log.Report(string.Create(CultureInfo.InvariantCulture, $"SmoothQuant α {alpha}: {smoothed.Count} activation(s) smoothed, {plan.Refused.Count} left as they are"));
        foreach (var refusal in plan.Refused)
            log.Report($"  not smoothed: '{refusal.Activation}': {refusal.Reason}");
    }

    /// <summary>The per-tensor range of an activation after division by <paramref name="scales"/>, from its per-channel extents.</summary>
    public static FloatRange SmoothedRange(PerChannelRange extents, float[] scales)
    {
        double min = 0, max = 0;
        for (int j = 0; j < scales.Length; j++)
        {
            min = Math.Min(min, extents.Min[j] / scales[j]);
            max = Math.Max(max, extents.Max[j] / scales[j]);
        }
        return new FloatRange((float)min, (float)max);
    }

    /// <summary>Why <paramref name="activation"/> cannot be smoothed, or null (then <paramref name="consumers"/> are its readers).</summary>
    private static string? RefusalOf(OnnxGraph graph, string activation, out List<Node> consumers)
    {
        consumers = [];
        if (graph.IsGraphOutput(activation))
            return "it is a graph output, which must keep its values";
        foreach (var (node, index) in graph.Consumers(activation))
        {
            if (node.OpType is "Shape" or "Size" && node.IsStandard)
                continue; // reads the shape only, which the division keeps
            if (index != 0 || WeightRows(graph, node) is null)
                return $"{node} also reads it and needs the original values";
            consumers.Add(node);
        }
        var readers = consumers;
        var shared = readers.Select(c => c.Inputs[1]).Distinct(StringComparer.Ordinal)
            .FirstOrDefault(w => graph.Consumers(w).Any(u => !readers.Contains(u.Node)));
        if (shared is not null)
            return $"weight '{shared}' is shared with another node (e.g. a tied embedding table), which its scaling would change";
        int rows = WeightRows(graph, consumers[0])!.Value;
        if (consumers.Any(c => WeightRows(graph, c) != rows))
            return "its readers' weights disagree on the number of input channels";
        return graph.Producer(activation) is not { } producer
            ? "it is a graph input: nothing can absorb the division"
            : ProducerRefusal(graph, producer, activation, rows);
    }

    private static string? ProducerRefusal(OnnxGraph graph, Node producer, string activation, int channels)
    {
        if (!producer.IsStandard)
            return $"its producer {producer} cannot absorb a per-channel division";
        switch (producer.OpType)
        {
            case "LayerNormalization":
                if (producer.GetInt("axis", -1) != -1)
                    return $"{producer} normalizes over more than the last axis";
                if (producer.Outputs.Skip(1).Any(o => o.Length > 0 && graph.Consumers(o).Count > 0))
                    return $"{producer}'s mean or inverse deviation is read too";
                return OwnVector(graph, producer, 1, channels, required: true) ?? OwnVector(graph, producer, 2, channels, required: false);
            case "MatMul" or "Gemm" when producer.Outputs[0] == activation:
                return LinearProducerRefusal(graph, producer, channels, bias: producer.OpType == "Gemm" ? (producer, 2) : null);
            case "Mul" when producer.Inputs.Count == 2:
                // A decomposed LayerNorm's scale (x̂ · γ), or any multiplication by a constant per-channel vector.
                int scaleIndex = ConstantIndex(graph, producer);
                return scaleIndex < 0 ? $"its producer {producer} does not multiply by a constant" : OwnVector(graph, producer, scaleIndex, channels, required: true);
            case "Add" when producer.Inputs.Count == 2:
                int biasIndex = ConstantIndex(graph, producer);
                var before = biasIndex < 0 ? null : graph.Producer(producer.Inputs[1 - biasIndex]);
                if (before is not { OpType: "MatMul" or "Mul", IsStandard: true })
                    return $"its producer {producer} is not the bias of a linear layer or of a per-channel scale";
                if (graph.Consumers(before.Outputs[0]).Count != 1 || graph.IsGraphOutput(before.Outputs[0]))
                    return $"{before}'s output is read by more than {producer}";
                return before.OpType == "MatMul"
                    ? LinearProducerRefusal(graph, before, channels, bias: (producer, biasIndex))
                    : ProducerRefusal(graph, before, before.Outputs[0], channels) ?? OwnVector(graph, producer, biasIndex, channels, required: true);
            default:
                return $"its producer {producer} is not a LayerNormalization or linear layer, so the division cannot be folded";
        }
    }

    /// <summary>Which input of a binary node is a constant (the second if both), or −1.</summary>
    private static int ConstantIndex(OnnxGraph graph, Node node) =>
        graph.IsInitializer(node.Inputs[1]) ? 1 : graph.IsInitializer(node.Inputs[0]) ? 0 : -1;

    private static string? LinearProducerRefusal(OnnxGraph graph, Node linear, int channels, (Node Node, int Index)? bias)
    {
        if (OutputColumns(graph, linear) != channels)
            return $"its producer {linear} has no constant 2-D weight with {channels} output columns";
        if (graph.Consumers(linear.Inputs[1]).Count != 1)
            return $"{linear}'s weight is shared with another node";
        return bias is { } b ? OwnVector(graph, b.Node, b.Index, channels, required: false) : null;
    }

    /// <summary>Null when input <paramref name="index"/> of <paramref name="node"/> is absent (and optional) or a constant vector of <paramref name="channels"/> that only it reads.</summary>
    private static string? OwnVector(OnnxGraph graph, Node node, int index, int channels, bool required)
    {
        if (node.Inputs.Count <= index || node.Inputs[index].Length == 0)
            return required ? $"{node} has no input {index}" : null;
        var tensor = graph.Initializer(node.Inputs[index]);
        if (tensor is null || tensor.DataType != (int)TensorProto.Types.DataType.Float || tensor.Dims.Aggregate(1L, (a, d) => a * d) != channels
            || (tensor.Dims.Count > 1 && tensor.Dims[^1] != channels))
            return $"{node}'s input '{node.Inputs[index]}' is not a constant float vector of {channels} channels";
        return graph.Consumers(tensor.Name).Count != 1 ? $"{node}'s input '{tensor.Name}' is shared with another node" : null;
    }

    /// <summary>Input channels (rows of the reduced axis) of a MatMul/Gemm with a constant 2-D float weight read as its second input, or null.</summary>
    private static int? WeightRows(OnnxGraph graph, Node node)
    {
        if (!node.IsStandard || node.OpType is not ("MatMul" or "Gemm") || node.Inputs.Count < 2 || node.GetInt("transA", 0) != 0)
            return null;
        if (graph.Initializer(node.Inputs[1]) is not { Dims.Count: 2, DataType: (int)TensorProto.Types.DataType.Float } w)
            return null;
        return (int)(node.OpType == "Gemm" && node.GetInt("transB", 0) != 0 ? w.Dims[1] : w.Dims[0]);
    }

    /// <summary>Output columns of a MatMul/Gemm with a constant 2-D float weight, or null.</summary>
    private static int? OutputColumns(OnnxGraph graph, Node node)
    {
        if (WeightRows(graph, node) is null)
            return null;
        var w = graph.Initializer(node.Inputs[1])!;
        return (int)(node.OpType == "Gemm" && node.GetInt("transB", 0) != 0 ? w.Dims[0] : w.Dims[1]);
    }

    /// <summary>Calls <paramref name="visit"/>(input row, flat index) for every weight value.</summary>
    private static void ForEachRow(Node node, TensorProto tensor, float[] values, Action<int, int> visit)
    {
        bool transposed = node.OpType == "Gemm" && node.GetInt("transB", 0) != 0;
        int columns = (int)tensor.Dims[1];
        for (int i = 0; i < values.Length; i++)
            visit(transposed ? i % columns : i / columns, i);
    }

    private static void FoldIntoProducer(OnnxGraph graph, Node producer, float[] scales, ExternalDataReader? external)
    {
        switch (producer.OpType)
        {
            case "LayerNormalization":
                DivideVector(graph, producer, 1, scales, external);
                DivideVector(graph, producer, 2, scales, external);
                break;
            case "Mul":
                DivideVector(graph, producer, ConstantIndex(graph, producer), scales, external);
                break;
            case "Add":
                int biasIndex = ConstantIndex(graph, producer);
                DivideVector(graph, producer, biasIndex, scales, external);
                var before = graph.Producer(producer.Inputs[1 - biasIndex])!;
                if (before.OpType == "Mul")
                    FoldIntoProducer(graph, before, scales, external);
                else
                    DivideColumns(graph, before, scales, external);
                break;
            default: // MatMul or Gemm producing the activation itself
                DivideColumns(graph, producer, scales, external);
                if (producer.OpType == "Gemm")
                    DivideVector(graph, producer, 2, scales, external);
                break;
        }
    }

    private static void DivideColumns(OnnxGraph graph, Node linear, float[] scales, ExternalDataReader? external)
    {
        var tensor = graph.Initializer(linear.Inputs[1])!;
        var values = TensorData.ToFloats(tensor, external);
        bool transposed = linear.OpType == "Gemm" && linear.GetInt("transB", 0) != 0;
        int columns = (int)tensor.Dims[1];
        for (int i = 0; i < values.Length; i++)
            values[i] /= scales[transposed ? i / columns : i % columns];
        graph.ReplaceInitializer(TensorData.FromFloats(tensor.Name, [.. tensor.Dims], values));
    }

    private static void DivideVector(OnnxGraph graph, Node node, int index, float[] scales, ExternalDataReader? external)
    {
        if (node.Inputs.Count <= index || node.Inputs[index].Length == 0)
            return;
        var tensor = graph.Initializer(node.Inputs[index])!;
        var values = TensorData.ToFloats(tensor, external);
        for (int j = 0; j < values.Length; j++)
            values[j] /= scales[j];
        graph.ReplaceInitializer(TensorData.FromFloats(tensor.Name, [.. tensor.Dims], values));
    }
}
