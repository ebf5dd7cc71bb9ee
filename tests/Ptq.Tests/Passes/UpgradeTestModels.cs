using Ptq.Onnx;
using Ptq.Onnx.Proto;
using Ptq.Runtime;
using DT = Ptq.Onnx.Proto.TensorProto.Types.DataType;

namespace Ptq.Tests.Passes;

/// <summary>Builds tiny single-purpose models in code and compares ORT outputs of a model before and after an upgrade.</summary>
internal static class UpgradeTestModels
{
    /// <summary>A model at <paramref name="opset"/> with float inputs/outputs of the given shapes (null shape: unknown rank).</summary>
    public static OnnxModel Build(long opset, IEnumerable<NodeProto> nodes, (string Name, long[]? Shape)[] inputs, string[] outputs,
        IEnumerable<TensorProto>? initializers = null, long irVersion = 3)
    {
        var graph = new GraphProto { Name = "test" };
        graph.Node.AddRange(nodes);
        foreach (var (name, shape) in inputs)
            graph.Input.Add(Value(name, shape));
        foreach (string name in outputs)
            graph.Output.Add(new ValueInfoProto { Name = name }); // ORT infers output types (TopK's indices are int64)
        if (initializers is not null)
            graph.Initializer.AddRange(initializers);
        var proto = new ModelProto { IrVersion = irVersion, Graph = graph, ProducerName = "ptq-test" };
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        return new OnnxModel(proto);
    }

    /// <summary>A node with attributes.</summary>
    public static NodeProto Node(string opType, string[] inputs, string[] outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = $"{opType.ToLowerInvariant()}_{outputs[0]}" };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        return node;
    }

    /// <summary>A FLOATS attribute.</summary>
    public static AttributeProto Floats(string name, params float[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Floats };
        attribute.Floats.AddRange(values);
        return attribute;
    }

    /// <summary>Runs both models on the same seeded feeds and asserts every output agrees per element within <paramref name="relative"/>.</summary>
    public static int AssertSameOutputs(OnnxModel original, OnnxModel upgraded, int seed, double relative = 1e-5,
        Func<string, int, long>? dynamicDim = null)
    {
        var feeds = SampleFeeds.For(original, seed, dynamicDim);
        using var before = new OrtRunner(original);
        using var after = new OrtRunner(upgraded);
        var expected = before.Run(feeds);
        var actual = after.Run(feeds);
        int compared = 0;
        foreach (var (name, value) in expected)
        {
            Assert.Equal(value.Shape, actual[name].Shape);
            float[] a = value.ToFloats(), b = actual[name].ToFloats();
            for (int i = 0; i < a.Length; i++)
            {
                double tolerance = relative * Math.Max(1, Math.Abs(a[i]));
                Assert.True(Math.Abs(a[i] - b[i]) <= tolerance, $"output '{name}'[{i}]: original {a[i]}, upgraded {b[i]} (tolerance {tolerance})");
            }
            compared += a.Length;
        }
        return compared;
    }

    private static ValueInfoProto Value(string name, long[]? shape)
    {
        var tensor = new TypeProto.Types.Tensor { ElemType = (int)DT.Float };
        if (shape is not null)
        {
            tensor.Shape = new TensorShapeProto();
            foreach (long d in shape)
                tensor.Shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        }
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tensor } };
    }
}
