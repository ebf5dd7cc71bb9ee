using System.Security.Cryptography;
using Ptq.Calibration;
using Ptq.Graph;
using Ptq.Onnx;
using Ptq.Onnx.Proto;
using Ptq.Passes;
using Ptq.Quantization;
using Ptq.Quantization.Blockwise;
using Ptq.Pipeline.Reconstruction;
using Ptq.Runtime;

namespace Ptq.Pipeline;

/// <summary>What <see cref="BlockWeightQuantizer"/> does beyond the weight scheme of the settings.</summary>
internal sealed record BlockQuantizationOptions
{
    /// <summary>
    /// The accuracy level written to every MatMulNBits (ONNX Runtime's compute type for the activations): 0 unset
    /// (float), 1 fp32, 2 fp16, 3 bf16, 4 int8 (activations quantized per block to int8, the VNNI path on x64).
    /// </summary>
    public const int DefaultAccuracyLevel = 4;

    /// <summary>The default of <see cref="EmbeddingBits"/>.</summary>
    public const int DefaultEmbeddingBits = 8;

    /// <summary>Values per block along the reduced axis (K of a MatMul weight, D of an embedding table).</summary>
    public int BlockSize { get; init; } = 32;

    /// <summary>How each block's scale and zero point are chosen.</summary>
    public BlockMethod Method { get; init; } = BlockMethod.Rtn;

    /// <summary>MatMulNBits' accuracy_level (see <see cref="DefaultAccuracyLevel"/>).</summary>
    public int AccuracyLevel { get; init; } = DefaultAccuracyLevel;

    /// <summary>
    /// Bits of embedding tables (<see cref="EmbeddingTables"/>: Gather tables and the output projections tied to them),
    /// unless an override names their node; null: the weight scheme's. Default 8: a token's vector is read as is, with
    /// no sum over K to average its rounding out (char-gpt: its tied table at 4 bits alone costs +91 % perplexity, at 8 bits +0.12 %),
    /// and GPTQ/AWQ-style 4-bit models keep embeddings and the output layer wider for the same reason.
    /// </summary>
    public int? EmbeddingBits { get; init; } = DefaultEmbeddingBits;

    /// <summary>
    /// A model that keeps its weights as external data and whose tensors reach this many bytes (default 2 GiB, protobuf's
    /// limit) gets its quantized tensors written to a temporary file as each layer is made (<see cref="SpillFile"/>), and
    /// its quant_param records read their block scales back from there: neither the output nor the scales are held in
    /// memory. Smaller models are built in memory; both give the same tensors and the same saved bytes.
    /// </summary>
    public long StreamFromBytes { get; init; } = ModelIO.ProtobufLimitBytes;

    /// <summary>The folder of that temporary file; null for the system's temporary folder.</summary>
    public string? StreamDirectory { get; init; }
}

/// <summary>
/// Block-wise weight-only quantization for language models (ONNX Runtime's matmul_nbits_quantizer): every MatMul (and
/// Gemm without transA/alpha/beta) with a constant 2-D weight becomes a com.microsoft MatMulNBits with 2-, 4- or 8-bit
/// codes in blocks along K, and every Gather from a constant 2-D table (embeddings) a GatherBlockQuantized; computation
/// stays float (or int8 per block at accuracy level 4). A table a Gather reads and a MatMul multiplies by (tied input
/// and output embeddings, exported as a table and its transpose) is stored once when both quantize to the same codes.
/// Weights are read, quantized and packed one at a time, so beyond the model the working set is one weight.
/// </summary>
internal static class BlockWeightQuantizer
{
    /// <summary>The domain of ONNX Runtime's contrib operators.</summary>
    public const string MicrosoftDomain = "com.microsoft";

