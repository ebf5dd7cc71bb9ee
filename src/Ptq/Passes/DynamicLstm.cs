using Ptq.Graph;
using Ptq.Onnx;
using Ptq.Onnx.Proto;
using Ptq.Quantization;

namespace Ptq.Passes;

/// <summary>
/// Rewrites an LSTM with constant weights into ONNX Runtime's DynamicQuantizeLSTM (com.microsoft), as its
/// quantize_dynamic does: W and R stored as int8 codes with one scale per gate row (zero points 0), transposed to
/// [directions, input, 4·hidden] the way the kernel reads them; the activations are quantized per step at run time.
/// </summary>
internal static class DynamicLstm
{
    /// <summary>ONNX Runtime's contrib-op domain.</summary>
    public const string Domain = "com.microsoft";

    /// <summary>The W and R initializers of <paramref name="node"/> (float, 3-D), or null when it does not qualify.</summary>
    public static (TensorProto W, TensorProto R)? WeightsOf(Node node)
    {
        if (node.OpType != "LSTM" || !node.IsStandard || node.Inputs.Count < 3 || node.GetInt("layout", 0) != 0)
            return null;
        var graph = node.Graph;
        if (graph.VisibleInitializer(node.Inputs[1]) is not { DataType: (int)TensorProto.Types.DataType.Float, Dims.Count: 3 } w
            || graph.VisibleInitializer(node.Inputs[2]) is not { DataType: (int)TensorProto.Types.DataType.Float, Dims.Count: 3 } r)
            return null;
        return (w, r);
    }

    /// <summary>
    /// Replaces <paramref name="node"/> in its own graph by DynamicQuantizeLSTM with 8-bit symmetric <paramref name="scheme"/>
    /// weights (per gate row, or per tensor without <paramref name="perChannel"/>). Returns the records of W and R.
    /// </summary>
    public static IReadOnlyList<QuantizedTensorRecord> Rewrite(Node node, TensorProto w, TensorProto r, QuantScheme scheme, bool perChannel,
        ExternalDataReader? external)
    {
        var graph = node.Graph;
        var inputs = new List<string> { node.Inputs[0] };
        var parameters = new List<string>();
        var records = new List<QuantizedTensorRecord>();
        foreach (var weight in new[] { w, r })
        {
            long directions = weight.Dims[0], rows = weight.Dims[1], columns = weight.Dims[2];
            long[] flat = [directions * rows, columns];
            var quantized = WeightQuantizer.MinMax(weight.Name, TensorData.ToFloats(weight, external), flat, scheme, perChannel ? 0 : null);
            var transposed = new int[quantized.Codes.Length];
            for (long d = 0; d < directions; d++)
                for (long i = 0; i < rows; i++)
                    for (long j = 0; j < columns; j++)
                        transposed[(d * columns + j) * rows + i] = quantized.Codes[(d * rows + i) * columns + j];
            string codes = graph.UniqueName(weight.Name + "_quantized");
            graph.AddInitializer(QuantizedTensors.Create(codes, TensorProto.Types.DataType.Int8, [directions, columns, rows], transposed));
            long[] parameterDims = [directions, rows];
            var scales = perChannel ? quantized.Parameters.Scales : [.. Enumerable.Repeat(quantized.Parameters.Scale, (int)(directions * rows))];
            string scale = graph.UniqueName(weight.Name + "_scale"), zeroPoint = graph.UniqueName(weight.Name + "_zero_point");
            graph.AddInitializer(TensorData.FromFloats(scale, parameterDims, scales));
            graph.AddInitializer(QuantizedTensors.Create(zeroPoint, TensorProto.Types.DataType.Int8, parameterDims, new int[directions * rows]));
            inputs.Add(codes);
            parameters.AddRange([scale, zeroPoint]);
            records.Add(new QuantizedTensorRecord(node.DisplayName, "LSTM", weight.Name, "Weight", [.. weight.Dims], quantized.Parameters));
        }
        // B, sequence_lens, initial_h, initial_c, P (each optional), then the weights' scales and zero points.
        for (int i = 3; i < 8; i++)
            inputs.Add(i < node.Inputs.Count ? node.Inputs[i] : "");
        inputs.AddRange(parameters);
        var attributes = node.Attributes.Where(a => a.Name != "layout").Select(a => a.Clone()).ToList();
        var outputs = node.Outputs.ToList();
        string name = node.Name;
        graph.RemoveNode(node);
        graph.AddNode("DynamicQuantizeLSTM", inputs, outputs, name: graph.UniqueName(name + "_quant"), attributes: attributes, domain: Domain);
        return records;
    }
}
