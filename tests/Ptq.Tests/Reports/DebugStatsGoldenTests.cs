using System.Runtime.CompilerServices;
using Ptq.Demo;
using Ptq.Pipeline;
using Ptq.Reports;
using Ptq.Tests.Cli;

namespace Ptq.Tests.Reports;

/// <summary>
/// debug_stats.csv of the demo model against Reports/Golden/debug_stats_demo.csv: the header and the rows of the input
/// activation and the first weight (stem_conv's, BN-folded; values computed without ORT's floating-point kernels, so they are the same on every
/// CPU). After an intended change rerun with PTQ_UPDATE_GOLDEN=1 and review the diff.
/// </summary>
public sealed class DebugStatsGoldenTests
{
    private static readonly Lazy<(StaticQuantizationResult Result, DebugReport Report)> Demo = new(() =>
    {
        var result = StaticQuantizer.Quantize(DemoModel.Build(), new StaticQuantizationSettings(),
            new CalibrationInput.FromSamples(DemoData.Feeds(32).ToList(), 32, new CalibrationSettings { Method = Ptq.Calibration.CalibrationMethod.MinMax }));
        var report = Debugger.Run(DemoModel.Build(), result.Model, DemoData.Feeds(4, first: 1000), new DebugOptions { IntraOpThreads = 1 });
        return (result, report);
    });

    [Fact]
    public void HeaderAndRowsMatchTheGoldenFile()
    {
        using var writer = new StringWriter();
        DebugCsv.WriteStats(writer, Demo.Value.Report.Tensors);
        var lines = writer.ToString().Split('\n');

        Assert.Equal("NodeName,NodeType,TensorName,InOutFlag,DataTypeFlag,TensorTypeFlag,Min,Q1,Median,Q3,Max,Mean,Var,Sparsity,Clip,CosineSimilarity", lines[0]);
        var rows = lines.Skip(1).Where(l => l.Length > 0).Select(l => l.Split(',')).ToList();
        var kept = rows.Where(f => f[2] == DemoModel.InputName).Concat(rows.Where(f => f[5] == "Weight").Take(2)).Select(f => string.Join(',', f)).Prepend(lines[0]);
        Approve("debug_stats_demo.csv", string.Join('\n', kept) + "\n");
    }

    [Fact]
    public void EveryQuantizedTensorOfTheDemoModelIsRelatedToTheFloatModel()
    {
        var (result, report) = Demo.Value;

        Assert.Empty(report.Notes);
        Assert.Equal(result.Tensors.Count(t => t.Kind == "Weight"), report.Tensors.Count(t => t.Role == TensorRole.Weight));
        Assert.Equal(result.Tensors.Count(t => t.Kind == "Bias"), report.Tensors.Count(t => t.Role == TensorRole.Bias));
        Assert.Equal(result.Tensors.Count(t => t.Kind == "Activation"), report.Tensors.Count(t => t.Role == TensorRole.Activation));
        // Weights are compared with the BN-folded fp32 weights, so only rounding error remains: int8 per-channel ≥ 35 dB.
        Assert.All(report.Tensors.Where(t => t.Role == TensorRole.Weight), t => Assert.True(t.SqnrDb > 35, $"{t.TensorName}: {t.SqnrDb}"));
        Assert.All(report.Tensors.Where(t => t.Role == TensorRole.Weight), t => Assert.Equal(0, t.Clip));
        Assert.Equal(4, report.Samples);
        Assert.True(report.Output.MeanCosine > 0.99);
        Assert.True(report.QuantizedModelBytes < report.FloatModelBytes);
    }

    [Fact]
    public void QdqGraphMapFindsActivationsAndWeightsByStructure()
    {
        var links = QdqGraphMap.Analyse(Demo.Value.Result.Model);

        var input = Assert.Single(links, l => l.Kind == QdqLinkKind.Activation && l.FloatTensor == DemoModel.InputName);
        Assert.Contains(input.Consumers, c => c.NodeName == "stem_conv" && c.InputIndex == 0);
        var weight = Assert.Single(links, l => l.Kind == QdqLinkKind.Weight && l.Consumers.Any(c => c.NodeName == "stem_conv" && c.InputIndex == 1));
        Assert.Equal([16L, 3, 3, 3], weight.Dims);
        Assert.Equal(16, weight.Channels);
        Assert.Equal(0, weight.Axis);
        Assert.Equal((-128L, 127L), (weight.QMin, weight.QMax));
    }

    private static void Approve(string goldenName, string actual, [CallerFilePath] string thisFile = "")
    {
        string path = Path.Combine(Path.GetDirectoryName(thisFile)!, "Golden", goldenName);
        if (Environment.GetEnvironmentVariable("PTQ_UPDATE_GOLDEN") == "1")
            File.WriteAllText(path, actual);
        string expected = File.Exists(path) ? File.ReadAllText(path).Replace("\r\n", "\n") : "";
        if (expected != actual)
            Assert.Fail($"output differs from {path} (rerun with PTQ_UPDATE_GOLDEN=1 to accept):\n{LineDiff.Format(expected, actual)}");
    }
}
