using Ptq.Onnx;
using Ptq.Onnx.Proto;
using Ptq.Pipeline;
using Ptq.Quantization;
using Ptq.Quantization.Blockwise;
using Ptq.Runtime;
using static Ptq.Tests.TestModels;
using DT = Ptq.Onnx.Proto.TensorProto.Types.DataType;

namespace Ptq.Tests.Pipeline;

/// <summary>
/// MatMulNBits / GatherBlockQuantized as ONNX Runtime runs them: the quantized model must compute exactly what the
/// float model computes with its weights replaced by their dequantized values, read back from the written
/// initializers by a decoder of ORT's documented layout (written here, independent of the packing code).
/// </summary>
public sealed class BlockWeightQuantizerTests
{
    private const int Vocabulary = 50, Width = 64, Hidden = 80, Out = 24, Tokens = 6;

    /// <summary>The variants the writer stores differently: bits, block size, symmetric (no zero points), HQQ (float zero points), embedding bits.</summary>
    public static TheoryData<int, int, bool, bool, int> StoredVariants => new()
    {
        { 4, 32, false, false, 4 },
        { 4, 32, true, false, 8 },
        { 8, 16, false, false, 8 },
        { 2, 64, false, false, 2 },
        { 4, 32, false, true, 4 },
    };

    [Theory]
    [MemberData(nameof(StoredVariants))]
    public void QuantizedModelComputesWithTheDequantizedWeights(int bits, int block, bool symmetric, bool hqq, int embeddingBits)
    {
        var method = hqq ? BlockMethod.Hqq : BlockMethod.Rtn;
        using var model = new OnnxModel(LanguageModel(seed: bits + block));
        var settings = new StaticQuantizationSettings { Weights = new QuantScheme(bits, symmetric ? QuantMode.Symmetric : QuantMode.AsymmetricUnsigned) };
        var options = new BlockQuantizationOptions { BlockSize = block, Method = method, AccuracyLevel = 0, EmbeddingBits = embeddingBits };

        var result = BlockWeightQuantizer.Quantize(model, settings, options);

        var graph = result.Model.Proto.Graph;
        Assert.Equal(["GatherBlockQuantized", "MatMulNBits", "MatMulNBits", "MatMulNBits", "MatMulNBits"],
            graph.Node.Where(n => n.Domain == BlockWeightQuantizer.MicrosoftDomain).Select(n => n.OpType));
        Assert.Contains(result.Model.Proto.OpsetImport, o => o.Domain == BlockWeightQuantizer.MicrosoftDomain);
        Assert.Equal(5, result.Tensors.Count);
        var gather = graph.Node.Single(n => n.OpType == "GatherBlockQuantized");
        var head = graph.Node.Single(n => n.Name == "head");
        Assert.Equal(head.Input[1], gather.Input[0]); // the tied table is stored once
        Assert.Equal(embeddingBits, Attribute(head, "bits"));
        Assert.Equal(bits, Attribute(graph.Node.Single(n => n.Name == "fc1"), "bits"));
        // HQQ's fractional zero points go to MatMulNBits as floats; tables a Gather reads stay round to nearest.
        var fc1 = graph.Node.Single(n => n.Name == "fc1");
        Assert.Equal(method == BlockMethod.Hqq, fc1.Input.Count > 3 && Initializer(graph, fc1.Input[3]).DataType == (int)DT.Float);

        using var dequantized = new OnnxModel(Dequantized(model.Proto, graph));
        var feeds = new Dictionary<string, TensorValue> { ["ids"] = TensorValue.FromInt64s([1, Tokens], [3, 0, 49, 7, 7, 21]) };
        using var expectedRunner = new OrtRunner(dequantized);
        using var actualRunner = new OrtRunner(result.Model);
        var expected = expectedRunner.Run(feeds);
        var actual = actualRunner.Run(feeds);
        foreach (string output in new[] { "logits", "y" })
        {
            float[] e = expected[output].ToFloats(), a = actual[output].ToFloats();
            double scale = e.Max(Math.Abs);
            Assert.True(e.Zip(a).All(p => Math.Abs(p.First - p.Second) <= 1e-5 * scale + 1e-6), $"{output}: max error {e.Zip(a).Max(p => Math.Abs(p.First - p.Second)):G3} of {scale:G3}");
        }
        // The accuracy guard's ranking decodes MatMulNBits with BlockTensors: the same values as the decoder checked above.
        var decoded = Ptq.Graph.OnnxGraph.FromModel(result.Model, promoteConstants: false);
        foreach (var node in decoded.Nodes.Where(n => n.OpType == "MatMulNBits"))
            Assert.Equal(DecodeMatMulNBits(graph, graph.Node.Single(n => n.Name == node.Name), transposed: false), BlockTensors.DequantizeMatMulNBits(node, decoded, null));
        // And the rounding itself is bounded: the float model's logits are close.
        using var floatRunner = new OrtRunner(model);
        double cosine = Ptq.Evaluation.CosineSimilarity.Compute(floatRunner.Run(feeds)["logits"].ToFloats(), actual["logits"].ToFloats());
        Assert.True(cosine > (bits == 2 ? 0.8 : 0.98), $"logits cosine {cosine}");
    }

