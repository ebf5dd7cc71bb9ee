using Ptq.Graph;
using Ptq.Onnx;

using Ptq.Quantization;
using Ptq.Quantization.Reconstruction;

namespace Ptq.Pipeline.Reconstruction;

/// <summary>
/// Turns every DequantizeLinear of constants (weights, biases, constant operands) back into a float initializer holding
/// exactly the values it would produce, named as its output. The result computes what the quantized model computes
/// with float kernels, and a weight's values can be swapped by replacing one initializer.
/// </summary>
internal static class ConstantDequantization
{
    /// <summary>Folds the constant DequantizeLinear nodes of <paramref name="graph"/> (in place); returns how many.</summary>
    public static int Fold(OnnxGraph graph, ExternalDataReader? external = null)
    {
        int folded = 0;
        foreach (var node in graph.Nodes.Where(n => n.IsStandard && n.OpType == "DequantizeLinear" && n.Attribute("block_size") is null).ToList())
        {
            var inputs = node.Inputs.Select(i => i.Length == 0 ? null : graph.Initializer(i)).ToList();
            if (inputs.Count < 2 || inputs[0] is null || inputs[1] is null || (inputs.Count > 2 && node.Inputs[2].Length > 0 && inputs[2] is null))
                continue;
            var codes = TensorData.ToFloats(inputs[0]!, external);
            var scales = TensorData.ToFloats(inputs[1]!, external);
            var zeros = inputs.Count > 2 && inputs[2] is { } z ? TensorData.ToFloats(z, external) : new float[scales.Length];
            long[] dims = [.. inputs[0]!.Dims];
            var layout = ChannelLayout.Of(dims, scales.Length > 1 ? Axis(node, dims.Length) : null);
            var values = new float[codes.Length];
            for (int i = 0; i < codes.Length; i++)
            {
                int c = layout.ChannelOf(i);
                values[i] = (codes[i] - zeros[c]) * scales[c];
            }
            graph.RemoveNode(node);
            graph.AddInitializer(TensorData.FromFloats(node.Outputs[0], dims, values));
            folded++;
        }
        graph.RemoveUnusedInitializers();
        return folded;
    }

    private static int Axis(Node node, int rank)
    {
        long axis = node.GetInt("axis", 1);
        return (int)(axis < 0 ? axis + rank : axis);
    }
}
