using Ptq.Onnx;
using Ptq.Onnx.Proto;
using Ptq.Runtime;
using static Ptq.Tests.TestModels;
using GraphNode = Ptq.Graph.Node;

namespace Ptq.Tests.Passes;

/// <summary>
/// A CNN as PyTorch 1.x exported it at opset 10 with a dynamic batch ("batch"), whose value info for the flattened
/// activations still says the export batch of 128: input [batch,1,28,28] → Conv 5×5 (16) → Relu → MaxPool 2 → Conv 3×3
/// (32) → Relu → Reshape to [batch, 3200] → Gemm (10) → LogSoftmax. ORT runs it at any batch; it trusts the stale
/// [128, 3200] only where it can fold a shape from it.
/// </summary>
internal static class StaleShapeModel
{
    public const int ExportBatch = 128;
    public const int Classes = 10;

    /// <summary>The model; with <paramref name="shapeChain"/> the Reshape target is built as x.view(x.size(0), -1) exports it (Shape → Gather → Unsqueeze → Concat).</summary>
    public static OnnxModel Build(bool shapeChain = false)
    {
        var random = new Random(41);
        var graph = new GraphProto { Name = "torch_jit_export" };
        graph.Input.Add(FloatInfo("input", -1, 1, 28, 28));
        graph.Output.Add(FloatInfo("output", -1, Classes));
        graph.ValueInfo.Add(FloatInfo("flat", ExportBatch, 3200));
        graph.Initializer.Add(Scaled(RandomFloats("conv1.weight", random, 16, 1, 5, 5), 1f / 5));
        graph.Initializer.Add(Scaled(RandomFloats("conv1.bias", random, 16), 0.1f));
        graph.Initializer.Add(Scaled(RandomFloats("conv2.weight", random, 32, 16, 3, 3), 1f / 12));
        graph.Initializer.Add(Scaled(RandomFloats("conv2.bias", random, 32), 0.1f));
        graph.Initializer.Add(Scaled(RandomFloats("fc.weight", random, Classes, 3200), 0.25f));
        graph.Initializer.Add(Scaled(RandomFloats("fc.bias", random, Classes), 0.1f));
        graph.Node.Add(Node("Conv", "Conv_0", ["input", "conv1.weight", "conv1.bias"], ["c1"], GraphNode.IntsAttribute("kernel_shape", [5, 5])));
        graph.Node.Add(Node("Relu", "Relu_1", ["c1"], ["r1"]));
        graph.Node.Add(Node("MaxPool", "MaxPool_2", ["r1"], ["p1"], GraphNode.IntsAttribute("kernel_shape", [2, 2]), GraphNode.IntsAttribute("strides", [2, 2])));
        graph.Node.Add(Node("Conv", "Conv_3", ["p1", "conv2.weight", "conv2.bias"], ["c2"], GraphNode.IntsAttribute("kernel_shape", [3, 3])));
        graph.Node.Add(Node("Relu", "Relu_4", ["c2"], ["r2"]));
        if (shapeChain)
        {
            graph.Initializer.Add(TensorData.FromInt64s("zero", [], [0]));
            graph.Initializer.Add(TensorData.FromInt64s("minus_one", [1], [-1]));
            graph.Node.Add(Node("Shape", "Shape_5", ["r2"], ["s"]));
            graph.Node.Add(Node("Gather", "Gather_6", ["s", "zero"], ["n"], GraphNode.IntAttribute("axis", 0)));
            graph.Node.Add(Node("Unsqueeze", "Unsqueeze_7", ["n"], ["n1"], GraphNode.IntsAttribute("axes", [0])));
            graph.Node.Add(Node("Concat", "Concat_8", ["n1", "minus_one"], ["target"], GraphNode.IntAttribute("axis", 0)));
        }
        else
        {
            graph.Initializer.Add(TensorData.FromInt64s("target", [2], [-1, 3200]));
        }
        graph.Node.Add(Node("Reshape", "Reshape_9", ["r2", "target"], ["flat"]));
        graph.Node.Add(Node("Gemm", "Gemm_10", ["flat", "fc.weight", "fc.bias"], ["logits"], GraphNode.IntAttribute("transB", 1)));
        graph.Node.Add(Node("LogSoftmax", "LogSoftmax_11", ["logits"], ["output"], GraphNode.IntAttribute("axis", 1)));
        var proto = Model(graph, opset: 10, irVersion: 6);
        proto.ProducerName = "pytorch";
        return new OnnxModel(proto);
    }

    /// <summary>Seeded images in [0, 1], <paramref name="batch"/> at a time.</summary>
    public static Dictionary<string, TensorValue> Images(int batch, int seed)
    {
        var random = new Random(seed);
        float[] pixels = [.. Enumerable.Range(0, batch * 28 * 28).Select(_ => (float)random.NextDouble())];
        return new Dictionary<string, TensorValue>(StringComparer.Ordinal) { ["input"] = TensorValue.FromFloats([batch, 1, 28, 28], pixels) };
    }

    private static TensorProto Scaled(TensorProto tensor, float factor)
    {
        float[] values = TensorData.ToFloats(tensor);
        for (int i = 0; i < values.Length; i++)
            values[i] *= factor;
        return TensorData.FromFloats(tensor.Name, [.. tensor.Dims], values);
    }
}
