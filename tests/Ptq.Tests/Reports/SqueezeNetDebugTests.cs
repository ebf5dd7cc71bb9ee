using System.Text.RegularExpressions;
using Ptq.Data;
using Ptq.Onnx;
using Ptq.Pipeline;
using Ptq.Reports;
using Ptq.Runtime;
using Ptq.Tests.Integration;
using Xunit.Abstractions;

namespace Ptq.Tests.Reports;

/// <summary>The debugger on a real model: SqueezeNet quantized on 20 images, debugged on 4 others.</summary>
public partial class SqueezeNetDebugTests(ITestOutputHelper output)
{
    [Fact]
    public void ReportIsSelfContainedAndNamesTheLowestSqnrTensor()
    {
        using var model = ModelIO.Load(Assets.Model("squeezenet1.1.onnx"));
        var calibration = ImageNetSubset.Load(model, 0, 20).Select(s => (IReadOnlyDictionary<string, TensorValue>)s.ToFeeds()).ToList();
        var result = StaticQuantizer.Quantize(model, new StaticQuantizationSettings(), new CalibrationInput.FromSamples(calibration, 20, new CalibrationSettings()));
        var samples = ImageNetSubset.Load(model, 20, 4).Select(s => (IReadOnlyDictionary<string, TensorValue>)s.ToFeeds());

        var report = QuantizationDebugger.Run(model, result.Model, samples, new DebugOptions { IntraOpThreads = 2 });

        Assert.Equal(4, report.Samples);
        Assert.Equal(26, report.Tensors.Count(t => t.Role == TensorRole.Weight));
        Assert.Equal(26, report.Tensors.Count(t => t.Role == TensorRole.Bias));
        Assert.Empty(report.Notes);
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
        foreach (var l in report.Layers.Take(8)) output.WriteLine($"{l.Rank} {l.TensorName} {l.Role} {l.SqnrDb:F2} dB cos {l.Cosine:F5} clip {l.Clip:P3}");
        foreach (string note in report.Notes) output.WriteLine(note);
    }

    [GeneratedRegex("<img [^>]*src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\"")]
    private static partial Regex DataUri();
}
