using Ptq.Data;
using Ptq.Evaluation;
using Ptq.Onnx;
using static Ptq.Tests.Cli.CliRun;

namespace Ptq.Tests.Cli;

/// <summary>calibrate → stats merge → quantize --stats, and quantize --data, on MNIST through the CLI.</summary>
public sealed class QuantizeCommandTests
{
    private static string Mnist => Quote(Assets.Model("mnist-cnn.onnx"));
    private static string Images => Quote(Assets.Get("mnist", "t10k-images-idx3-ubyte.gz"));

    [Fact]
    public void ShardedCalibrationMergedAndQuantizedKeepsMnistAccuracy()
    {
        using var temp = new TempDirectory();
        string a = temp.File("a.json"), b = temp.File("b.json"), all = temp.File("all.json"), model = temp.File("mnist.int8.onnx");

        Assert.Equal(0, Run($"ptq calibrate {Mnist} --data {Images} --calib-size 200 --shard 1/2 -o {Quote(a)}").ExitCode);
        Assert.Equal(0, Run($"ptq calibrate {Mnist} --data {Images} --calib-size 200 --shard 2/2 -o {Quote(b)}").ExitCode);
        var merge = Run($"ptq stats merge {Quote(a)} {Quote(b)} -o {Quote(all)}");
        Assert.Equal(0, merge.ExitCode);
        Assert.Contains("over 200 samples", merge.Out);
        var quantize = Run($"ptq quantize {Mnist} --stats {Quote(all)} -o {Quote(model)}");
        Assert.Equal(0, quantize.ExitCode);
        Assert.Contains("quantized:", quantize.Out);

        var (int8, fp32) = Accuracy(model, 2000);
        Assert.True(int8 >= fp32 - 0.2, $"int8 {int8} % vs fp32 {fp32} % on the first 2000 test images");
        var csv = File.ReadAllLines(temp.File("quant_param.csv"));
        Assert.Equal("NodeName,NodeType,TensorName,Kind,ElementsNum,Dims,Scale,ZeroPoint,Bits,BiasCorrectionMean,BiasCorrectionMax", csv[0]);
        Assert.Contains(csv, line => line.Contains(",Weight,", StringComparison.Ordinal) && line.Contains(",8", StringComparison.Ordinal));
    }

    [Fact]
    public void QuantizeFromDataWithVerboseLogsEveryTensor()
    {
        using var temp = new TempDirectory();
        string model = temp.File("mnist.int8.onnx");
        var result = Run($"ptq quantize {Mnist} --data {Images} --calib-size 100 --method minmax -V -o {Quote(model)}");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("ptq: activation 'Input3'", result.Error);
        Assert.Contains("observed [0, 255] MinMax", result.Error);
        var (int8, fp32) = Accuracy(model, 1000);
        Assert.True(int8 >= fp32 - 0.2, $"int8 {int8} % vs fp32 {fp32} % on the first 1000 test images");
    }

    [Fact]
    public void RecipeOverridesReachTheModel()
    {
        using var temp = new TempDirectory();
        string recipe = temp.File("recipe.yaml"), model = temp.File("mnist.int8.onnx");
        File.WriteAllText(recipe, "method: minmax\noverrides:\n  \"Convolution110\": {weight-bits: 4}\n");
        var result = Run($"ptq quantize {Mnist} --data {Images} --calib-size 50 --recipe {Quote(recipe)} -o {Quote(model)}");
        Assert.Equal(0, result.ExitCode);
        var rows = File.ReadAllLines(temp.File("quant_param.csv")).Skip(1).Select(l => l.Split(',')).ToList();
        // Bits is third from the end (Dims is quoted and holds commas; the bias-correction columns follow).
        Assert.Equal("4", rows.Single(r => r[2] == "Parameter87")[^3]); // Convolution110's weight
        Assert.Equal("8", rows.Single(r => r[2] == "Parameter5")[^3]); // Convolution28's keeps the default
    }

