using System.Runtime.InteropServices;
using Ptq.Calibration;
using Ptq.Graph;
using Ptq.Onnx;
using Ptq.Onnx.Proto;
using Ptq.Passes;
using Ptq.Quantization;

namespace Ptq.Pipeline;

/// <summary>
/// fp16 storage (Bolt's <c>-q FP16</c>): float weights of 1024 elements or more are stored as FLOAT16 and cast back to
/// float where they are read, so the file halves while computation stays float32 (ORT folds the Casts at load time).
/// Values beyond fp16's range (±65504) are refused rather than turned into infinities. No new op is needed, so a
/// model whose opset upgrade is blocked keeps its opset (from 6, where Cast takes its current form).
/// </summary>
internal static class Fp16StorageConverter
{
    /// <summary>Smallest weight converted; smaller tensors (biases, shapes, scalars) stay float32.</summary>
    public const int MinElements = 1024;

    /// <summary>Converts <paramref name="model"/> (not modified); skip lists and overrides with skip apply by consumer node.</summary>
    public static StaticQuantizationResult Convert(OnnxModel model, StaticQuantizationSettings settings)
    {
        settings.Validate();
        var preparedModel = ModelPreparation.Prepare(model, settings.FoldBatchNorm, settings.CrossLayerEqualization, keepOpsetWhenBlocked: true);
        var prepared = preparedModel.Model;
        var graph = OnnxGraph.FromModel(prepared, promoteConstants: false);
        var choices = new QuantizationChoices(settings, CalibrationMethod.MinMax, graph);
        var floatNodes = new List<FloatNode>();
        StoreAsFp16(graph, prepared.External, choices.SkipReason, floatNodes);
        graph.RemoveUnusedInitializers();
        var proto = prepared.Proto.Clone();
        proto.Graph = graph.ToProto();
        var plan = new QuantizationPlan([], new Dictionary<string, string>(), [], [], [], floatNodes, new HashSet<Node>());
        return new StaticQuantizationResult(prepared.Derive(proto), prepared, plan, [],
            preparedModel.FoldedBatchNorms, 0, [], new StatsFile(0, []));
    }

    /// <summary>
    /// Stores the float weights a quantization left in <paramref name="result"/> (read by float operators, not by
    /// QuantizeLinear) as float16 behind a Cast; returns the new result and how many weights were converted.
    /// </summary>
    public static (StaticQuantizationResult Result, int Converted) StoreFloatWeights(StaticQuantizationResult result)
    {
        var graph = OnnxGraph.FromModel(result.Model, promoteConstants: false);
        int converted = StoreAsFp16(graph, result.Model.External,
            n => n.OpType is "QuantizeLinear" or "DequantizeLinear" ? "read as codes" : null, floatNodes: null);
        if (converted == 0)
            return (result, 0);
        graph.RemoveUnusedInitializers();
        var proto = result.Model.Proto.Clone();
        proto.Graph = graph.ToProto();
        return (result with { Model = result.Model.Derive(proto) }, converted);
    }

    // Float initializers of MinElements or more whose readers all may take float16 (skip says why one may not).
    private static int StoreAsFp16(OnnxGraph graph, ExternalDataReader? external, Func<Node, string?> skip, List<FloatNode>? floatNodes)
    {
        int converted = 0;
        foreach (var tensor in graph.Initializers.ToList())
        {
            if (tensor.DataType != (int)TensorProto.Types.DataType.Float || TensorData.ElementCount(tensor) < MinElements)
                continue;
            var consumers = graph.Consumers(tensor.Name);
            if (consumers.Count == 0 || consumers.Any(c => skip(c.Node) is not null))
            {
                floatNodes?.AddRange(consumers.Where(c => skip(c.Node) is not null).Select(c => new FloatNode(c.Node, skip(c.Node)!)));
                continue;
            }
            var values = TensorData.ToFloats(tensor, external);
            var halves = new Half[values.Length];
            for (int i = 0; i < values.Length; i++)
            {
                if (Math.Abs(values[i]) > (float)Half.MaxValue)
                    throw new PtqException($"weight '{tensor.Name}' holds {values[i]} at index {i}, beyond float16's range (±65504); skip its layer or keep float32");
                halves[i] = (Half)values[i];
            }
            string stored = graph.UniqueName(tensor.Name + "_fp16");
            graph.AddInitializer(TensorData.FromRaw(stored, TensorProto.Types.DataType.Float16, [.. tensor.Dims], MemoryMarshal.AsBytes(halves.AsSpan())));
            string restored = graph.UniqueName(tensor.Name + "_fp32");
            graph.AddNode("Cast", [stored], [restored], name: graph.UniqueName(tensor.Name + "_Cast"),
                attributes: [Node.IntAttribute("to", (int)TensorProto.Types.DataType.Float)], position: 0);
            foreach (var (node, index) in consumers.ToList())
                graph.ReplaceInput(node, index, restored);
            converted++;
        }
        return converted;
    }
}
