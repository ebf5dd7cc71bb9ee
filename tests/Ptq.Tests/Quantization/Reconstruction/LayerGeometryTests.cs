using Ptq.Graph;
using Ptq.Onnx;
using Ptq.Onnx.Proto;
using Ptq.Quantization.Reconstruction;
using Ptq.Runtime;

namespace Ptq.Tests.Quantization.Reconstruction;

/// <summary>
/// The im2col views are checked against ONNX Runtime itself: for every output position, the dot product of each
/// group's weight row with the patch the geometry extracts must be what ORT's Conv, ConvTranspose, Gemm or MatMul
/// computes there.
/// </summary>
public class LayerGeometryTests
{
    // Attribute protos are internal types, so the theory passes an index into this table.
    private static readonly (string Op, long[] InputDims, long[] WeightDims, AttributeProto[] Attributes)[] Cases =
    [
        ("Conv", [1, 3, 9, 8], [4, 3, 3, 3], [Node.IntsAttribute("pads", [1, 0, 2, 1])]),
        ("Conv", [2, 4, 11, 10], [6, 2, 3, 2], [Node.IntAttribute("group", 2), Node.IntsAttribute("strides", [2, 3]), Node.IntsAttribute("dilations", [2, 1]), Node.IntsAttribute("pads", [1, 1, 1, 1])]),
        ("Conv", [1, 5, 7, 7], [5, 1, 3, 3], [Node.IntAttribute("group", 5), Node.StringAttribute("auto_pad", "SAME_UPPER"), Node.IntsAttribute("strides", [2, 2])]),
        ("Conv", [1, 3, 12], [4, 3, 3], [Node.IntsAttribute("pads", [2, 1]), Node.IntsAttribute("strides", [2])]),
        ("ConvTranspose", [1, 3, 5, 4], [3, 2, 3, 3], [Node.IntsAttribute("strides", [2, 2]), Node.IntsAttribute("pads", [1, 0, 1, 1]), Node.IntsAttribute("output_padding", [1, 0])]),
        ("ConvTranspose", [1, 4, 4, 4], [4, 3, 2, 2], [Node.IntAttribute("group", 2), Node.IntsAttribute("strides", [2, 2]), Node.IntsAttribute("dilations", [2, 1])]),
        ("Gemm", [5, 7], [3, 7], [Node.IntAttribute("transB", 1)]),
        ("Gemm", [7, 5], [7, 3], [Node.IntAttribute("transA", 1)]),
        ("MatMul", [2, 3, 6], [6, 4], []),
    ];

    public static TheoryData<int> Layers => [.. Enumerable.Range(0, Cases.Length)];

    [Theory]
    [MemberData(nameof(Layers))]
    public void PatchTimesRowIsTheLayerOutput(int layer)
    {
        var (op, inputDims, weightDims, attributes) = Cases[layer];
        var random = new Random((int)(inputDims.Sum() + weightDims.Sum() * 3));
        var graph = new GraphProto { Name = "layer" };
        graph.Input.Add(TestModels.FloatInfo("X", inputDims));
        graph.Output.Add(new ValueInfoProto { Name = "Y" });
        graph.Initializer.Add(TestModels.RandomFloats("W", random, weightDims));
        graph.Node.Add(TestModels.Node(op, "layer", ["X", "W"], ["Y"], attributes));
        var model = new OnnxModel(TestModels.Model(graph));
        var input = Enumerable.Range(0, (int)inputDims.Aggregate(1L, (a, d) => a * d)).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        using var runner = new OrtRunner(model);
        var y = runner.Run(new Dictionary<string, TensorValue> { ["X"] = TensorValue.FromFloats(inputDims, input) })["Y"];
        var output = y.AsFloatSpan().ToArray();

        var node = OnnxGraph.FromModel(model).Nodes[0];
        var geometry = LayerGeometry.For(node, weightDims, out string? reason) ?? throw new InvalidOperationException(reason);
        var weight = TensorData.ToFloats(graph.Initializer[0]);
        long positions = geometry.Positions(inputDims);
        var patch = new float[geometry.Columns];
        int checkedValues = 0;
        for (int g = 0; g < geometry.Groups; g++)
        {
            var matrix = geometry.Matrix(weight, g);
            for (long p = 0; p < positions; p++)
            {
                geometry.Patch(input, inputDims, g, p, patch);
                for (int r = 0; r < geometry.Rows; r++)
                {
                    double dot = 0;
                    for (int c = 0; c < geometry.Columns; c++)
                        dot += matrix[r * geometry.Columns + c] * (double)patch[c];
                    float expected = output[OutputIndex(op, y.Shape, geometry, g, r, p)];
                    Assert.True(Math.Abs(dot - expected) < 1e-4, $"{op} group {g} row {r} position {p}: {dot} vs ORT {expected}");
                    checkedValues++;
                }
            }
        }
        Assert.Equal(output.Length, checkedValues);
    }

    // Conv-like outputs are [N, C, spatial...] with positions (n, spatial); matrix outputs are [..., rows] with positions as leading indices.
    private static int OutputIndex(string op, long[] shape, LayerGeometry geometry, int group, int row, long position)
    {
        if (op is "Gemm" or "MatMul")
            return (int)(position * geometry.Rows + row);
        long spatial = shape.Skip(2).Aggregate(1L, (a, d) => a * d);
        long n = position / spatial, s = position % spatial;
        return (int)((n * shape[1] + group * geometry.Rows + row) * spatial + s);
    }
}
