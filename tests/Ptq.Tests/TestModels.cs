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
}
