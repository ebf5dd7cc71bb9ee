using Ptq.Data;
using Ptq.Evaluation;
using Ptq.Onnx;
using Ptq.Runtime;
using Ptq.Tests.Data;
using static Ptq.Tests.Cli.CliRun;

namespace Ptq.Tests.Cli;

/// <summary>
/// <c>ptq quantize --act-bits mixed</c> on <see cref="TestModels.OutlierChannelConvs"/> with 16 seeded .npy samples
/// (the first 32 calibration samples are the check set, so all 16 here): the written model is measured against float.
/// </summary>
public sealed class MixedActivationBitsCommandTests
{
    internal const int Samples = 16;

    [Theory]
    [InlineData("")]
    [InlineData("--act-mode sym")]
    [InlineData("--act-mode asym_s")]
    public void MixedActivationBitsMeetTheTargetThatEightBitsMiss(string actMode)
    {
        using var temp = new TempDirectory();
        var (model, data) = Setup(temp);
        string plain = temp.File("plain.onnx"), mixed = temp.File("mixed.onnx");

        Assert.Equal(0, Run($"ptq quantize {Quote(model)} --data {Quote(data)} --act-bits 8 {actMode} --accuracy-guard off -o {Quote(plain)}").ExitCode);
        double plainCosine = OutputCosine(model, plain, data);
        var result = Run($"ptq quantize {Quote(model)} --data {Quote(data)} --act-bits mixed {actMode} --target-cosine 0.999 -o {Quote(mixed)}");

        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}, 8-bit {plainCosine}: {result.Out}{result.Error}");
        Assert.True(plainCosine < 0.999, $"8-bit activations alone reach {plainCosine}: the target forces nothing");
        double mixedCosine = OutputCosine(model, mixed, data);
        Assert.True(mixedCosine >= 0.999, $"written model cosine {mixedCosine}");
        Assert.Contains("(target met: 0.999); kept float: outputs of wide", result.Out);
        Assert.Contains("  worst first, each with the output cosine after the step that kept it float: wide 0.9", result.Out);
        var bits = ActivationBits(temp);
        Assert.False(bits.ContainsKey("r")); // the Relu output, whose range one channel sets, stays float
        Assert.NotEmpty(bits);
        Assert.All(bits.Values, b => Assert.Equal(8, b));
    }

    [Fact]
    public void WithoutTargetCosineTheSearchAimsAt0995AndLogsEachStep()
    {
        using var temp = new TempDirectory();
        var (model, data) = Setup(temp);
        string mixed = temp.File("mixed.onnx");

        var result = Run($"ptq quantize {Quote(model)} --data {Quote(data)} --act-bits mixed -V -o {Quote(mixed)}");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("(target met: 0.995); kept float: outputs of wide", result.Out);
        Assert.Contains("ptq: output cosine 0.993", result.Error); // 8-bit activations: below 0.995
        Assert.Contains("with 8-bit activations (target 0.995)", result.Error);
        Assert.Contains("ptq: kept 1 of 3 activation(s) float: output cosine 0.999", result.Error);
        Assert.True(OutputCosine(model, mixed, data) >= 0.995);
    }

    [Theory]
    [InlineData("--act-bits mixed --mode dynamic", "--act-bits mixed with --mode dynamic")]
    [InlineData("--act-bits mixed --mode weight-only", "--act-bits mixed with --mode weight-only")]
    [InlineData("--act-bits mixed --mode fp16", "--act-bits mixed with --mode fp16")]
    [InlineData("--act-bits mixed --weight-bits mixed", "--act-bits mixed with --weight-bits mixed")]
    [InlineData("--act-bits many", "--act-bits 'many': expected a bit width (2 to 16) or 'mixed'")]
    public void ConflictsExit2NamingTheOptions(string arguments, string message) => AssertRefused(arguments, message);

    [Fact]
    public void StatisticsAloneCannotMeasureTheOutput()
    {
        using var temp = new TempDirectory();
        string model = Setup(temp).Model, stats = CalibratedStats(temp), output = temp.File("out.onnx");

        var result = Run($"ptq quantize {Quote(model)} --stats {Quote(stats)} --act-bits mixed -o {Quote(output)}");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--act-bits mixed measures the output on samples; add --data (with --stats it only supplies the check samples)", result.Error);
        Assert.False(File.Exists(output));
    }

    /// <summary>Runs <c>ptq quantize</c> on the test model and data with <paramref name="arguments"/>: exit code 2, <paramref name="message"/> on standard error, no output file.</summary>
    internal static void AssertRefused(string arguments, string message)
    {
        using var temp = new TempDirectory();
        var (model, data) = Setup(temp);
        string output = temp.File("out.onnx");

        var result = Run($"ptq quantize {Quote(model)} --data {Quote(data)} {arguments} -o {Quote(output)}");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Error);
        Assert.False(File.Exists(output));
    }

    /// <summary>Statistics of the test data written by <c>ptq calibrate</c> into <paramref name="temp"/> (after <see cref="Setup"/>).</summary>
    internal static string CalibratedStats(TempDirectory temp)
    {
        string stats = temp.File("stats.json");
        Assert.Equal(0, Run($"ptq calibrate {Quote(temp.File("outlier.onnx"))} --data {Quote(Path.Combine(temp.Path, "data"))} -o {Quote(stats)}").ExitCode);
        return stats;
    }

    /// <summary>Writes the model and <see cref="Samples"/> seeded inputs in [-1, 1] as .npy files.</summary>
    internal static (string Model, string Data) Setup(TempDirectory temp)
    {
        string model = temp.File("outlier.onnx");
        File.WriteAllBytes(model, Google.Protobuf.MessageExtensions.ToByteArray(TestModels.OutlierChannelConvs()));
        string data = Path.Combine(temp.Path, "data");
        Directory.CreateDirectory(data);
        var random = new Random(11);
        for (int i = 0; i < Samples; i++)
        {
            var values = Enumerable.Range(0, 4 * 16 * 16).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
            File.WriteAllBytes(Path.Combine(data, $"{i:D2}.npy"), NpyWriter.Bytes("<f4", [1, 4, 16, 16], NpyWriter.Floats(values)));
        }
        return (model, data);
    }

    /// <summary>Mean over the data files of the cosine between the float model's output and <paramref name="quantized"/>'s.</summary>
    internal static double OutputCosine(string model, string quantized, string data)
    {
        using var fp32 = new OrtRunner(ModelIO.Load(model));
        using var q = new OrtRunner(ModelIO.Load(quantized));
        var sources = CalibrationSources.Create(ModelInputs.Of(ModelIO.Load(model)), [data]);
        var cosines = sources.Select(s => s.ToFeeds()).Select(feed =>
            CosineSimilarity.Compute(fp32.Run(feed)["Y"].ToFloats(), q.Run(feed)["Y"].ToFloats())).ToList();
        Assert.Equal(Samples, cosines.Count);
        return cosines.Average();
    }

    /// <summary>Bits of each activation tensor in quant_param.csv (Bits is third from the end).</summary>
    internal static Dictionary<string, int> ActivationBits(TempDirectory temp) =>
        File.ReadAllLines(temp.File("quant_param.csv")).Skip(1).Select(l => l.Split(','))
            .Where(r => r[3] == "Activation").ToDictionary(r => r[2], r => int.Parse(r[^3], System.Globalization.CultureInfo.InvariantCulture));
}
