using Ptq.IO;
using Ptq.Onnx;
using Ptq.Pipeline;
using Ptq.Quantization;
using Ptq.Quantization.Blockwise;
using Ptq.Recipes;
using Ptq.Reports;
using Ptq.Runtime;
using Ptq.Tests.Onnx.Large;

namespace Ptq.Tests.Pipeline;

/// <summary>
/// Block-wise quantization of a model of 2 GiB or more writes its tensors to a temporary file as each layer is made
/// (<see cref="BlockQuantizationOptions.StreamFromBytes"/>). Here the threshold is lowered to 0 on a small decoder with
/// external data: the streamed result must hold the same tensors, save to the same bytes and write the same
/// quant_param.csv as the in-memory one, and a failure half-way must leave no file behind.
/// </summary>
public class StreamedBlockQuantizationTests
{
    private const int Seed = 20261207;
    private static readonly SyntheticDecoder Shape = new(Vocabulary: 256, Hidden: 64, Inner: 256, Layers: 2);

    private static readonly QuantizationRecipe FourBitRtn = QuantizationRecipe.Default with
    {
        Mode = QuantizationMode.WeightOnly, WeightBits = 4, BlockSize = 32, EmbeddingBits = 4,
    };

    [Fact]
    public void StreamedOutput_HasTheInMemoryTensors_AndSavesToTheSameBytes()
    {
        using var temp = new TempDirectory();
        string source = temp.File("decoder.onnx"), streamFolder = Directory.CreateDirectory(temp.File("stream")).FullName;
        Shape.Write(source, Seed);
        using var model = ModelIO.Load(source);
        var inMemory = Quantize(model, streamFrom: null, streamFolder);
        var streamed = Quantize(model, streamFrom: 0, streamFolder);

        // The streamed model holds references only: every tensor of 1 KiB or more lives in the temporary file.
        var reader = streamed.Model.External!;
        var large = ModelTensors.Initializers(streamed.Model.Proto).Where(t => TensorBytes(t) >= 1024).ToList();
        Assert.Equal(12, large.Count); // codes and scales of the 6 weights; their zero points are under 1 KiB
        Assert.All(large, t => Assert.True(reader.IsSpilled(t), $"'{t.Name}' is held in memory"));
        Assert.Empty(Directory.GetFiles(streamFolder)); // the temporary file has no name

        // Same initializers, same order, same bytes.
        var expected = ModelTensors.Initializers(inMemory.Model.Proto).ToList();
        var actual = ModelTensors.Initializers(streamed.Model.Proto).ToList();
        Assert.Equal(expected.Select(t => t.Name), actual.Select(t => t.Name));
        for (int i = 0; i < expected.Count; i++)
            Assert.True(TensorData.GetRawBytes(expected[i], inMemory.Model.External).AsSpan().SequenceEqual(TensorData.GetRawBytes(actual[i], reader)),
                $"tensor '{expected[i].Name}' differs");
        Assert.Equal(large.Count, expected.Count(t => TensorBytes(t) >= 1024));

        // Saved either way (all inline, all external), the files are identical; by default the streamed model stays external.
        foreach (var mode in new[] { ExternalDataMode.Never, ExternalDataMode.Always })
        {
            var options = new ModelSaveOptions { ExternalData = mode };
            string a = Save(temp, $"memory-{mode}", inMemory, options), b = Save(temp, $"streamed-{mode}", streamed, options);
            Assert.Equal(File.ReadAllBytes(a), File.ReadAllBytes(b));
            Assert.Equal(mode == ExternalDataMode.Always, File.Exists(a + ".data"));
            if (mode == ExternalDataMode.Always)
                Assert.Equal(File.ReadAllBytes(a + ".data"), File.ReadAllBytes(b + ".data"));
        }
        string byDefault = Save(temp, "streamed-default", streamed, null);
        Assert.True(File.Exists(byDefault + ".data"), "a streamed model is saved with its tensors external");
        using (var saved = ModelIO.Load(byDefault))
            Assert.All(ModelTensors.Initializers(saved.Proto).Where(t => TensorBytes(t) >= 1024), t => Assert.True(ExternalDataInfo.IsExternal(t)));

        // ONNX Runtime verifies it from files, as it does for a source of 2 GiB or more, and computes what the in-memory model computes.
        var verification = ModelVerifier.Verify(model, streamed.Model, [], referenceLimitBytes: 0);
        Assert.True(verification.Ran && verification.ReferenceNotRun is not null);
        var feeds = new Dictionary<string, TensorValue> { ["ids"] = TensorValue.FromInt64s([1, 8], [3, 1, 4, 1, 5, 9, 2, 6]) };
        float[] fromMemory, fromFiles, fromFloat;
        using (var a = new OrtRunner(inMemory.Model))
            fromMemory = a.Run(feeds)["logits"].ToFloats();
        using (var b = new OrtRunner(streamed.Model, RunnerOptions.Default with { LoadFromFile = true }))
            fromFiles = b.Run(feeds)["logits"].ToFloats();
        using (var f = new OrtRunner(model))
            fromFloat = f.Run(feeds)["logits"].ToFloats();
        Assert.Equal(fromMemory, fromFiles);
        // As LargeDecoderTests.SmallDecoder_FourBitRtn_FromExternalData_KeepsTheLogits: 4-bit blocks of 32 keep the logits.
        double cosine = Ptq.Evaluation.CosineSimilarity.Compute(fromFloat, fromFiles);
        Assert.True(cosine >= 0.98, $"logits cosine {cosine:F5} against float");

        // quant_param.csv reads the block scales back from the temporary file: the same file as from memory.
        string csvA = temp.File("memory.csv"), csvB = temp.File("streamed.csv");
        QuantParamCsv.Write(csvA, inMemory.Tensors, inMemory.BiasCorrections);
        QuantParamCsv.Write(csvB, streamed.Tensors, streamed.BiasCorrections);
        Assert.Equal(File.ReadAllText(csvA), File.ReadAllText(csvB));
        Assert.Equal(6, File.ReadAllLines(csvB).Length - 1);
    }

