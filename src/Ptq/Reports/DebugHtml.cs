using System.Globalization;
using System.Net;

namespace Ptq.Reports;

/// <summary>
/// The HTML debug report: one self-contained file (inline CSS, charts as base64 PNG data URIs, no scripts, no external
/// links) with the summary figures, an SQNR chart per tensor, histograms of the worst activations with their clipping
/// range, per-channel ranges of the worst weights, and the sensitivity ranking. Every name is HTML-escaped.
/// </summary>
public static class DebugHtml
{
    /// <summary>Activations and weights shown with their own chart (the worst by SQNR).</summary>
    public const int WorstShown = 6;

    /// <summary>Writes the report; <paramref name="floatModelName"/> and <paramref name="quantizedModelName"/> label the two models.</summary>
    public static void Write(TextWriter writer, DebugReport report, string floatModelName, string quantizedModelName)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(report);
        var worst = report.Layers.Count > 0 ? report.Layers[0] : null;
        writer.Write($$"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>Ptq debug report: {{E(quantizedModelName)}}</title>
            <style>
            body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}
            h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ccc}
            table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left}
            td.n{text-align:right;font-variant-numeric:tabular-nums}th{background:#f3f3f3}
            .grid{display:flex;flex-wrap:wrap;gap:8px}.grid img{width:540px;border:1px solid #eee}p.hint{color:#555;font-size:13px}
            </style></head><body>
            <h1>Quantization debug report</h1>
            <p>fp32 model <b>{{E(floatModelName)}}</b> vs quantized model <b>{{E(quantizedModelName)}}</b>, {{report.Samples}} sample(s).</p>
            <h2>Summary</h2>
            <table>
            <tr><th>Final output</th><td>{{E(report.OutputName)}}</td></tr>
            <tr><th>Output cosine similarity (mean / worst sample)</th><td class="n">{{F(report.Output.MeanCosine, "F5")}} / {{F(report.Output.MinCosine, "F5")}}</td></tr>
            <tr><th>Output SQNR</th><td class="n">{{F(report.Output.SqnrDb, "F2")}} dB</td></tr>
            <tr><th>Top-1 agreement with fp32</th><td class="n">{{F(report.Output.AgreementPercent, "F1")}} % ({{report.Output.ArgmaxAgreements}} of {{report.Output.ArgmaxRows}})</td></tr>
            <tr><th>Model size fp32 → quantized</th><td class="n">{{Size(report.FloatModelBytes)}} → {{Size(report.QuantizedModelBytes)}} ({{F((double)report.FloatModelBytes / Math.Max(1, report.QuantizedModelBytes), "F2")}}× smaller)</td></tr>
            <tr><th>Quantized tensors compared</th><td class="n">{{report.Tensors.Count(t => t.Role == TensorRole.Activation)}} activations, {{report.Tensors.Count(t => t.Role == TensorRole.Weight)}} weights, {{report.Tensors.Count(t => t.Role == TensorRole.Bias)}} biases</td></tr>
            <tr><th>Worst tensor (lowest SQNR)</th><td id="worst-layer" data-tensor="{{E(worst?.TensorName ?? "")}}">{{E(worst?.TensorName ?? "(none)")}}</td></tr>
            <tr><th>Its node and SQNR</th><td>{{E(worst is null ? "" : $"{worst.NodeName} ({worst.NodeType}, {worst.Role.ToString().ToLowerInvariant()}), {F(worst.SqnrDb, "F2")} dB")}}</td></tr>
            </table>
            <p class="hint">SQNR = 10·log10(Σ fp32² / Σ (fp32 − dequantized)²) over all samples; every 6 dB is one bit of precision.
            Activations are taken from the quantized model as it runs, so their error includes that of every earlier layer;
            weights and biases show only their own rounding error.</p>

            """);
        writer.Write("<h2 id=\"sqnr\">SQNR per quantized tensor (worst first)</h2>\n");
        writer.Write(Image(DebugCharts.SqnrBars(report.Layers), "SQNR per tensor"));

        var activations = report.Layers.Where(l => l.Role == TensorRole.Activation).Take(WorstShown)
            .Select(l => report.Tensors.First(t => t.TensorName == l.TensorName && t.Role == l.Role)).Where(t => t.Histogram is not null).ToList();
        if (activations.Count > 0)
        {
            writer.Write($"<h2 id=\"histograms\">Activation histograms of the {activations.Count} worst activations</h2>\n");
            writer.Write("<p class=\"hint\">fp32 values over the debug samples; dashed red lines: the range the quantization parameters represent. Values outside are clipped.</p>\n<div class=\"grid\">\n");
            foreach (var t in activations) writer.Write(Image(DebugCharts.ActivationHistogram(t), $"histogram of {t.TensorName}"));
            writer.Write("</div>\n");
        }
        var weights = report.Layers.Where(l => l.Role == TensorRole.Weight).Take(WorstShown)
            .Select(l => report.Tensors.First(t => t.TensorName == l.TensorName && t.Role == l.Role)).Where(t => t.ChannelRanges is not null).ToList();
        if (weights.Count > 0)
        {
            writer.Write($"<h2 id=\"weights\">Weight ranges per output channel of the {weights.Count} worst weights</h2>\n");
            writer.Write("<p class=\"hint\">Orange bars: fp32 min…max of each output channel; red dashes: the ends of the range its scale represents. Channels whose bar is much shorter than the range lose precision.</p>\n<div class=\"grid\">\n");
            foreach (var t in weights) writer.Write(Image(DebugCharts.WeightRanges(t), $"weight ranges of {t.TensorName}"));
            writer.Write("</div>\n");
        }

        writer.Write("<h2 id=\"ranking\">Sensitivity ranking</h2>\n<table>\n<tr><th>Rank</th><th>Node</th><th>Op</th><th>Tensor</th><th>Role</th><th>SQNR (dB)</th><th>Cosine</th><th>Clipped (%)</th></tr>\n");
        foreach (var l in report.Layers)
        {
            writer.Write($"<tr><td class=\"n\">{l.Rank}</td><td>{E(l.NodeName)}</td><td>{E(l.NodeType)}</td><td>{E(l.TensorName)}</td><td>{l.Role.ToString().ToLowerInvariant()}</td>" +
                $"<td class=\"n\">{F(l.SqnrDb, "F2")}</td><td class=\"n\">{F(l.Cosine, "F6")}</td><td class=\"n\">{F(100 * l.Clip, "F3")}</td></tr>\n");
        }
        writer.Write("</table>\n");
        if (report.Notes.Count > 0)
        {
            writer.Write("<h2>Notes</h2>\n<ul>\n");
            foreach (string note in report.Notes) writer.Write($"<li>{E(note)}</li>\n");
            writer.Write("</ul>\n");
        }
        writer.Write("<p class=\"hint\">Per-tensor statistics: debug_stats.csv; ranking: layer_errors.csv.</p>\n</body></html>\n");
    }

    private static string Image(byte[] png, string alt) =>
        $"<img alt=\"{E(alt)}\" src=\"data:image/png;base64,{Convert.ToBase64String(png)}\">\n";

    private static string E(string text) => WebUtility.HtmlEncode(text);

    private static string F(double value, string format) =>
        double.IsPositiveInfinity(value) ? "+∞" : double.IsNegativeInfinity(value) ? "−∞" : double.IsNaN(value) ? "n/a" : value.ToString(format, CultureInfo.InvariantCulture);

    private static string Size(long bytes) => bytes >= 1 << 20
        ? (bytes / 1048576.0).ToString("F2", CultureInfo.InvariantCulture) + " MiB"
        : (bytes / 1024.0).ToString("F1", CultureInfo.InvariantCulture) + " KiB";
}
