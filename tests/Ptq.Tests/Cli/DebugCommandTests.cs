using Ptq.Demo;
using Ptq.Tests.Data;
using Ptq.Onnx;
using Ptq.Pipeline;
using Ptq.Reports;
using static Ptq.Tests.Cli.CliRun;

namespace Ptq.Tests.Cli;

/// <summary>
/// <c>ptq debug</c> in-process on the demo model: fp32 and quantized models saved to a temporary folder with six demo
/// samples as .npy files.
/// </summary>
public sealed class DebugCommandTests
{
    private static readonly Lazy<(string Float, string Quantized, string Data)> Files = new(() =>
    {
        string root = Directory.CreateTempSubdirectory("ptq-debug-cli-").FullName;
        var result = StaticQuantizer.Quantize(DemoModel.Build(), new StaticQuantizationSettings(),
            new CalibrationInput.FromSamples(DemoData.Feeds(16).ToList(), 16, new CalibrationSettings()));
        string fp32 = Path.Combine(root, "demo.onnx"), int8 = Path.Combine(root, "demo.int8.onnx");
        ModelIO.Save(DemoModel.Build(), fp32);
        ModelIO.Save(result.Model, int8);
        string data = Directory.CreateDirectory(Path.Combine(root, "data")).FullName;
        int i = 0;
        foreach (var sample in DemoData.Feeds(6, first: 500))
        {
            byte[] raw = sample[DemoModel.InputName].Raw!;
            File.WriteAllBytes(Path.Combine(data, $"s{i++}.npy"), NpyWriter.Bytes("<f4", [1, 3, 32, 32], raw));
        }
        return (fp32, int8, data);
    });

    private static string Images => Files.Value.Data;

    private static string FloatModel => Quote(Files.Value.Float);

    [Fact]
    public void WritesTheThreeReportFilesAndSummarises()
    {
        using var dir = new TempDirectory();
        string outDir = Path.Combine(dir.Path, "report");

        var result = Run($"ptq debug {FloatModel} {Quote(Files.Value.Quantized)} --data {Quote(Images)} --limit 3 --threads 1 --out {Quote(outDir)}");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.StartsWith("3 samples,", result.Out, StringComparison.Ordinal);
        foreach (string file in new[] { DebugReportFiles.StatsFile, DebugReportFiles.LayersFile, DebugReportFiles.HtmlFile })
            Assert.True(new FileInfo(Path.Combine(outDir, file)).Length > 100, file);
        Assert.Empty(Directory.GetFiles(outDir, "*.tmp", SearchOption.AllDirectories));
        var stats = File.ReadAllLines(Path.Combine(outDir, DebugReportFiles.StatsFile));
        Assert.Equal(string.Join(',', DebugCsv.StatsColumns), stats[0]);
        Assert.Equal(0, (stats.Length - 1) % 2); // Origin and Dequant rows per tensor
    }

    [Fact]
    public void VerboseLogsProgressToStandardError()
    {
        using var dir = new TempDirectory();

        var result = Run($"ptq debug {FloatModel} {Quote(Files.Value.Quantized)} --data {Quote(Images)} --limit 2 -V --out {Quote(dir.Path)}");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("ptq: debug: sample 2 done", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("ptq:", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void AFloatModelAsQuantizedModelExitsWith2()
    {
        using var dir = new TempDirectory();
        string model = FloatModel;

        var result = Run($"ptq debug {model} {model} --data {Quote(Images)} --limit 2 --out {Quote(dir.Path)}");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("not a QDQ model", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingQuantizedModelExitsWith2NamingIt()
    {
        using var dir = new TempDirectory();

        var result = Run($"ptq debug {FloatModel} /nonexistent/q.onnx --data {Quote(Images)} --out {Quote(dir.Path)}");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("/nonexistent/q.onnx", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void DebugAndEvalHelpMatchGoldenText()
    {
        foreach (var (command, golden) in new[] { ("debug", "debug-help.txt"), ("eval", "eval-help.txt") })
        {
            var result = Run($"ptq {command} --help");
            Assert.Equal(0, result.ExitCode);
            GoldenText.Approve(golden, result.Out);
        }
    }
}