    /// <summary>
    /// Quantizes <paramref name="model"/> (not modified) with the weight scheme (bits, sym/asym), skip lists and
    /// overrides of <paramref name="settings"/> and the block options. Throws <see cref="PtqException"/> for a scheme ORT
    /// cannot run (<see cref="BlockScheme.Validate"/>), HQQ with symmetric weights, or non-finite weights.
    /// </summary>
    /// <remarks>
    /// <see cref="BlockMethod.Gptq"/> chooses the codes of MatMul/Gemm weights from the layer inputs of
    /// <paramref name="samples"/> (<see cref="BlockGptqPass"/>, reporting each layer to <paramref name="log"/>) and stores
    /// them in <paramref name="reconstructed"/> by node name; codes already there are written back without reading data
    /// (the accuracy guard's search quantizes again with some layers float). <see cref="BlockMethod.Awq"/> scales input
    /// channels and searches clips on the samples (<see cref="AwqPass"/>). Tables and tied projections round to nearest.
    /// </remarks>
    public static StaticQuantizationResult Quantize(OnnxModel model, StaticQuantizationSettings settings, BlockQuantizationOptions options,
        IReadOnlyList<IReadOnlyDictionary<string, TensorValue>>? samples = null, IProgress<string>? log = null,
        Dictionary<string, BlockQuantizedRows>? reconstructed = null)
    {
        settings.Validate();
        var preparedModel = ModelPreparation.Prepare(model, settings.FoldBatchNorm, settings.CrossLayerEqualization);
        var prepared = preparedModel.Model;
        var graph = OnnxGraph.FromModel(prepared, promoteConstants: false);
        var (gathers, tied) = EmbeddingTables.Find(graph, prepared.External);
        bool streams = Streams(prepared, options);
        // Comparing tables with output projections read a projection transposed: on a model of gigabytes, collect it
        // before the first layer is read.
        if (streams && gathers.Count > 0)
            GC.Collect();
        if (options.EmbeddingBits is { } embeddingBits)
        {
            // After the user's overrides, so an override naming an embedding node wins.
            var embeddings = gathers.Concat(tied).Select(n => new NodeOverride { Pattern = n, Weights = settings.Weights with { Bits = embeddingBits } });
            settings = settings with { Overrides = [.. settings.Overrides, .. embeddings] };
        }
        var choices = new QuantizationChoices(settings, CalibrationMethod.MinMax, graph);
        reconstructed ??= [];
        if (options.Method == BlockMethod.Gptq && reconstructed.Count == 0)
        {
            var layers = graph.TopologicalOrder()
                .Where(n => n.IsStandard && n.OpType is "MatMul" or "Gemm" && !tied.Contains(n.Name) && choices.SkipReason(n) is null)
                .Select(n => BlockMatMulWeight.Read(graph, n, prepared.External) is { } w ? new BlockGptqLayer(n, w, Scheme(choices.WeightScheme(n), options)) : null)
                .OfType<BlockGptqLayer>().ToList();
            foreach (var (node, q) in BlockGptqPass.Run(prepared, graph, layers, samples ?? [], settings.Reconstruction.ActOrder, log))
                reconstructed[node] = q;
        }
        IReadOnlyDictionary<string, BlockQuantizedRows> solved = reconstructed;
        if (options.Method == BlockMethod.Awq) // scaling edits this call's graph, so it runs on every call
            solved = AwqPass.Apply(prepared, graph, n => !tied.Contains(n.Name) && choices.SkipReason(n) is null ? Scheme(choices.WeightScheme(n), options) : null,
                samples ?? [], log);
        var spill = streams ? new SpillFile(options.StreamDirectory) : null;
        var writer = new Writer(graph, prepared.External, options, tied, solved, spill);
        var floatNodes = new List<FloatNode>();
        foreach (var node in graph.TopologicalOrder())
        {
            if (!node.IsStandard || node.OpType is not ("MatMul" or "Gemm" or "Gather"))
                continue;
            if (choices.SkipReason(node) is { } skip)
            {
                floatNodes.Add(new FloatNode(node, skip));
                continue;
            }
            var scheme = Scheme(choices.WeightScheme(node), options);
            long floatBytes = WeightBytes(graph, node);
            string? why = node.OpType == "Gather" ? writer.Gather(node, scheme) : writer.MatMul(node, scheme);
            if (why is not null)
                floatNodes.Add(new FloatNode(node, why));
            // The layer's float copy, transposed rows and unpacked codes are garbage now: collect them before the next
            // layer is read, so peak memory stays one layer's working set (plus the output) instead of however many
            // large arrays the collector's budget lets pile up.
            if (floatBytes >= LargeLayerBytes)
                GC.Collect();
        }
        graph.RemoveUnusedInitializers();
        var proto = prepared.Proto.Clone();
        proto.Graph = graph.ToProto();
        if (writer.Records.Count > 0 && !proto.OpsetImport.Any(o => o.Domain == MicrosoftDomain))
            proto.OpsetImport.Add(new OperatorSetIdProto { Domain = MicrosoftDomain, Version = 1 });
        var plan = new QuantizationPlan([], new Dictionary<string, string>(), [], [], [], floatNodes, new HashSet<Node>());
        if (spill is not null)
        {
            // Every large array of the run is garbage now (the output lives in the temporary file): hand the memory back
            // to the system before ONNX Runtime loads the result to verify it, so the two do not add up.
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        }
        return new StaticQuantizationResult(prepared.Derive(proto, spill), prepared, plan, writer.Records, preparedModel.FoldedBatchNorms, 0, [], new StatsFile(0, []));
    }

