using Ptq.Graph;
using Ptq.Onnx;
using Ptq.Onnx.Proto;

namespace Ptq.Demo;

/// <summary>
/// The built-in sample model of <c>ptq demo</c> and of golden tests: a small residual CNN for 3×32×32 inputs with
/// Conv-BN-ReLU blocks, a residual Add, MaxPool, GlobalAveragePool and a Gemm classifier (10 classes), opset 13,
/// dynamic batch, seeded He-initialised weights. Building it needs no files and no network.
/// </summary>
internal static class DemoModel
{
    /// <summary>Name of the model input ([N,3,32,32] float).</summary>
    public const string InputName = "image";

    /// <summary>Name of the model output ([N,10] logits).</summary>
    public const string OutputName = "logits";

    /// <summary>Builds the model with weights drawn from <paramref name="seed"/>.</summary>
    public static OnnxModel Build(int seed = 2024)
    {
        var random = new Random(seed);
        var graph = new GraphProto { Name = "ptq_demo_resnet" };
        graph.Input.Add(FloatValue(InputName, -1, 3, 32, 32));
        graph.Output.Add(FloatValue(OutputName, -1, 10));

        string x = ConvBnRelu(graph, random, "stem", InputName, 3, 16);
        string y = ConvBnRelu(graph, random, "block1a", x, 16, 16);
        y = ConvBn(graph, random, "block1b", y, 16, 16);
        graph.Node.Add(Node("Add", "block1_add", [x, y], ["block1_sum"]));
        graph.Node.Add(Node("Relu", "block1_relu", ["block1_sum"], ["block1_out"]));
        graph.Node.Add(Node("MaxPool", "pool", ["block1_out"], ["pooled"],
            Ptq.Graph.Node.IntsAttribute("kernel_shape", [2, 2]), Ptq.Graph.Node.IntsAttribute("strides", [2, 2])));
        string z = ConvBnRelu(graph, random, "block2", "pooled", 16, 32);
        graph.Node.Add(Node("GlobalAveragePool", "gap", [z], ["gap_out"]));
        graph.Node.Add(Node("Flatten", "flatten", ["gap_out"], ["features"], Ptq.Graph.Node.IntAttribute("axis", 1)));
        graph.Initializer.Add(HeNormal("fc.weight", random, 32, [10, 32]));
        graph.Initializer.Add(TensorData.FromFloats("fc.bias", [10], Enumerable.Range(0, 10).Select(_ => Normal(random) * 0.1f).ToArray()));
        graph.Node.Add(Node("Gemm", "fc", ["features", "fc.weight", "fc.bias"], [OutputName], Ptq.Graph.Node.IntAttribute("transB", 1)));

        var model = new ModelProto { IrVersion = 8, ProducerName = "ptq-demo", ProducerVersion = "1", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
        return new OnnxModel(model);
    }

    private static string ConvBnRelu(GraphProto graph, Random random, string name, string input, int inChannels, int outChannels)
    {
        string bn = ConvBn(graph, random, name, input, inChannels, outChannels);
        graph.Node.Add(Node("Relu", name + "_relu", [bn], [name + "_out"]));
        return name + "_out";
    }

    private static string ConvBn(GraphProto graph, Random random, string name, string input, int inChannels, int outChannels)
    {
        graph.Initializer.Add(HeNormal(name + ".weight", random, inChannels * 9, [outChannels, inChannels, 3, 3]));
        graph.Node.Add(Node("Conv", name + "_conv", [input, name + ".weight"], [name + "_conv_out"],
            Ptq.Graph.Node.IntsAttribute("kernel_shape", [3, 3]), Ptq.Graph.Node.IntsAttribute("pads", [1, 1, 1, 1])));
        float[] Values(Func<float> next) => Enumerable.Range(0, outChannels).Select(_ => next()).ToArray();
        graph.Initializer.Add(TensorData.FromFloats(name + ".bn.scale", [outChannels], Values(() => 0.8f + 0.4f * (float)random.NextDouble())));
        graph.Initializer.Add(TensorData.FromFloats(name + ".bn.bias", [outChannels], Values(() => 0.1f * Normal(random))));
        graph.Initializer.Add(TensorData.FromFloats(name + ".bn.mean", [outChannels], Values(() => 0.1f * Normal(random))));
        graph.Initializer.Add(TensorData.FromFloats(name + ".bn.var", [outChannels], Values(() => 0.5f + (float)random.NextDouble())));
        graph.Node.Add(Node("BatchNormalization", name + "_bn",
            [name + "_conv_out", name + ".bn.scale", name + ".bn.bias", name + ".bn.mean", name + ".bn.var"], [name + "_bn_out"]));
        return name + "_bn_out";
    }

    private static TensorProto HeNormal(string name, Random random, int fanIn, long[] dims)
    {
        float std = MathF.Sqrt(2f / fanIn);
        var values = new float[dims.Aggregate(1L, (a, d) => a * d)];
        for (int i = 0; i < values.Length; i++)
            values[i] = Normal(random) * std;
        return TensorData.FromFloats(name, dims, values);
    }

    internal static float Normal(Random random)
    {
        // Box-Muller: deterministic for a seeded Random on every platform.
        double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
        return (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
    }

    private static ValueInfoProto FloatValue(string name, params long[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (long d in dims)
            shape.Dim.Add(d < 0 ? new TensorShapeProto.Types.Dimension { DimParam = "batch" } : new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } } };
    }

    private static NodeProto Node(string opType, string name, string[] inputs, string[] outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = name };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        return node;
    }
}
