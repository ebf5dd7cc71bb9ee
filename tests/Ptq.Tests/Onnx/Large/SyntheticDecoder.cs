using System.Runtime.InteropServices;
using Google.Protobuf;
using Ptq.Onnx;
using Ptq.Onnx.Proto;
using DT = Ptq.Onnx.Proto.TensorProto.Types.DataType;

namespace Ptq.Tests.Onnx.Large;

/// <summary>
/// A decoder-shaped model of any size, written straight to disk with its weights in one external data file, one
/// tensor at a time (the generator never holds more than one weight): token ids → Gather(embedding) → <c>Layers</c>
/// residual MLP blocks (MatMul up, Relu, MatMul down, Add) → MatMul(output projection) → logits. Weights are seeded
/// uniform values scaled like a trained layer's (±1/√fan-in).
/// </summary>
internal sealed record SyntheticDecoder(int Vocabulary, int Hidden, int Inner, int Layers)
{
    /// <summary>Bytes of float weights the model holds.</summary>
    public long WeightBytes => 4L * (2L * Vocabulary * Hidden + 2L * Layers * Hidden * Inner);

    /// <summary>Bytes of the largest single weight.</summary>
    public long LargestWeightBytes => 4L * Math.Max((long)Vocabulary * Hidden, (long)Hidden * Inner);

    /// <summary>Writes the model to <paramref name="path"/> and its weights to <paramref name="path"/>.data.</summary>
    public void Write(string path, int seed)
    {
        string dataName = Path.GetFileName(path) + ".data";
        var graph = new GraphProto { Name = "synthetic_decoder" };
        graph.Input.Add(new ValueInfoProto
        {
            Name = "ids",
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)DT.Int64, Shape = Shape(1, -1) } },
        });
        graph.Output.Add(new ValueInfoProto
        {
            Name = "logits",
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)DT.Float, Shape = Shape(1, -1, Vocabulary) } },
        });
        using (var data = new FileStream(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, dataName), FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            var random = new Random(seed);
            void Weight(string name, int rows, int columns) =>
                graph.Initializer.Add(WriteWeight(data, dataName, name, rows, columns, 1 / MathF.Sqrt(rows), random));

            Weight("embedding", Vocabulary, Hidden);
            graph.Node.Add(TestModels.Node("Gather", "embed", ["embedding", "ids"], ["h0"]));
            for (int layer = 0; layer < Layers; layer++)
            {
                string h = $"h{layer}", up = $"up{layer}", down = $"down{layer}";
                Weight($"{up}.weight", Hidden, Inner);
                Weight($"{down}.weight", Inner, Hidden);
                graph.Node.Add(TestModels.Node("MatMul", up, [h, $"{up}.weight"], [$"{up}.out"]));
                graph.Node.Add(TestModels.Node("Relu", $"relu{layer}", [$"{up}.out"], [$"relu{layer}.out"]));
                graph.Node.Add(TestModels.Node("MatMul", down, [$"relu{layer}.out", $"{down}.weight"], [$"{down}.out"]));
                graph.Node.Add(TestModels.Node("Add", $"residual{layer}", [h, $"{down}.out"], [$"h{layer + 1}"]));
            }
            Weight("lm_head.weight", Hidden, Vocabulary);
            graph.Node.Add(TestModels.Node("MatMul", "lm_head", [$"h{Layers}", "lm_head.weight"], ["logits"]));
        }
        using var file = File.Create(path);
        Ptq.Tests.TestModels.Model(graph, 17).WriteTo(file);
    }

    private static TensorProto WriteWeight(FileStream data, string dataName, string name, int rows, int columns, float bound, Random random)
    {
        long offset = data.Position;
        var row = new float[columns];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
                row[c] = (float)(random.NextDouble() * 2 - 1) * bound;
            data.Write(MemoryMarshal.AsBytes(row.AsSpan()));
        }
        var tensor = new TensorProto { Name = name, DataType = (int)DT.Float };
        tensor.Dims.Add(rows);
        tensor.Dims.Add(columns);
        new ExternalDataInfo(dataName, offset, data.Position - offset).ApplyTo(tensor);
        return tensor;
    }

    private static TensorShapeProto Shape(params long[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (long d in dims)
            shape.Dim.Add(d < 0 ? new TensorShapeProto.Types.Dimension { DimParam = "T" } : new TensorShapeProto.Types.Dimension { DimValue = d });
        return shape;
    }
}
