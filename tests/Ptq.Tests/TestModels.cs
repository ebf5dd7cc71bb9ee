using Ptq.Onnx;
using Ptq.Onnx.Proto;

namespace Ptq.Tests;

/// <summary>Small models built in code for unit tests (seeded weights).</summary>
internal static class TestModels
{
    public static ValueInfoProto FloatInfo(string name, params long[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (long d in dims)
            shape.Dim.Add(d < 0 ? new TensorShapeProto.Types.Dimension { DimParam = "N" } : new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }

    public static NodeProto Node(string opType, string name, string[] inputs, string[] outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = name };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        return node;
    }

    public static TensorProto RandomFloats(string name, Random random, params long[] dims)
    {
        long count = dims.Aggregate(1L, (a, d) => a * d);
        var values = new float[count];
        for (int i = 0; i < values.Length; i++)
            values[i] = (float)(random.NextDouble() * 2 - 1);
        return TensorData.FromFloats(name, dims, values);
    }

    public static ModelProto Model(GraphProto graph, long opset = 13, long irVersion = 8)
    {
        var model = new ModelProto { IrVersion = irVersion, Graph = graph, ProducerName = "ptq-tests" };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        return model;
    }

    /// <summary>X[1,3,8,8] → Conv(3→4, 3×3, pad 1) → Relu → Add(Constant bias) → Y, with the bias as a Constant node.</summary>
    public static ModelProto ConvReluAdd(int seed = 1)
    {
        var random = new Random(seed);
        var graph = new GraphProto { Name = "conv_relu_add" };
        graph.Input.Add(FloatInfo("X", 1, 3, 8, 8));
        graph.Output.Add(FloatInfo("Y", 1, 4, 8, 8));
        graph.Initializer.Add(RandomFloats("W", random, 4, 3, 3, 3));
        graph.Initializer.Add(RandomFloats("B", random, 4));
        graph.Node.Add(Node("Conv", "conv", ["X", "W", "B"], ["c"],
            Ptq.Graph.Node.IntsAttribute("pads", [1, 1, 1, 1]), Ptq.Graph.Node.IntsAttribute("kernel_shape", [3, 3])));
        graph.Node.Add(Node("Relu", "relu", ["c"], ["r"]));
        var bias = RandomFloats("bias_value", random, 1, 4, 1, 1);
        graph.Node.Add(Node("Constant", "bias_const", [], ["bias"],
            new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = bias }));
        graph.Node.Add(Node("Add", "add", ["r", "bias"], ["Y"]));
        return Model(graph);
    }

    /// <summary>
    /// X[1,4,16,16] → Conv "wide" (4→8, 1×1) → Relu → Conv "mix" (8→4, 3×3, pad 1) → Conv "out" (4→4, 1×1) →
    /// Y[1,4,16,16]. Output channel 0 of
    /// "wide" is 40× larger than the others and "mix" reads it with 1/40 of the weight, so the per-tensor range of the
    /// Relu output is set by one channel, the other seven get about 6 of 255 codes, and rounding that tensor alone to
    /// 8 bits costs the output most: a model that needs mixed-precision activations.
    /// </summary>
    public static ModelProto OutlierChannelConvs(int seed = 3)
    {
        var random = new Random(seed);
        var graph = new GraphProto { Name = "outlier_channel_convs" };
        graph.Input.Add(FloatInfo("X", 1, 4, 16, 16));
        graph.Output.Add(FloatInfo("Y", 1, 4, 16, 16));
        var wide = RandomFloats("wide.weight", random, 8, 4, 1, 1);
        var wideValues = TensorData.ToFloats(wide);
        for (int i = 0; i < 4; i++)
            wideValues[i] *= 40;
        graph.Initializer.Add(TensorData.FromFloats("wide.weight", [8, 4, 1, 1], wideValues));
        graph.Initializer.Add(RandomFloats("wide.bias", random, 8));
        var mix = TensorData.ToFloats(RandomFloats("mix.weight", random, 4, 8, 3, 3));
        for (int o = 0; o < 4; o++)
            for (int k = 0; k < 9; k++)
                mix[o * 72 + k] /= 40;
        graph.Initializer.Add(TensorData.FromFloats("mix.weight", [4, 8, 3, 3], mix));
        graph.Initializer.Add(RandomFloats("mix.bias", random, 4));
        graph.Node.Add(Node("Conv", "wide", ["X", "wide.weight", "wide.bias"], ["w"], Ptq.Graph.Node.IntsAttribute("kernel_shape", [1, 1])));
        graph.Node.Add(Node("Relu", "wide_relu", ["w"], ["r"]));
        graph.Node.Add(Node("Conv", "mix", ["r", "mix.weight", "mix.bias"], ["m"],
            Ptq.Graph.Node.IntsAttribute("pads", [1, 1, 1, 1]), Ptq.Graph.Node.IntsAttribute("kernel_shape", [3, 3])));
        graph.Initializer.Add(RandomFloats("out.weight", random, 4, 4, 1, 1));
        graph.Node.Add(Node("Conv", "out", ["m", "out.weight"], ["Y"], Ptq.Graph.Node.IntsAttribute("kernel_shape", [1, 1])));
        return Model(graph);
    }