    /// <summary>For each setting the first matching override that sets it wins, skip included: a later catch-all skip does not undo an earlier skip: false.</summary>
    [Fact]
    public void FirstMatchingOverrideWinsForSkip()
    {
        using var temp = new TempDirectory();
        string recipe = temp.File("recipe.yaml"), model = temp.File("mnist.int8.onnx");
        File.WriteAllText(recipe, "method: minmax\noverrides:\n  \"Convolution110\": {skip: false}\n  \".*\": {skip: true}\n");
        var result = Run($"ptq quantize {Mnist} --data {Images} --calib-size 50 --recipe {Quote(recipe)} -o {Quote(model)}");
        Assert.Equal(0, result.ExitCode);
        var tensors = File.ReadAllLines(temp.File("quant_param.csv")).Skip(1).Select(l => l.Split(',')[2]).ToList();
        Assert.Contains("Parameter87", tensors); // Convolution110's weight: quantized
        Assert.DoesNotContain("Parameter5", tensors); // Convolution28's: skipped by the catch-all
        Assert.Contains("skipped by override '.*'", result.Out, StringComparison.Ordinal);
        var (int8, fp32) = Accuracy(model, 500);
        Assert.True(int8 >= fp32 - 0.5, $"int8 {int8} % vs fp32 {fp32} % on the first 500 test images");
    }

    [Fact]
    public void BlockSizeWritesMatMulNBitsWithItsParametersAndAccuracyLevel()
    {
        using var temp = new TempDirectory();
        string model = temp.File("char-gpt.w4.onnx");
        var result = Run($"ptq quantize {Quote(Assets.Model("char-gpt.onnx"))} --mode weight-only --weight-bits 4 --block-size 64 --weight-mode asym_u " +
            $"--accuracy-level 0 --embedding-bits 4 --accuracy-guard off -o {Quote(model)}");
        Assert.True(result.ExitCode == 0, result.Error);
        using var written = ModelIO.Load(model);
        var nbits = written.Proto.Graph.Node.Where(n => n.OpType == "MatMulNBits").ToList();
        Assert.Equal(17, nbits.Count); // 16 projections in 4 blocks and the tied output layer
        Assert.All(nbits, n => Assert.Equal((64L, 0L, 4L), (Attr(n, "block_size"), Attr(n, "accuracy_level"), Attr(n, "bits"))));
        Assert.Single(written.Proto.Graph.Node, n => n.OpType == "GatherBlockQuantized");
        // quant_param.csv: one scale per block, e.g. 384 columns × 2 blocks for a qkv projection.
        var qkv = File.ReadAllLines(temp.File("quant_param.csv")).Single(l => l.StartsWith("/blocks.0/qkv/MatMul,", StringComparison.Ordinal));
        Assert.Equal(768, qkv.Split(',')[^3].Split(' ').Length);
    }

    private static long Attr(Ptq.Onnx.Proto.NodeProto node, string name) => node.Attribute.Single(a => a.Name == name).I;

    [Fact]
    public void TargetCosineRevertsLayersUntilItHolds()
    {
        using var temp = new TempDirectory();
        string model = temp.File("mnist.int8.onnx");
        var result = Run($"ptq quantize {Mnist} --data {Images} --calib-size 64 --weight-bits 4 --target-cosine 0.999 -o {Quote(model)}");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("(target met: 0.999); reverted to float: Convolution110", result.Out);
    }

    /// <summary>A search that must put every node back to float has quantized nothing: exit 1, saying so.</summary>
    [Fact]
    public void ATargetOnlyFloatMeetsExits1()
    {
        using var temp = new TempDirectory();
        string model = temp.File("mnist.int8.onnx");
        var result = Run($"ptq quantize {Mnist} --data {Images} --calib-size 64 --weight-bits 4 --target-cosine 0.9999 -o {Quote(model)}");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("only by putting every quantized node back to float: nothing is quantized", result.Error);
        Assert.True(File.Exists(model));
    }

    [Fact]
    public void MixedWeightBitsSearchMeetsTheTarget()
    {
        using var temp = new TempDirectory();
        string model = temp.File("mnist.mixed.onnx");
        var result = Run($"ptq quantize {Mnist} --data {Images} --calib-size 64 --weight-bits mixed --target-cosine 0.9999 -o {Quote(model)}");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("(target met: 0.9999); raised to 8-bit weights:", result.Out);
    }