    [Fact]
    public void GemmWithTransposedWeightAndBiasBecomesMatMulNBitsWithBias()
    {
        var random = new Random(5);
        var g = new GraphProto { Name = "gemm" };
        g.Input.Add(FloatInfo("x", 2, 40));
        g.Output.Add(FloatInfo("y", 2, 24));
        g.Initializer.Add(RandomFloats("w", random, 24, 40));
        g.Initializer.Add(RandomFloats("b", random, 24));
        g.Node.Add(Node("Gemm", "gemm", ["x", "w", "b"], ["y"], Ptq.Graph.Node.IntAttribute("transB", 1)));
        using var model = new OnnxModel(Model(g, opset: 17));

        var result = BlockWeightQuantizer.Quantize(model, new StaticQuantizationSettings { Weights = new QuantScheme(4, QuantMode.AsymmetricUnsigned) },
            new BlockQuantizationOptions { BlockSize = 16, AccuracyLevel = 0 });

        var node = Assert.Single(result.Model.Proto.Graph.Node);
        Assert.Equal(("MatMulNBits", 6), (node.OpType, node.Input.Count)); // A, B, scales, zero points, no g_idx, bias
        Assert.Equal((40L, 24L), (Attribute(node, "K"), Attribute(node, "N")));
        using var dequantized = new OnnxModel(Dequantized(model.Proto, result.Model.Proto.Graph));
        var feeds = new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromFloats([2, 40], [.. Enumerable.Range(0, 80).Select(i => (float)Math.Sin(i))]) };
        using var e = new OrtRunner(dequantized);
        using var a = new OrtRunner(result.Model);
        var expected = e.Run(feeds)["y"].ToFloats();
        var actual = a.Run(feeds)["y"].ToFloats();
        Assert.True(expected.Zip(actual).All(p => Math.Abs(p.First - p.Second) < 1e-4), "Gemm with bias");