    /// <summary>True when the quantized tensors of <paramref name="prepared"/> are streamed to a temporary file (<see cref="BlockQuantizationOptions.StreamFromBytes"/>).</summary>
    private static bool Streams(OnnxModel prepared, BlockQuantizationOptions options) =>
        prepared.External is not null && ModelTensors.All(prepared.Proto).Any(ExternalDataInfo.IsExternal)
        && ModelIO.EstimateInlineBytes(prepared.Proto) >= options.StreamFromBytes;

    /// <summary>Float weights from this size (64 MiB) are collected right after their layer is written.</summary>
    private const long LargeLayerBytes = 64L << 20;

    private static long WeightBytes(OnnxGraph graph, Node node) =>
        graph.Initializer(node.Inputs[node.OpType == "Gather" ? 0 : Math.Min(1, node.Inputs.Count - 1)]) is { } w
            ? OnnxDataType.RawByteCount(w.DataType, TensorData.ElementCount(w), w.Name) : 0;

    private static BlockScheme Scheme(QuantScheme weights, BlockQuantizationOptions options)
    {
        var scheme = new BlockScheme(weights.Bits, options.BlockSize, weights.Mode == QuantMode.Symmetric).Validate();
        if (options.Method == BlockMethod.Hqq && scheme.Symmetric)
            throw new PtqException("--weight-method hqq fits a zero point per block: use asymmetric weights (--weight-mode asym_u)");
        return scheme;
    }

