using Ptq.Graph;
using Ptq.Onnx;

namespace Ptq.Passes;

/// <summary>
/// Cross-layer equalization (Nagel et al., Data-Free Quantization): for Conv A → [Relu] → Conv B, output channel c of
/// A is scaled by 1/s_c and the matching input channel of B by s_c, with s_c = sqrt(r1_c / r2_c) where r1_c and r2_c
/// are the largest |weight| of A's channel c and of B's input channel c. Relu is positively homogeneous, so the float
/// function is unchanged while both layers' per-channel ranges become sqrt(r1_c·r2_c): per-tensor weight quantization
/// (and depthwise layers with wildly different channels) lose far less. B may be a standard or a depthwise Conv.
/// </summary>
internal static class CrossLayerEqualization
{
    /// <summary>Equalizes every eligible pair in <paramref name="graph"/>; returns how many pairs changed.</summary>
    public static int Apply(OnnxGraph graph, ExternalDataReader? external = null)
    {
        int pairs = 0;
        foreach (var a in graph.TopologicalOrder().Where(n => n.IsStandard && n.OpType == "Conv" && n.GetInt("group", 1) == 1).ToList())
        {
            if (Next(graph, a) is not { } b || graph.Initializer(a.Inputs[1]) is not { } wa || graph.Initializer(b.Inputs[1]) is not { } wb)
                continue;
            int channels = (int)wa.Dims[0];
            long group = b.GetInt("group", 1);
            bool depthwise = group == channels && wb.Dims[0] == channels && wb.Dims[1] == 1;
            if (!(group == 1 && wb.Dims[1] == channels) && !depthwise)
                continue;
            if (graph.Consumers(wa.Name).Count != 1 || graph.Consumers(wb.Name).Count != 1)
                continue; // shared weights would change another layer too
            var w1 = TensorData.ToFloats(wa, external);
            var w2 = TensorData.ToFloats(wb, external);
            var r1 = new double[channels];
            var r2 = new double[channels];
            long perA = w1.Length / channels;
            for (int c = 0; c < channels; c++)
                for (long i = 0; i < perA; i++)
                    r1[c] = Math.Max(r1[c], Math.Abs(w1[c * perA + i]));
            long kernel = depthwise ? w2.Length / channels : w2.Length / (wb.Dims[0] * channels);
            for (long i = 0; i < w2.Length; i++)
            {
                int c = depthwise ? (int)(i / kernel) : (int)(i / kernel % channels);
                r2[c] = Math.Max(r2[c], Math.Abs(w2[i]));
            }
            var scale = new float[channels];
            for (int c = 0; c < channels; c++)
                scale[c] = r1[c] > 0 && r2[c] > 0 ? (float)Math.Sqrt(r1[c] / r2[c]) : 1f;
            for (int c = 0; c < channels; c++)
                for (long i = 0; i < perA; i++)
                    w1[c * perA + i] /= scale[c];
            for (long i = 0; i < w2.Length; i++)
                w2[i] *= scale[depthwise ? (int)(i / kernel) : (int)(i / kernel % channels)];
            Replace(graph, a, 1, wa.Name + "_cle", [.. wa.Dims], w1);
            Replace(graph, b, 1, wb.Name + "_cle", [.. wb.Dims], w2);
            if (a.Inputs.Count > 2 && a.Inputs[2].Length > 0 && graph.Initializer(a.Inputs[2]) is { } ba)
            {
                var bias = TensorData.ToFloats(ba, external);
                for (int c = 0; c < channels; c++)
                    bias[c] /= scale[c];
                Replace(graph, a, 2, ba.Name + "_cle", [channels], bias);
            }
            pairs++;
        }
        if (pairs > 0)
            graph.RemoveUnusedInitializers();
        return pairs;
    }

    /// <summary>The Conv B that alone reads A's output, directly or through a Relu that alone reads it.</summary>
    private static Node? Next(OnnxGraph graph, Node a)
    {
        string output = a.Outputs[0];
        if (graph.IsGraphOutput(output) || graph.Consumers(output) is not [var only])
            return null;
        var node = only.Node;
        if (node.OpType == "Relu" && node.IsStandard)
        {
            if (graph.IsGraphOutput(node.Outputs[0]) || graph.Consumers(node.Outputs[0]) is not [var next])
                return null;
            node = next.Node;
        }
        return node.IsStandard && node.OpType == "Conv" && node.Inputs.Count > 1 && node.Inputs[0] == (node == only.Node ? output : only.Node.Outputs[0]) ? node : null;
    }

    private static void Replace(OnnxGraph graph, Node node, int input, string hint, long[] dims, float[] values)
    {
        string name = graph.UniqueName(hint);
        graph.AddInitializer(TensorData.FromFloats(name, dims, values));
        graph.ReplaceInput(node, input, name);
    }
}
