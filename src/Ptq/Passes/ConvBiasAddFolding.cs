using Ptq.Graph;
using Ptq.Onnx;

namespace Ptq.Passes;

/// <summary>
/// Folds Add(Conv(x, W[, B]), b) into the Conv's bias when b is a constant with one value per output channel (shape
/// [C,1,1] or [1,C,1,1]; a plain [C] would broadcast over the width axis instead). Some exporters (CNTK, Caffe2) emit bias-less Convs followed by an Add; folded, the Conv
/// gets an int32 bias and its Relu can fuse, as ORT's QLinearConv expects.
/// </summary>
internal static class ConvBiasAddFolding
{
    /// <summary>Folds every eligible Add in <paramref name="graph"/>; returns how many.</summary>
    public static int Apply(OnnxGraph graph, ExternalDataReader? external = null)
    {
        int folded = 0;
        foreach (var add in graph.Nodes.Where(n => n.IsStandard && n.OpType == "Add" && n.Inputs.Count == 2).ToList())
        {
            int constantIndex = graph.Initializer(add.Inputs[1]) is not null ? 1 : graph.Initializer(add.Inputs[0]) is not null ? 0 : -1;
            if (constantIndex < 0)
                continue;
            string data = add.Inputs[1 - constantIndex];
            var conv = graph.Producer(data);
            if (conv is null || conv.OpType != "Conv" || !conv.IsStandard || graph.Consumers(data).Count != 1 || graph.IsGraphOutput(data)
                || graph.Initializer(conv.Inputs[1]) is not { } weight)
                continue;
            int channels = (int)weight.Dims[0];
            var constant = graph.Initializer(add.Inputs[constantIndex])!;
            if (TensorData.ElementCount(constant) != channels || !PerChannelShape(constant.Dims, channels))
                continue;
            var b = TensorData.ToFloats(constant, external);
            bool hasBias = conv.Inputs.Count > 2 && conv.Inputs[2].Length > 0;
            if (hasBias && graph.Initializer(conv.Inputs[2]) is null)
                continue;
            var bias = hasBias ? TensorData.ToFloats(graph.Initializer(conv.Inputs[2])!, external) : new float[channels];
            for (int c = 0; c < channels; c++)
                bias[c] += b[c];
            string name = graph.UniqueName(conv.DisplayName + "_bias");
            graph.AddInitializer(TensorData.FromFloats(name, [channels], bias));
            var inputs = conv.Inputs.ToList();
            if (hasBias) inputs[2] = name;
            else { while (inputs.Count < 2) inputs.Add(""); inputs.Add(name); }
            graph.SetInputs(conv, inputs);
            string output = add.Outputs[0];
            graph.RemoveNode(add);
            graph.SetOutput(conv, 0, output);
            folded++;
        }
        if (folded > 0)
            graph.RemoveUnusedInitializers();
        return folded;
    }

    // [C,1,1] or [1,C,1,1]: broadcasting puts one value on each channel of an NCHW tensor.
    private static bool PerChannelShape(IList<long> dims, int channels) =>
        dims.Count switch
        {
            3 => dims[0] == channels && dims[1] == 1 && dims[2] == 1,
            4 => dims[0] == 1 && dims[1] == channels && dims[2] == 1 && dims[3] == 1,
            _ => false,
        };
}
