using System.Runtime.InteropServices;
using Google.Protobuf;
using Ptq.Onnx.Proto;

namespace Ptq.Bench;

/// <summary>
/// A chain of MatMuls over square FLOAT weights [N, N] filled with a cheap deterministic pattern, written straight into the
/// arrays that back raw_data. Only model I/O is measured, so the graph just has to be valid.
/// </summary>
internal static class SyntheticWeights
{
    /// <summary>Y = X·W0·W1·… with <paramref name="tensors"/> weights [<paramref name="size"/>, <paramref name="size"/>].</summary>
    public static ModelProto Build(int tensors, int size)
    {
        var graph = new GraphProto { Name = "synthetic" };
        graph.Input.Add(Value("X", 1, size));
        graph.Output.Add(Value("Y", 1, size));
        string previous = "X";
        for (int t = 0; t < tensors; t++)
        {
            var bytes = new byte[(long)size * size * sizeof(float)];
            var values = MemoryMarshal.Cast<byte, float>(bytes.AsSpan());
            for (int i = 0; i < values.Length; i++)
                values[i] = ((i * 2654435761u + (uint)t) >> 20) / 4096f;
            var tensor = new TensorProto { Name = $"W{t}", DataType = (int)TensorProto.Types.DataType.Float, RawData = UnsafeByteOperations.UnsafeWrap(bytes) };
            tensor.Dims.Add(size);
            tensor.Dims.Add(size);
            graph.Initializer.Add(tensor);
            var node = new NodeProto { OpType = "MatMul", Name = $"matmul{t}" };
            node.Input.Add(previous);
            node.Input.Add(tensor.Name);
            previous = t == tensors - 1 ? "Y" : $"H{t}";
            node.Output.Add(previous);
            graph.Node.Add(node);
        }
        var model = new ModelProto { IrVersion = 8, ProducerName = "ptq-bench", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
        return model;
    }

    private static ValueInfoProto Value(string name, long d0, long d1)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d0 });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d1 });
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } } };
    }
}