        // The accuracy guard's ranking puts the decoded weight back into the float Gemm ([N, K], transB): with the only
        // layer quantized, its cost is exactly what the quantized model loses.
        var check = Ptq.Tuning.OutputCheck.Measure(result.PreparedFloatModel, [feeds]);
        var cost = Assert.Single(Ptq.Tuning.WeightBitsSensitivity.Rank(result, check, lowBits: 4));
        Assert.Equal(("gemm", 960L), (cost.Node, cost.Weights));
        Assert.Equal(1 - check.Cosine(result), cost.Loss, 6);
    }

    [Fact]
    public void SkippedAndUnsuitableNodesStayFloatWithTheirReason()
    {
        using var model = new OnnxModel(LanguageModel(seed: 1));
        var result = BlockWeightQuantizer.Quantize(model, new StaticQuantizationSettings { SkipNodes = ["fc2"], Weights = new QuantScheme(4, QuantMode.AsymmetricUnsigned) },
            new BlockQuantizationOptions());
        Assert.Contains(result.Plan.FloatNodes, f => f.Node.Name == "fc2" && f.Reason.Contains("--skip", StringComparison.Ordinal));
        Assert.Equal(4, result.Tensors.Count);
        Assert.Contains("hqq", Assert.Throws<PtqException>(() => BlockWeightQuantizer.Quantize(model, new StaticQuantizationSettings { Weights = new QuantScheme(4, QuantMode.Symmetric) },
            new BlockQuantizationOptions { Method = BlockMethod.Hqq })).Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// ids [1, T] → Gather(E [V, D]) → fc1 (MatMul [D, D]) → head (MatMul Eᵀ, tied) → logits; and the embedding → fc2
    /// (MatMul [D, 80]) → fc3 (MatMul [80, 24]: K = 80 is not a whole number of blocks) → y.
    /// </summary>
    internal static ModelProto LanguageModel(int seed)
    {
        var random = new Random(seed);
        var g = new GraphProto { Name = "lm" };
        var ids = new ValueInfoProto { Name = "ids", Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)DT.Int64, Shape = new TensorShapeProto() } } };
        ids.Type.TensorType.Shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = 1 });
        ids.Type.TensorType.Shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = Tokens });
        g.Input.Add(ids);
        g.Output.Add(FloatInfo("logits", 1, Tokens, Vocabulary));
        g.Output.Add(FloatInfo("y", 1, Tokens, Out));
        var table = RandomFloats("E", random, Vocabulary, Width);
        float[] e = TensorData.ToFloats(table);
        g.Initializer.Add(table);
        g.Initializer.Add(TensorData.FromFloats("E_t", [Width, Vocabulary], [.. Enumerable.Range(0, e.Length).Select(i => e[(i % Vocabulary) * Width + i / Vocabulary])]));
        g.Initializer.Add(RandomFloats("W1", random, Width, Width));
        g.Initializer.Add(RandomFloats("W2", random, Width, Hidden));
        g.Initializer.Add(RandomFloats("W3", random, Hidden, Out));
        g.Node.Add(Node("Gather", "embed", ["E", "ids"], ["x"]));
        g.Node.Add(Node("MatMul", "fc1", ["x", "W1"], ["h"]));
        g.Node.Add(Node("MatMul", "head", ["h", "E_t"], ["logits"]));
        g.Node.Add(Node("MatMul", "fc2", ["x", "W2"], ["h2"]));
        g.Node.Add(Node("MatMul", "fc3", ["h2", "W3"], ["y"]));
        return Model(g, opset: 17);
    }

    /// <summary>The float model with each quantized node's weight replaced by what the quantized node reads.</summary>
    private static ModelProto Dequantized(ModelProto original, GraphProto quantized)
    {
        var copy = original.Clone();
        foreach (var node in copy.Graph.Node)
        {
            var q = quantized.Node.FirstOrDefault(n => n.Name == node.Name && n.Domain == BlockWeightQuantizer.MicrosoftDomain);
            if (q is null)
                continue;
            int weightInput = node.OpType == "Gather" ? 0 : 1;
            var target = copy.Graph.Initializer.Single(t => t.Name == node.Input[weightInput]);
            float[] values = q.OpType == "MatMulNBits" ? DecodeMatMulNBits(quantized, q, node.OpType == "Gemm" && node.Attribute.Any(a => a.Name == "transB" && a.I == 1)) : DecodeGather(quantized, q);
            copy.Graph.Initializer[copy.Graph.Initializer.IndexOf(target)] = TensorData.FromFloats(target.Name, [.. target.Dims], values);
        }
        return copy;
    }

    // B [N, blocks, bytes], scales [N, blocks], zero points packed [N, ⌈blocks·bits/8⌉] or float [N, blocks] or absent (2^(bits−1)).
    private static float[] DecodeMatMulNBits(GraphProto g, NodeProto node, bool transposed)
    {
        int k = (int)Attribute(node, "K"), n = (int)Attribute(node, "N"), bits = (int)Attribute(node, "bits"), block = (int)Attribute(node, "block_size");
        int blocks = (k + block - 1) / block;
        byte[] b = Initializer(g, node.Input[1]).RawData.ToByteArray();
        float[] scales = TensorData.ToFloats(Initializer(g, node.Input[2]));
        var zero = ZeroPointReader(g, node.Input.Count > 3 ? node.Input[3] : "", bits, blocks);
        var w = new float[k * n];
        for (int col = 0; col < n; col++)
            for (int i = 0; i < k; i++)
            {
                int code = Code(b, (long)col * blocks * block + i, bits);
                float value = (code - zero(col, i / block)) * scales[col * blocks + i / block];
                w[transposed ? col * k + i : i * n + col] = value;
            }
        return w;
    }

    // Data [V, D·bits/8] (quantize_axis 1) or [V, blocks, bytes] (quantize_axis 2, scales through a Reshape, zero points [V, blocks, 1]).
    private static float[] DecodeGather(GraphProto g, NodeProto node)
    {
        int bits = (int)Attribute(node, "bits"), block = (int)Attribute(node, "block_size");
        var data = Initializer(g, node.Input[0]);
        int rows = (int)data.Dims[0], length = (int)(data.Dims.Skip(1).Aggregate(1L, (a, d) => a * d) * 8 / bits), blocks = length / block;
        string scaleName = g.Node.FirstOrDefault(x => x.Output.Contains(node.Input[2]))?.Input[0] ?? node.Input[2];
        float[] scales = TensorData.ToFloats(Initializer(g, scaleName));
        byte[] raw = data.RawData.ToByteArray();
        Func<int, int, float> zero = node.Input.Count < 4 ? (_, _) => 1 << (bits - 1)
            : Attribute(node, "quantize_axis") == 2 ? (r, blk) => Initializer(g, node.Input[3]).RawData[r * blocks + blk] & ((1 << bits) - 1)
            : ZeroPointReader(g, node.Input[3], bits, blocks);
        var table = new float[rows * length];
        for (int r = 0; r < rows; r++)
            for (int i = 0; i < length; i++)
                table[r * length + i] = (Code(raw, (long)r * length + i, bits) - zero(r, i / block)) * scales[r * blocks + i / block];
        return table;
    }

    private static Func<int, int, float> ZeroPointReader(GraphProto g, string name, int bits, int blocks)
    {
        if (name.Length == 0)
            return (_, _) => 1 << (bits - 1);
        var tensor = Initializer(g, name);
        if (tensor.DataType == (int)DT.Float)
        {
            float[] zeros = TensorData.ToFloats(tensor);
            return (row, blk) => zeros[row * blocks + blk];
        }
        byte[] raw = tensor.RawData.ToByteArray();
        int rowBytes = (blocks * bits + 7) / 8;
        return (row, blk) => Code(raw, (long)row * rowBytes * 8 / bits + blk, bits);
    }

    private static int Code(byte[] raw, long index, int bits)
    {
        int perByte = 8 / bits;
        return (raw[index / perByte] >> (int)(index % perByte * bits)) & ((1 << bits) - 1);
    }

    private static TensorProto Initializer(GraphProto g, string name) => g.Initializer.Single(t => t.Name == name);

    private static long Attribute(NodeProto node, string name) => node.Attribute.Single(a => a.Name == name).I;
}
