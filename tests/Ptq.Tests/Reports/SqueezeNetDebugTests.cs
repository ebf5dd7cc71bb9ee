using System.Text.RegularExpressions;
using Ptq.Data;
using Ptq.Onnx;
using Ptq.Pipeline;
using Ptq.Reports;
using Ptq.Runtime;
using Ptq.Tests.Integration;
using Xunit.Abstractions;

namespace Ptq.Tests.Reports;

/// <summary>
/// The debugger on a real model: SqueezeNet quantized on 20 images, debugged on 4 others. Issue #12's "done when": the
/// local-error ranking differs from the depth order and each of the worst three layers has a diagnosis.
/// </summary>
public partial class SqueezeNetDebugTests(ITestOutputHelper output)
{
    [Fact]
    public void ReportIsSelfContainedAndNamesTheLowestSqnrTensor()
    {
        using var model = ModelIO.Load(Assets.Model("squeezenet1.1.onnx"));
        var calibration = ImageNetSubset.Load(model, 0, 20).Select(s => (IReadOnlyDictionary<string, TensorValue>)s.ToFeeds()).ToList();
        var result = StaticQuantizer.Quantize(model, new StaticQuantizationSettings(), new CalibrationInput.FromSamples(calibration, 20, new CalibrationSettings()));
        var samples = ImageNetSubset.Load(model, 20, 4).Select(s => (IReadOnlyDictionary<string, TensorValue>)s.ToFeeds());

        var report = Debugger.Run(model, result.Model, samples, new DebugOptions { IntraOpThreads = 2 });

        Assert.Equal(4, report.Samples);
        Assert.Equal(26, report.Tensors.Count(t => t.Role == TensorRole.Weight));
        Assert.Equal(26, report.Tensors.Count(t => t.Role == TensorRole.Bias));
        // SqueezeNet's nodes are unnamed: the report says how it names them, and nothing was left out.
        Assert.Equal("66 of the fp32 model's 66 nodes have no name; the report calls them by their first output and op type (e.g. 'conv1_Relu'), the names --skip and recipe overrides take.",
            Assert.Single(report.Notes));
        Assert.True(report.Tensors.Count(t => t.Role == TensorRole.Activation) >= 26);
        Assert.All(report.Tensors.Where(t => t.Role == TensorRole.Weight), t => Assert.True(t.SqnrDb > 25, $"{t.TensorName}: {t.SqnrDb} dB"));
        Assert.True(report.Output.MeanCosine > 0.95, $"output cosine {report.Output.MeanCosine}");

        using var dir = new TempDirectory();
        string outDir = Environment.GetEnvironmentVariable("PTQ_KEEP_DEBUG_REPORT") ?? dir.Path;
        DebugReportFiles.Write(report, outDir, "squeezenet1.1.onnx", "squeezenet1.1.int8.onnx");
        string html = File.ReadAllText(Path.Combine(outDir, DebugReportFiles.HtmlFile));
        var images = DataUri().Matches(html);
        Assert.True(images.Count >= 1 + 6 + 6, $"{images.Count} images");
        foreach (Match image in images)
        {
            byte[] png = Convert.FromBase64String(image.Groups[1].Value);
            Assert.True(png.Length > 100);
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        }
        Assert.DoesNotMatch("(src|href)=\"(http|file|/)", html);

        var rows = File.ReadAllLines(Path.Combine(outDir, DebugReportFiles.LayersFile)).Skip(1).Select(l => l.Split(',')).ToList();
        var lowest = rows.OrderBy(r => double.Parse(r[5], System.Globalization.CultureInfo.InvariantCulture)).First();
        Assert.Equal("1", lowest[0]);
        Assert.Contains($"id=\"worst-layer\" data-tensor=\"{lowest[3]}\"", html, StringComparison.Ordinal);

        output.WriteLine($"output cosine {report.Output.MeanCosine:F5} SQNR {report.Output.SqnrDb:F2} dB agreement {report.Output.AgreementPercent:F1} %");
        foreach (var l in report.Layers.Take(8)) output.WriteLine($"{l.Rank} {l.TensorName} {l.Role} local {l.LocalSqnrDb:F2} dB, accumulated {l.SqnrDb:F2} dB, cos {l.Cosine:F5} clip {l.Clip:P3}");
        foreach (var d in report.Diagnoses) output.WriteLine($"{d.TensorName}: {d.Cause}: {d.Finding} Fix: {d.Fix}");
        foreach (var (node, origin) in report.NodeOrigins) output.WriteLine($"{node}: {origin}");
        foreach (string note in report.Notes) output.WriteLine(note);

        // Where error starts is not where it ends up: the accumulated ranking is led by the deepest layers, the local one is not.
        var accumulated = report.Layers.OrderBy(l => l.SqnrDb).Take(3).Select(l => l.TensorName).ToList();
        var local = report.Layers.Take(3).Select(l => l.TensorName).ToList();
        Assert.NotEqual(accumulated, local);
        // Each of the worst three has a diagnosis with a fix, in the report and in layer_errors.csv.
        Assert.Equal(local, report.Diagnoses.Take(3).Select(d => d.TensorName));
        Assert.All(report.Diagnoses, d => Assert.Matches("overrides: |--", d.Fix));
        foreach (var d in report.Diagnoses.Take(3))
            Assert.Contains($"<li id=\"diagnosis-{d.TensorName}\">", html, StringComparison.Ordinal);
        // SqueezeNet's fire modules end in a Concat whose shared range one input fills only partly (issue #12's example).
        Assert.Contains(report.Diagnoses, d => d.Cause == DiagnosisCause.SharedConcatRange);
        // A Concat input's fix names the Concat: an override on its own node would not change the shared range.
        Assert.All(report.Diagnoses.Where(d => d.Finding.Contains("shared with the Concat's other inputs", StringComparison.Ordinal)),
            d => Assert.Contains("_Concat\"", d.Fix, StringComparison.Ordinal));
        Assert.Equal("added by Ptq: zero-pads the channels of 'data_0' to four for 'conv1_1_Conv' (ONNX Runtime's int8 Conv is faster with four).",
            report.NodeOrigins["conv1_1_Conv" + Ptq.Passes.InputChannelPadding.NodeSuffix]);
    }

    [GeneratedRegex("<img [^>]*src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\"")]
    private static partial Regex DataUri();
}