    [Theory]
    [InlineData("", "--data")]
    [InlineData("--data DATA --act-bits 17", "--act-bits")]
    [InlineData("--data DATA --skip nosuchnode", "matches no node; closest names:")]
    [InlineData("--stats DATA --mode dynamic", "--mode dynamic fixes no activation ranges in advance, so statistics are not used")]
    [InlineData("--stats DATA --mode weight-only", "weight-only")]
    [InlineData("--data DATA --mode weight-only --weight-bits 4 --block-size 48", "--block-size 48: ONNX Runtime needs a power of two")]
    [InlineData("--data DATA --mode weight-only --weight-bits 4 --block-size 32 --weight-method hqq", "add --weight-mode asym_u")]
    public void BadInputExits2WithoutWritingAnything(string arguments, string named)
    {
        using var temp = new TempDirectory();
        string model = temp.File("out.onnx");
        string limit = arguments.Contains("--stats", StringComparison.Ordinal) ? "" : "--calib-size 10";
        var result = Run($"ptq quantize {Mnist} {arguments.Replace("DATA", Images, StringComparison.Ordinal)} {limit} -o {Quote(model)}");
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("ptq: error: ", result.Error);
        Assert.Contains(named, result.Error);
        Assert.Empty(Directory.GetFiles(temp.Path));
    }

    [Theory]
    [InlineData("quantize", "--data DATA")]
    [InlineData("calibrate", "--data DATA")]
    public void AnOutputInAMissingFolderIsRefusedBeforeAnyWork(string command, string arguments)
    {
        using var temp = new TempDirectory();
        string output = Path.Combine(temp.Path, "missing", "out.onnx");
        var result = Run($"ptq {command} {Mnist} {arguments.Replace("DATA", Images, StringComparison.Ordinal)} -o {Quote(output)}");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"folder '{Path.Combine(temp.Path, "missing")}' does not exist; create it first", result.Error);
        Assert.DoesNotContain("calibrating", result.Out + result.Error);
        Assert.Empty(Directory.GetFileSystemEntries(temp.Path));
    }

    [Fact]
    public void DemoRunsTheWholePipeline()
    {
        using var temp = new TempDirectory();
        var result = Run($"ptq demo --out {Quote(temp.Path)}");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("top-1 agreement with fp32", result.Out);
        Assert.Contains("check cosine 0.9999", result.Out); // the accuracy guard on the built-in model: passed
        Assert.True(new FileInfo(temp.File("demo.int8.onnx")).Length < new FileInfo(temp.File("demo.fp32.onnx")).Length);
        // The tour: numbered steps while it runs, every file it wrote on a line of its own, the commands for one's own model.
        Assert.Contains("ptq demo: 1/4 building the sample model", result.Error);
        Assert.Contains("ptq demo: 4/4 comparing every quantized tensor", result.Error);
        foreach (string file in new[] { "demo.fp32.onnx", "demo.int8.onnx", "quant_param.csv", "debug_stats.csv", "layer_errors.csv", "report.html" })
        {
            Assert.True(File.Exists(temp.File(file)), file);
            Assert.Contains($"  {temp.File(file)}\n", result.Out.ReplaceLineEndings("\n"));
        }
        Assert.Contains("  ptq quantize YOUR.onnx --data SAMPLES/ -o YOUR.int8.onnx", result.Out);
        Assert.Contains("  ptq debug YOUR.onnx YOUR.int8.onnx --data SAMPLES/ --out report/", result.Out);
        // The debug report measured the int8 model against fp32 on held-out samples.
        var cosine = double.Parse(System.Text.RegularExpressions.Regex.Match(File.ReadAllText(temp.File("report.html")),
            @"Output cosine similarity \(mean / worst sample\)</th><td class=""n"">([0-9.]+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(cosine, 0.99, 1.0);
    }

    /// <summary>Top-1 of the quantized model and of fp32 on the first <paramref name="limit"/> MNIST test images.</summary>
    private static (double Int8, double Fp32) Accuracy(string modelPath, int limit)
    {
        using var model = ModelIO.Load(modelPath);
        using var reference = ModelIO.Load(Assets.Model("mnist-cnn.onnx"));
        var samples = CalibrationSources.Create(ModelInputs.Of(model), [Assets.Get("mnist", "t10k-images-idx3-ubyte.gz")], new DataSourceOptions { Limit = limit });
        var report = Evaluator.Evaluate(model, reference, samples, LabelSources.Parse(Assets.Get("mnist", "t10k-labels-idx1-ubyte.gz"), null),
            new EvaluationOptions { LatencyRuns = 0, IntraOpThreads = 1 });
        return (report.Accuracy!.Top1Percent, report.ReferenceAccuracy!.Top1Percent);
    }
}