    /// <summary>Rewrites nodes one by one; remembers packed tables so a tied embedding is stored once.</summary>
    private sealed class Writer(OnnxGraph graph, ExternalDataReader? external, BlockQuantizationOptions options, IReadOnlySet<string> tied,
        IReadOnlyDictionary<string, BlockQuantizedRows> reconstructed, SpillFile? spill)
    {
        // Packed codes + scales + zero points by content: a later weight with the same bytes reads the same initializers.
        private readonly Dictionary<string, Stored> _byContent = new(StringComparer.Ordinal);

        public List<QuantizedTensorRecord> Records { get; } = [];

        /// <summary>MatMul/Gemm → MatMulNBits; returns why the node stays float, or null.</summary>
        public string? MatMul(Node node, BlockScheme scheme)
        {
            if (BlockMatMulWeight.Read(graph, node, external) is not { } weight)
                return "no constant 2-D float weight, or Gemm with transA/alpha/beta or a bias of another shape";
            // A projection tied to an embedding is quantized the way a Gather reads tables, so both share one copy.
            var q = reconstructed.TryGetValue(node.Name, out var solved) && solved.Scheme == scheme && solved.Rows == weight.N ? solved
                : BlockQuantizer.Quantize(weight.Rows, weight.N, weight.K, scheme, tied.Contains(node.Name) || options.Method is BlockMethod.Gptq or BlockMethod.Awq ? BlockMethod.Rtn : options.Method, weight.Name);
            var stored = Store(weight.Name, q, BlockTensors.PackedCodes);
            var inputs = new List<string> { node.Inputs[0], stored.Codes, stored.Scales, stored.ZeroPoints ?? "" };
            if (weight.Bias is { } bias)
            {
                string b = graph.UniqueName(weight.Name + "_bias");
                graph.AddInitializer(Spilled(TensorData.FromFloats(b, [bias.Length], bias)));
                inputs.AddRange(["", b]);
            }
            while (inputs[^1].Length == 0)
                inputs.RemoveAt(inputs.Count - 1);
            Replace(node, "MatMulNBits", inputs,
            [
                Node.IntAttribute("K", weight.K), Node.IntAttribute("N", weight.N), Node.IntAttribute("bits", scheme.Bits),
                Node.IntAttribute("block_size", scheme.BlockSize), Node.IntAttribute("accuracy_level", options.AccuracyLevel),
            ]);
            Records.Add(Record(node, weight.Name, [weight.K, weight.N], q, spill));
            return null;
        }

        /// <summary>Gather from a constant table → GatherBlockQuantized; returns why the node stays float, or null.</summary>
        public string? Gather(Node node, BlockScheme scheme)
        {
            if (graph.Initializer(node.Inputs[0]) is not { DataType: (int)TensorProto.Types.DataType.Float, Dims.Count: 2 } table || graph.IsInitializer(node.Inputs[1]))
                return "not a lookup in a constant 2-D float table";
            if (node.GetInt("axis", 0) != 0)
                return "GatherBlockQuantized gathers rows (axis 0) only";
            int rows = checked((int)table.Dims[0]), length = checked((int)table.Dims[1]);
            if (length % (8 / scheme.Bits) != 0)
                return $"rows of {length} values do not fill whole bytes of {scheme.Bits}-bit codes";
            // Whole blocks pack exactly as MatMulNBits' B [rows, blocks, bytes], which a tied output projection can share;
            // the Gather then yields [..indices, blocks, blockSize] and one Reshape restores [..indices, length].
            bool wholeBlocks = length % scheme.BlockSize == 0;
            int indexRank = graph.FindType(node.Inputs[1])?.TensorType?.Shape?.Dim.Count ?? -1;
            if (wholeBlocks && indexRank < 0)
                return "the rank of its indices is unknown";
            // GatherBlockQuantized reads integer zero points only: HQQ's fractional ones are for MatMulNBits.
            var q = BlockQuantizer.Quantize(TensorData.ToFloats(table, external), rows, length, scheme, BlockMethod.Rtn, table.Name);
            var stored = Store(table.Name, q, wholeBlocks ? BlockTensors.PackedCodes : BlockTensors.PackedRows);
            var attributes = new List<AttributeProto>
            {
                Node.IntAttribute("bits", scheme.Bits), Node.IntAttribute("block_size", scheme.BlockSize),
                Node.IntAttribute("gather_axis", 0), Node.IntAttribute("quantize_axis", wholeBlocks ? 2 : 1),
            };
            if (!wholeBlocks)
            {
                Replace(node, "GatherBlockQuantized", [stored.Codes, node.Inputs[1], stored.Scales, .. stored.ZeroPoints is { } z ? [z] : Array.Empty<string>()], attributes);
            }
            else
            {
                var inputs = new List<string> { stored.Codes, node.Inputs[1], Reshaped(stored.Scales, [q.Rows, q.BlockCount, 1], node.Name + "_scales") };
                if (q.ZeroPoints is not null)
                {
                    string zp = graph.UniqueName(table.Name + "_zero_point_per_block");
                    graph.AddInitializer(Spilled(BlockTensors.PackedZeroPoints(zp, q, onePerByte: true)));
                    inputs.Add(zp);
                }
                string output = node.Outputs[0], blocks = graph.UniqueName(node.Name + "_blocks");
                Replace(node, "GatherBlockQuantized", inputs, attributes, output: blocks);
                string shape = graph.UniqueName(node.Name + "_shape");
                graph.AddInitializer(TensorData.FromInt64s(shape, [indexRank + 1], [.. Enumerable.Repeat(0L, indexRank), -1]));
                graph.AddNode("Reshape", [blocks, shape], [output], name: graph.UniqueName(node.Name + "_Reshape"));
            }
            Records.Add(Record(node, table.Name, [rows, length], q, spill));
            return null;
        }

        private string Reshaped(string tensor, long[] dims, string hint)
        {
            string shape = graph.UniqueName(hint + "_shape");
            graph.AddInitializer(TensorData.FromInt64s(shape, [dims.Length], dims));
            string output = graph.UniqueName(hint);
            graph.AddNode("Reshape", [tensor, shape], [output], name: graph.UniqueName(hint + "_Reshape"));
            return output;
        }

        // The quantized rows as initializers, or the ones already stored with the same bytes (a tied embedding).
        private Stored Store(string weight, BlockQuantizedRows q, Func<string, BlockQuantizedRows, TensorProto> pack)
        {
            var codes = pack(graph.UniqueName(weight + "_quantized"), q);
            var scales = BlockTensors.Scales(graph.UniqueName(weight + "_scale"), q);
            TensorProto? zeros = q.ZeroPoints is null ? null
                : q.FractionalZeroPoints ? BlockTensors.FloatZeroPoints(graph.UniqueName(weight + "_zero_point"), q)
                : BlockTensors.PackedZeroPoints(graph.UniqueName(weight + "_zero_point"), q);
            string key = ContentKey(codes, scales, zeros);
            if (_byContent.TryGetValue(key, out var existing))
                return existing;
            graph.AddInitializer(Spilled(codes));
            graph.AddInitializer(Spilled(scales));
            if (zeros is not null)
                graph.AddInitializer(Spilled(zeros));
            var stored = new Stored(codes.Name, scales.Name, zeros?.Name);
            _byContent[key] = stored;
            return stored;
        }

        // A new initializer's bytes go to the temporary file when the output is streamed; the graph keeps the reference.
        private TensorProto Spilled(TensorProto tensor) => spill?.Take(tensor) ?? tensor;

        private static string ContentKey(TensorProto codes, TensorProto scales, TensorProto? zeros)
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            foreach (var t in new[] { codes, scales, zeros })
            {
                if (t is null)
                    continue;
                hash.AppendData(t.RawData.Span);
                hash.AppendData(BitConverter.GetBytes(t.RawData.Length));
            }
            return $"[{string.Join(",", codes.Dims)}]:{Convert.ToHexString(hash.GetHashAndReset())}";
        }

