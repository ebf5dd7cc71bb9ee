using Google.Protobuf;
using Ptq.Onnx;
using Ptq.Onnx.Proto;
using DT = Ptq.Onnx.Proto.TensorProto.Types.DataType;

namespace Ptq.Tests.Onnx;

/// <summary>Small models built in code for error-path tests.</summary>
internal static class TestModels
{
    /// <summary>Y = X · W + B with X [1,K], W [K,N] (value i*0.25 - 1 at flat index i), B [N] = 0.5; opset 13.</summary>
    public static ModelProto MatMulAdd(int k = 16, int n = 16)
    {
        var graph = new GraphProto { Name = "matmul_add" };
        graph.Input.Add(FloatValue("X", 1, k));
        graph.Output.Add(FloatValue("Y", 1, n));
        graph.Initializer.Add(TensorData.FromFloats("W", [k, n], Enumerable.Range(0, k * n).Select(i => i * 0.25f - 1).ToArray()));
        graph.Initializer.Add(TensorData.FromFloats("B", [n], Enumerable.Repeat(0.5f, n).ToArray()));
        graph.Node.Add(Node("MatMul", "matmul", ["X", "W"], ["XW"]));
        graph.Node.Add(Node("Add", "add", ["XW", "B"], ["Y"]));
        return Model(graph);
    }

    /// <summary>A model with the given graph, IR 8, default-domain opset 13.</summary>
    public static ModelProto Model(GraphProto graph)
    {
        var model = new ModelProto { IrVersion = 8, ProducerName = "ptq-tests", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
        return model;
    }

    /// <summary>A node of the default domain.</summary>
    public static NodeProto Node(string opType, string name, string[] inputs, string[] outputs)
    {
        var node = new NodeProto { OpType = opType, Name = name };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        return node;
    }

    /// <summary>A FLOAT tensor value info with fixed dims.</summary>
    public static ValueInfoProto FloatValue(string name, params long[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (long d in dims)
            shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)DT.Float, Shape = shape } } };
    }

    /// <summary>Writes <paramref name="model"/> as is (no validation), for files ModelIO.Save would refuse to produce.</summary>
    public static string WriteRaw(ModelProto model, string path)
    {
        File.WriteAllBytes(path, model.ToByteArray());
        return path;
    }
}
