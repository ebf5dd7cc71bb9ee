using Ptq.Calibration;
using Ptq.Graph;
using Ptq.Onnx;
using Ptq.Onnx.Proto;
using Ptq.Passes;
using Ptq.Quantization;
using Ptq.Pipeline.Reconstruction;
using Ptq.Runtime;

namespace Ptq.Pipeline;

/// <summary>
/// Weight-only quantization (MindSpore's WEIGHT_QUANT, Bolt's int8 storage): the weights of Conv, ConvTranspose, Gemm and
/// MatMul are stored as 2–16-bit integers behind DequantizeLinear and computation stays float. No calibration data is
/// needed. The file shrinks by about 32/bits; ONNX Runtime dequantizes the weights once when it loads the model.
/// </summary>
internal static class WeightOnlyQuantizer
{
    /// <summary>
    /// Quantizes the weights of <paramref name="model"/> (not modified) with <paramref name="settings"/>' weight scheme,
    /// granularity, weight method, skip lists and overrides. Weights with at most <paramref name="minWeightElements"/>
    /// elements or at most <paramref name="minWeightChannels"/> output channels stay float (MindSpore's
    /// min_quant_weight_size / min_quant_weight_channel: a weight is quantized when it has more; 0 turns a threshold off). With a reconstructing weight method (GPTQ, AdaRound) the codes
    /// are chosen on <paramref name="samples"/> (<see cref="WeightReconstructionSettings.Samples"/> of them, spread over the list), each layer
    /// reading the outputs of the layers before it with their weights already quantized.
    /// </summary>
    public static StaticQuantizationResult Quantize(OnnxModel model, StaticQuantizationSettings settings, int minWeightElements = 0, int minWeightChannels = 0,
        IReadOnlyList<IReadOnlyDictionary<string, TensorValue>>? samples = null, IProgress<string>? log = null)
    {
        settings.Validate();
        if (minWeightElements < 0 || minWeightChannels < 0)
            throw new PtqException($"minimum weight size {minWeightElements} / channels {minWeightChannels}: give 0 or more");
        var preparedModel = ModelPreparation.Prepare(model, settings.FoldBatchNorm, settings.CrossLayerEqualization);
        var prepared = preparedModel.Model;
        var graph = OnnxGraph.FromModel(prepared, promoteConstants: false);
        var choices = new QuantizationChoices(settings, CalibrationMethod.MinMax, graph);
        long outputOpset = choices.OutputOpset(prepared.DefaultOpset, quantizesActivations: false);
        if (outputOpset > prepared.DefaultOpset)
        {
            prepared = OpsetUpgrader.Upgrade(prepared, 21);
            graph = OnnxGraph.FromModel(prepared, promoteConstants: false);
            choices = new QuantizationChoices(settings, CalibrationMethod.MinMax, graph);
        }

        var weights = new List<WeightPlan>();
        var floatNodes = new List<FloatNode>();
        // Layers inside If branches and Loop/Scan bodies too, with weights that are the body's initializers or outer-scope
        // initializers the body reads by name (Silero VAD keeps its whole network in If branches).
        foreach (var node in graph.AllGraphs().SelectMany(g => g.TopologicalOrder()))
        {
            if (OpRules.For(node) is not { AlwaysInt8: true, WeightInput: int w } || w >= node.Inputs.Count
                || node.Graph.VisibleInitializer(node.Inputs[w]) is not { DataType: (int)TensorProto.Types.DataType.Float } weight)
                continue;
            int? axis = settings.PerChannelWeights ? QuantizationPlanner.ChannelAxis(node, weight) : null;
            int channelAxis = node.OpType == "MatMul" ? weight.Dims.Count - 1 : OpRules.WeightChannelAxis(node);
            long channels = channelAxis >= 0 && channelAxis < weight.Dims.Count ? weight.Dims[channelAxis] : 1;
            string? reason = choices.SkipReason(node)
                ?? (minWeightElements > 0 && TensorData.ElementCount(weight) <= minWeightElements ? $"weight has {TensorData.ElementCount(weight)} elements, not more than {minWeightElements}" : null)
                ?? (minWeightChannels > 0 && channels <= minWeightChannels ? $"weight has {channels} channels, not more than {minWeightChannels}" : null);
            if (reason is not null)
                floatNodes.Add(new FloatNode(node, reason));
            else
                weights.Add(new WeightPlan(weight.Name, node, w, axis));
        }
        var plan = new QuantizationPlan([], new Dictionary<string, string>(), [], weights, [], floatNodes, new HashSet<Node>());
        var quantized = QdqRewriter.QuantizeWeights(graph, plan, choices.WeightScheme, prepared.External, settings.RangeMethod);
        var records = QdqRewriter.Apply(graph, plan, new Dictionary<string, QuantParams>(), quantized,
            new QdqRewriteSettings(settings.Weights, settings.Activations, outputOpset), prepared.External);
        var proto = prepared.Proto.Clone();
        proto.Graph = graph.ToProto();
        foreach (var import in proto.OpsetImport.Where(o => o.Domain is "" or "ai.onnx"))
            import.Version = outputOpset;
        var result = prepared.Derive(proto);
        ReconstructedWeights? reconstruction = null;
        if (settings.ReconstructsWeights)
            (result, records, reconstruction) = WeightReconstruction.Apply(result, prepared, records, settings.WeightMethod, settings.Reconstruction,
                samples is null ? null : CalibrationInput.FromSamples.SpreadOver(samples, settings.Reconstruction.Samples), settings.ReusedReconstruction, log);
        return new StaticQuantizationResult(result, prepared, plan, records, preparedModel.FoldedBatchNorms, 0, [], new StatsFile(0, []))
        {
            Reconstruction = reconstruction,
        };
    }
}