        private void Replace(Node node, string opType, IEnumerable<string> inputs, IEnumerable<AttributeProto> attributes, string? output = null)
        {
            graph.RemoveNode(node);
            graph.AddNode(opType, inputs, [output ?? node.Outputs[0]], name: node.Name, attributes: attributes, domain: MicrosoftDomain);
        }

        private static QuantizedTensorRecord Record(Node node, string tensor, long[] dims, BlockQuantizedRows q, SpillFile? spill)
        {
            // quant_param.csv lists one scale per block (magnitudes: ORT's symmetric blocks carry the sign of their extreme).
            var scheme = new QuantScheme(q.Scheme.Bits, q.Scheme.Symmetric ? QuantMode.Symmetric : QuantMode.AsymmetricUnsigned);
            var scales = q.Scales.Select(s => Math.Max(Math.Abs(s), QuantParams.MinScale)).ToArray();
            var zeros = q.ZeroPoints?.Select(z => (int)MathF.Round(z)).ToArray() ?? Enumerable.Repeat(q.Scheme.MidCode, scales.Length).ToArray();
            var parameters = new QuantParams(scales, zeros, scheme, axis: 0);
            if (spill is not null)
            {
                // A model of gigabytes has tens of millions of blocks: their scales wait on disk for quant_param.csv.
                int count = scales.Length, mid = q.Scheme.MidCode;
                long scalesAt = spill.Append<float>(scales);
                long? zerosAt = q.ZeroPoints is null ? null : spill.Append<int>(zeros);
                parameters = QuantParams.Deferred(() => spill.Read<float>(scalesAt, count),
                    () => zerosAt is long at ? spill.Read<int>(at, count) : [.. Enumerable.Repeat(mid, count)], scheme, axis: 0);
            }
            return new QuantizedTensorRecord(node.Name, node.OpType, tensor, "Weight", dims, parameters);
        }
    }

    private sealed record Stored(string Codes, string Scales, string? ZeroPoints);
}