    [Fact]
    public void FailureHalfWay_LeavesNoFiles()
    {
        using var temp = new TempDirectory();
        string source = temp.File("decoder.onnx"), streamFolder = Directory.CreateDirectory(temp.File("stream")).FullName;
        Shape.Write(source, Seed);
        // A NaN in the output projection, the last layer quantized: the embedding and both blocks are streamed first.
        using (var data = new FileStream(source + ".data", FileMode.Open, FileAccess.Write))
        {
            data.Position = data.Length - 4L * Shape.Hidden * Shape.Vocabulary + 40;
            data.Write(BitConverter.GetBytes(float.NaN));
        }
        using var model = ModelIO.Load(source);
        var error = Assert.Throws<PtqException>(() => Quantize(model, streamFrom: 0, streamFolder));
        Assert.Contains("lm_head.weight", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(streamFolder, "*", SearchOption.AllDirectories));
        Assert.Equal(["decoder.onnx", "decoder.onnx.data"], Directory.GetFiles(temp.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void FailedSave_OfAStreamedModel_LeavesNoOutputFiles()
    {
        using var temp = new TempDirectory();
        string source = temp.File("decoder.onnx");
        Shape.Write(source, Seed);
        using var model = ModelIO.Load(source);
        var streamed = Quantize(model, streamFrom: 0, streamFolder: null);
        string output = Directory.CreateDirectory(temp.File("out")).FullName;
        // quant_param.csv cannot replace a folder: its rename, the last of the commit, fails after the data file and the model moved.
        Directory.CreateDirectory(Path.Combine(output, "quant_param.csv"));
        using (var commit = new AtomicCommit())
        {
            ModelIO.Save(streamed.Model, Path.Combine(output, "q.onnx"), null, commit);
            QuantParamCsv.Write(Path.Combine(output, "quant_param.csv"), streamed.Tensors, streamed.BiasCorrections, commit);
            Assert.Throws<PtqException>(commit.Commit);
        }
        Assert.Equal(["quant_param.csv"], Directory.GetFileSystemEntries(output).Select(Path.GetFileName));
    }

    /// <summary>
    /// The variants the writer stores differently: a tied table stored once, HQQ's float zero points, symmetric blocks
    /// without zero points, K not a whole number of blocks, 2- and 8-bit codes; and a Gemm whose bias becomes an input.
    /// </summary>
    [Theory]
    [MemberData(nameof(BlockWeightQuantizerTests.StoredVariants), MemberType = typeof(BlockWeightQuantizerTests))]
    public void EveryStoredVariant_StreamsToTheSameBytes(int bits, int block, bool symmetric, bool hqq, int embeddingBits)
    {
        using var temp = new TempDirectory();
        var gemm = new Ptq.Onnx.Proto.GraphProto { Name = "gemm" };
        gemm.Input.Add(TestModels.FloatInfo("x", 2, 128));
        gemm.Output.Add(TestModels.FloatInfo("y", 2, 96));
        var random = new Random(bits);
        gemm.Initializer.Add(TestModels.RandomFloats("w", random, 96, 128));
        gemm.Initializer.Add(TestModels.RandomFloats("b", random, 96));
        gemm.Node.Add(TestModels.Node("Gemm", "gemm", ["x", "w", "b"], ["y"], Ptq.Graph.Node.IntAttribute("transB", 1)));
        foreach (var (name, proto) in new[] { ("lm", BlockWeightQuantizerTests.LanguageModel(seed: bits + block)), ("gemm", TestModels.Model(gemm, opset: 17)) })
        {
            // Saved with every tensor of 64 bytes or more external, as a model of 2 GiB would be.
            string path = Path.Combine(Directory.CreateDirectory(temp.File(name)).FullName, "m.onnx");
            using (var inMemory = new OnnxModel(proto))
                ModelIO.Save(inMemory, path, new ModelSaveOptions { ExternalData = ExternalDataMode.Always, ExternalMinBytes = 64 });
            using var model = ModelIO.Load(path);
            var settings = new StaticQuantizationSettings { Weights = new QuantScheme(bits, symmetric ? QuantMode.Symmetric : QuantMode.AsymmetricUnsigned) };
            var options = new BlockQuantizationOptions { BlockSize = block, Method = hqq ? BlockMethod.Hqq : BlockMethod.Rtn, AccuracyLevel = 0, EmbeddingBits = embeddingBits };
            var memory = BlockWeightQuantizer.Quantize(model, settings, options);
            var streamed = BlockWeightQuantizer.Quantize(model, settings, options with { StreamFromBytes = 0 });
            // Tensors of 1 KiB or more are streamed (the packed codes at least, in both models).
            Assert.Contains(ModelTensors.Initializers(streamed.Model.Proto), streamed.Model.External!.IsSpilled);
            var save = new ModelSaveOptions { ExternalData = ExternalDataMode.Always };
            string a = Save(temp, name + "-memory", memory, save), b = Save(temp, name + "-streamed", streamed, save);
            Assert.Equal(File.ReadAllBytes(a), File.ReadAllBytes(b));
            Assert.Equal(File.ReadAllBytes(a + ".data"), File.ReadAllBytes(b + ".data"));
            QuantParamCsv.Write(a + ".csv", memory.Tensors, memory.BiasCorrections);
            QuantParamCsv.Write(b + ".csv", streamed.Tensors, streamed.BiasCorrections);
            Assert.Equal(File.ReadAllText(a + ".csv"), File.ReadAllText(b + ".csv"));
            // Float against quantized, as BlockWeightQuantizerTests measures in memory.
            var feeds = name == "lm"
                ? new Dictionary<string, TensorValue> { ["ids"] = TensorValue.FromInt64s([1, 6], [3, 0, 49, 7, 7, 21]) }
                : new Dictionary<string, TensorValue> { ["x"] = TensorValue.FromFloats([2, 128], [.. Enumerable.Range(0, 256).Select(i => (float)Math.Sin(i))]) };
            string output = name == "lm" ? "logits" : "y";
            using var f = new OrtRunner(model);
            using var q = new OrtRunner(streamed.Model);
            double cosine = Ptq.Evaluation.CosineSimilarity.Compute(f.Run(feeds)[output].ToFloats(), q.Run(feeds)[output].ToFloats());
            Assert.True(cosine > (bits == 2 ? 0.8 : 0.98), $"{name}: cosine {cosine:F5} against float");
        }
    }

    private static StaticQuantizationResult Quantize(OnnxModel model, long? streamFrom, string? streamFolder)
    {
        var options = FourBitRtn.ToBlockOptions()!;
        if (streamFrom is long bytes)
            options = options with { StreamFromBytes = bytes, StreamDirectory = streamFolder };
        return BlockWeightQuantizer.Quantize(model, FourBitRtn.ToStaticSettings(hasData: false), options);
    }

    private static string Save(TempDirectory temp, string folder, StaticQuantizationResult result, ModelSaveOptions? options)
    {
        string path = Path.Combine(Directory.CreateDirectory(temp.File(folder)).FullName, "q.onnx");
        ModelIO.Save(result.Model, path, options);
        return path;
    }

    private static long TensorBytes(Ptq.Onnx.Proto.TensorProto t) => OnnxDataType.RawByteCount(t.DataType, TensorData.ElementCount(t), t.Name);
}