    /// <summary>
    /// X[1,3,8,8] → Conv "conv" (3→4, 3×3, pad 1) → BatchNormalization "conv_bn" → Relu → ConvTranspose "up" (4→4, 2×2,
    /// stride 2) → BatchNormalization "up_bn" → Y[1,4,16,16]. The first BN folds into its Conv; the second cannot (BN
    /// folding takes Conv and Gemm producers only), so a prepared model keeps one BN. BN scales γ/√(σ²+ε) lie in about
    /// [0.4, 9], far from 1, so folded and unfolded weights differ.
    /// </summary>
    public static ModelProto FoldableAndUnfoldableBatchNorms(int seed = 5)
    {
        var random = new Random(seed);
        var graph = new GraphProto { Name = "partial_bn" };
        graph.Input.Add(FloatInfo("X", 1, 3, 8, 8));
        graph.Output.Add(FloatInfo("Y", 1, 4, 16, 16));
        graph.Initializer.Add(RandomFloats("conv.weight", random, 4, 3, 3, 3));
        graph.Initializer.Add(RandomFloats("up.weight", random, 4, 4, 2, 2));
        graph.Node.Add(Node("Conv", "conv", ["X", "conv.weight"], ["c"],
            Ptq.Graph.Node.IntsAttribute("pads", [1, 1, 1, 1]), Ptq.Graph.Node.IntsAttribute("kernel_shape", [3, 3])));
        AddBatchNorm(graph, random, "conv_bn", "c", "b");
        graph.Node.Add(Node("Relu", "relu", ["b"], ["r"]));
        graph.Node.Add(Node("ConvTranspose", "up", ["r", "up.weight"], ["u"],
            Ptq.Graph.Node.IntsAttribute("kernel_shape", [2, 2]), Ptq.Graph.Node.IntsAttribute("strides", [2, 2])));
        AddBatchNorm(graph, random, "up_bn", "u", "Y");
        return Model(graph);
    }

    private static void AddBatchNorm(GraphProto graph, Random random, string name, string input, string output)
    {
        float[] Values(Func<float> next) => [.. Enumerable.Range(0, 4).Select(_ => next())];
        graph.Initializer.Add(TensorData.FromFloats(name + ".scale", [4], Values(() => 0.5f + 2.5f * (float)random.NextDouble())));
        graph.Initializer.Add(TensorData.FromFloats(name + ".bias", [4], Values(() => (float)random.NextDouble() - 0.5f)));
        graph.Initializer.Add(TensorData.FromFloats(name + ".mean", [4], Values(() => (float)random.NextDouble() - 0.5f)));
        graph.Initializer.Add(TensorData.FromFloats(name + ".var", [4], Values(() => 0.1f + 1.5f * (float)random.NextDouble())));
        graph.Node.Add(Node("BatchNormalization", name, [input, name + ".scale", name + ".bias", name + ".mean", name + ".var"], [output]));
    }
}
