using Ptq.Graph;
using Ptq.Onnx;

namespace Ptq.Passes;

/// <summary>
/// Gives Convs that read fewer than <see cref="TargetChannels"/> input channels (the RGB or grayscale first layer of an
/// image model) that many: a Pad with zeros on the input's channel axis and zero weights for the new channels, so the
/// function is unchanged. ONNX Runtime's int8 convolution has no efficient path for three input channels: SqueezeNet's
/// first QLinearConv took 602 µs with 3 channels and 206 µs with 4 (kernel time, 1 thread, this project's AVX-512 VNNI
/// machine), a fifth of the whole int8 model. Runs in preparation for static quantization, so calibration, the plan
/// (the Pad is a data-movement op that keeps its input's parameters) and the debugger all see the same graph. Nodes
/// get the name suffix <see cref="NodeSuffix"/>. Only Convs reading a model input are padded, and only when the input's
/// spatial size is unknown or at least <see cref="MinSpatialElements"/>: on small images ORT's per-op cost of the
/// float Pad and its Q/DQ outweighs the faster kernel (CIFAR-10, 32×32: int8 0.086 → 0.092 ms per image).
/// </summary>
internal static class InputChannelPadding
{
    /// <summary>Input channel count the rewritten Convs get.</summary>
    public const int TargetChannels = 4;

    /// <summary>Smallest declared spatial size (H·W…) of the model input worth padding for (64×64).</summary>
    public const long MinSpatialElements = 64 * 64;

    /// <summary>Suffix of the inserted Pad nodes' names (how a quantized model shows it was prepared this way).</summary>
    public const string NodeSuffix = "_ChannelPad";

    /// <summary>
    /// Pads every standard Conv of <paramref name="graph"/> with group 1, a float weight initializer of rank ≥ 3, fewer
    /// than <see cref="TargetChannels"/> input channels and a large enough model input as its data (see the class
    /// summary). Needs opset ≥ 11 (Pad's tensor inputs). Returns how many.
    /// </summary>
    public static int Apply(OnnxGraph graph, ExternalDataReader? external = null)
    {
        ArgumentNullException.ThrowIfNull(graph);
        int padded = 0;
        foreach (var conv in graph.Nodes.Where(n => n.IsStandard && n.OpType == "Conv" && n.GetInt("group", 1) == 1).ToList())
        {
            if (graph.Initializer(conv.Inputs[1]) is not { DataType: (int)Onnx.Proto.TensorProto.Types.DataType.Float } weight
                || weight.Dims.Count < 3 || weight.Dims[1] >= TargetChannels || graph.Consumers(conv.Inputs[1]).Count != 1
                || !IsLargeModelInput(graph, conv.Inputs[0]))
                continue;
            int rank = weight.Dims.Count;
            var pads = new long[2 * rank];
            pads[rank + 1] = TargetChannels - weight.Dims[1]; // end of the channel axis
            string padsName = graph.UniqueName(conv.DisplayName + "_channel_pads");
            graph.AddInitializer(TensorData.FromInt64s(padsName, [pads.Length], pads));
            graph.InsertOnEdge(conv.Inputs[0], "Pad", [padsName], consumers: [(conv, 0)], outputHint: conv.Inputs[0] + "_padded")
                .Name = graph.UniqueName(conv.DisplayName + NodeSuffix);
            graph.ReplaceInitializer(PadWeight(weight, external));
            padded++;
        }
        return padded;
    }

    private static bool IsLargeModelInput(OnnxGraph graph, string value)
    {
        if (!graph.RuntimeInputs.Any(i => i.Name == value))
            return false;
        var dims = graph.FindType(value)?.TensorType?.Shape?.Dim;
        if (dims is null || dims.Count < 3)
            return dims is null; // no declared shape: assume a real image
        long spatial = 1;
        foreach (var d in dims.Skip(2))
        {
            if (!d.HasDimValue || d.DimValue <= 0)
                return true; // dynamic size (detectors): assume a real image
            spatial *= d.DimValue;
        }
        return spatial >= MinSpatialElements;
    }

    /// <summary>[M, C, k…] → [M, TargetChannels, k…] with zeros in the new channels.</summary>
    private static Onnx.Proto.TensorProto PadWeight(Onnx.Proto.TensorProto weight, ExternalDataReader? external)
    {
        float[] values = TensorData.ToFloats(weight, external);
        int outputs = (int)weight.Dims[0], channels = (int)weight.Dims[1];
        int kernel = values.Length / outputs / channels;
        var result = new float[outputs * TargetChannels * kernel];
        for (int o = 0; o < outputs; o++)
            values.AsSpan(o * channels * kernel, channels * kernel).CopyTo(result.AsSpan(o * TargetChannels * kernel));
        long[] dims = [.. weight.Dims];
        dims[1] = TargetChannels;
        return TensorData.FromFloats(weight.Name, dims, result);
    }
}
