using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Ptq.Graph;
using Ptq.Onnx;
using Ptq.Onnx.Proto;
using Ptq.Runtime;

namespace Ptq.Pipeline;

/// <summary>What <see cref="Fp16FloatOps.Apply"/> converted.</summary>
/// <param name="Result">The quantization with the float operators computing in float16.</param>
/// <param name="Converted">The operators now computing in float16, by name.</param>
/// <param name="Kept">Float operators left in float32, with the reason.</param>
internal sealed record Fp16FloatOpsResult(StaticQuantizationResult Result, IReadOnlyList<string> Converted, IReadOnlyList<(string Node, string Reason)> Kept);

/// <summary>
/// Bolt's <c>-i INT8_FP16</c>: the operators a quantization left float compute in float16. Each gets its float32
/// activation inputs through a Cast to float16 (one per tensor, skipped where the producer is itself converted), its
/// float constants stored as float16, and its outputs cast back to float32 for the rest of the model; the integer part
/// (the Q/DQ pairs and what ONNX Runtime fuses between them) is untouched. An operator ONNX Runtime has no float16
/// kernel for on the machine (it says so when loading) stays float32, as do operators with a constant beyond float16's
/// range or non-float outputs.
/// </summary>
internal static partial class Fp16FloatOps
{
    private const int Float = (int)TensorProto.Types.DataType.Float, Float16 = (int)TensorProto.Types.DataType.Float16;

    /// <summary>Operators never converted: quantization and type plumbing, and control flow.</summary>
    private static readonly HashSet<string> Never = new(StringComparer.Ordinal)
    {
        "QuantizeLinear", "DequantizeLinear", "DynamicQuantizeLinear", "MatMulInteger", "ConvInteger", "Cast", "Shape", "Size", "If", "Loop", "Scan",
        "Constant", "ConstantOfShape", "Range", "NonZero",
    };

    /// <summary>
    /// Converts the float operators of <paramref name="result"/> (those its plan left float), learning tensor types by
    /// running <paramref name="sample"/> once.
    /// </summary>
    public static Fp16FloatOpsResult Apply(StaticQuantizationResult result, IReadOnlyDictionary<string, TensorValue> sample, int maxAttempts = 16)
    {
        ArgumentNullException.ThrowIfNull(result);
        var types = TensorTypeProbe.Probe(result.Model, sample);
        var floatNames = result.Plan.FloatNodes.Select(f => f.Node.DisplayName).ToHashSet(StringComparer.Ordinal);
        var kept = new List<(string, string)>();
        var excluded = new HashSet<string>(StringComparer.Ordinal);
        for (int attempt = 0; ; attempt++)
        {
            var (model, converted) = Convert(result.Model, floatNames, types, excluded, kept);
            string? missing;
            try
            {
                using var probe = new OrtRunner(model);
                missing = null;
            }
            catch (PtqException e) when (MissingKernel().Match(e.Message) is { Success: true } m && converted.Contains(m.Groups["node"].Value) && attempt < maxAttempts)
            {
                missing = m.Groups["node"].Value;
                kept.Add((missing, $"ONNX Runtime has no float16 kernel for {m.Groups["op"].Value} here"));
            }
            if (missing is null)
                return new Fp16FloatOpsResult(result with { Model = model }, converted, kept);
            excluded.Add(missing);
        }
    }

    private static (OnnxModel Model, List<string> Converted) Convert(OnnxModel source, HashSet<string> floatNames, IReadOnlyDictionary<string, ProbedTensor> types,
        HashSet<string> excluded, List<(string, string)> kept)
    {
        var graph = OnnxGraph.FromModel(source, promoteConstants: false);
        var converted = new List<string>();
        var halfOf = new Dictionary<string, string>(StringComparer.Ordinal); // float32 tensor → its float16 twin
        bool IsFloat(string name) => name.Length > 0 && (graph.Initializer(name) is { } t ? t.DataType == Float : types.TryGetValue(name, out var p) && p.DataType == Float);
        foreach (var node in graph.TopologicalOrder().ToList())
        {
            if (!floatNames.Contains(node.DisplayName) || excluded.Contains(node.DisplayName) || Never.Contains(node.OpType) || !node.IsStandard || node.Subgraphs.Count > 0)
                continue;
            if (node.Outputs.Any(o => o.Length > 0 && !IsFloat(o)) || !node.Inputs.Any(IsFloat))
            {
                if (!kept.Exists(k => k.Item1 == node.DisplayName))
                    kept.Add((node.DisplayName, "it does not compute float tensors"));
                continue;
            }
            if (node.Inputs.FirstOrDefault(i => graph.Initializer(i) is { DataType: Float } t && TensorData.ToFloats(t, source.External).Any(v => Math.Abs(v) > (float)Half.MaxValue)) is { } big)
            {
                if (!kept.Exists(k => k.Item1 == node.DisplayName))
                    kept.Add((node.DisplayName, $"constant '{big}' exceeds float16's range"));
                continue;
            }
            var inputs = node.Inputs.ToList();
            for (int i = 0; i < inputs.Count; i++)
            {
                if (!IsFloat(inputs[i]))
                    continue;
                if (!halfOf.TryGetValue(inputs[i], out string? half))
                {
                    half = graph.UniqueName(inputs[i] + "_fp16");
                    if (graph.Initializer(inputs[i]) is { } constant)
                    {
                        var values = TensorData.ToFloats(constant, source.External);
                        var halves = values.Select(v => (Half)v).ToArray();
                        graph.AddInitializer(TensorData.FromRaw(half, TensorProto.Types.DataType.Float16, [.. constant.Dims], MemoryMarshal.AsBytes(halves.AsSpan())));
                    }
                    else
                    {
                        graph.AddNode("Cast", [inputs[i]], [half], name: graph.UniqueName(inputs[i] + "_to_fp16"), attributes: [Node.IntAttribute("to", Float16)]);
                    }
                    halfOf[inputs[i]] = half;
                }
                inputs[i] = half;
            }
            graph.SetInputs(node, inputs);
            var outputs = node.Outputs.ToList();
            for (int o = 0; o < outputs.Count; o++)
            {
                if (outputs[o].Length == 0)
                    continue;
                string half = graph.UniqueName(outputs[o] + "_fp16");
                graph.SetOutput(node, o, half);
                graph.AddNode("Cast", [half], [outputs[o]], name: graph.UniqueName(outputs[o] + "_to_fp32"), attributes: [Node.IntAttribute("to", Float)]);
                halfOf[outputs[o]] = half;
            }
            converted.Add(node.DisplayName);
        }
        graph.RemoveUnusedInitializers();
        graph.SortTopologically();
        var proto = source.Proto.Clone();
        proto.Graph = graph.ToProto();
        return (source.Derive(proto), converted);
    }

    // ORT's message for a node without a kernel of that type: "Could not find an implementation for Softmax(13) node with name 'x'".
    [GeneratedRegex(@"Could not find an implementation for (?<op>\w+)\(\d+\) node with name '(?<node>[^']*)'")]
    private static partial Regex MissingKernel();
}
