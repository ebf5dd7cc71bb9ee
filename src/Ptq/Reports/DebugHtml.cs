using System.Globalization;
using System.Net;

namespace Ptq.Reports;

/// <summary>
/// The HTML debug report: one self-contained file (inline CSS, charts as base64 PNG data URIs, no scripts, no external
/// links) with the summary figures, the diagnosis of the layers where error starts, a chart of local and accumulated SQNR
/// per tensor, histograms of the worst activations with their clipping range, per-channel ranges of the worst weights,
/// and the sensitivity ranking; nodes Ptq added are marked with what they are for. Every name is HTML-escaped.
/// </summary>
internal static class DebugHtml
{
    /// <summary>Activations and weights shown with their own chart (the worst by local SQNR).</summary>
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
            table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
            td.n{text-align:right;font-variant-numeric:tabular-nums}th{background:#f3f3f3}
            .grid{display:flex;flex-wrap:wrap;gap:8px}.grid img{width:540px;border:1px solid #eee}p.hint{color:#555;font-size:13px}
            .origin{color:#7a5200;font-size:12px}ol.diagnosis li{margin-bottom:12px}code{background:#f3f3f3;padding:1px 4px;font-size:12px}
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
            <tr><th>Where error starts (lowest local SQNR)</th><td id="worst-layer" data-tensor="{{E(worst?.TensorName ?? "")}}">{{E(worst?.TensorName ?? "(none)")}}</td></tr>
            <tr><th>Its node, local and accumulated SQNR</th><td>{{E(worst is null ? "" : $"{worst.NodeName} ({worst.NodeType}, {Role(worst.Role)}), {F(worst.LocalSqnrDb, "F2")} dB local, {F(worst.SqnrDb, "F2")} dB accumulated")}}</td></tr>
            </table>
            <p class="hint">SQNR = 10·log10(Σ fp32² / Σ (fp32 − quantized)²) over all samples, in dB; every 6 dB is one bit of precision.
            <b>Local</b>: the error a tensor's own quantization adds to its fp32 values, as if every earlier layer were float — where error starts.
            <b>Accumulated</b>: the tensor as the quantized model computes it, with the error of every earlier layer — where error ends up, so it falls with depth.
            Weights and biases have only their own rounding error: for them the two are equal.</p>

            """);
        WriteDiagnoses(writer, report);

        writer.Write("<h2 id=\"sqnr\">Local and accumulated SQNR per quantized tensor (worst local first)</h2>\n");
        writer.Write(Image(DebugCharts.SqnrBars(report.Layers), "local and accumulated SQNR per tensor"));

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

        WriteRanking(writer, report);
        if (report.Notes.Count > 0)
        {
            writer.Write("<h2>Notes</h2>\n<ul>\n");
            foreach (string note in report.Notes) writer.Write($"<li>{E(note)}</li>\n");
            writer.Write("</ul>\n");
        }
        writer.Write("<p class=\"hint\">The ranking above, in the same units: layer_errors.csv. Per-tensor statistics in MindSpore's columns: debug_stats.csv (its Clip column is a fraction, 0–1).</p>\n</body></html>\n");
    }

    private static void WriteDiagnoses(TextWriter writer, DebugReport report)
    {
        if (report.Diagnoses.Count == 0) return;
        writer.Write($"<h2 id=\"diagnosis\">Where the error starts: the {report.Diagnoses.Count} worst layers</h2>\n");
        writer.Write($"<p class=\"hint\">Ranked by local SQNR; each line says, from the figures measured on these {report.Samples} samples, why the tensor loses precision and which flag or recipe override (<code>ptq quantize --recipe FILE</code>) addresses it.</p>\n<ol class=\"diagnosis\">\n");
        foreach (var d in report.Diagnoses)
        {
            var layer = report.Layers.First(l => l.TensorName == d.TensorName);
            var tensor = report.Tensors.First(t => t.TensorName == d.TensorName && t.Role == layer.Role);
            string relation = tensor.Role != TensorRole.Activation ? Role(tensor.Role) + " of" : tensor.IsNodeInput ? "input of" : "output of";
            writer.Write($"<li id=\"diagnosis-{E(d.TensorName)}\"><b>{E(d.TensorName)}</b> ({relation} {E(layer.NodeName)}, {E(layer.NodeType)}): " +
                $"local {F(layer.LocalSqnrDb, "F1")} dB, accumulated {F(layer.SqnrDb, "F1")} dB{Origin(report, layer.NodeName)}<br>{E(Capitalized(d.Finding))}<br><i>Fix:</i> <code>{E(d.Fix)}</code></li>\n");
        }
        writer.Write("</ol>\n");
    }

    private static void WriteRanking(TextWriter writer, DebugReport report)
    {
        writer.Write("<h2 id=\"ranking\">Sensitivity ranking</h2>\n<table>\n<tr><th>Rank</th><th>Node</th><th>Op</th><th>Tensor</th><th>Role</th>" +
            "<th>Local SQNR (dB)</th><th>Accumulated SQNR (dB)</th><th>Accumulated cosine</th><th>Clipped (%)</th></tr>\n");
        var diagnosed = report.Diagnoses.Select(d => d.TensorName).ToHashSet(StringComparer.Ordinal);
        foreach (var l in report.Layers)
        {
            string tensor = diagnosed.Contains(l.TensorName) ? $"<a href=\"#diagnosis-{E(l.TensorName)}\">{E(l.TensorName)}</a>" : E(l.TensorName);
            writer.Write($"<tr><td class=\"n\">{l.Rank}</td><td>{E(l.NodeName)}{Origin(report, l.NodeName)}</td><td>{E(l.NodeType)}</td><td>{tensor}</td><td>{Role(l.Role)}</td>" +
                $"<td class=\"n\">{F(l.LocalSqnrDb, "F2")}</td><td class=\"n\">{F(l.SqnrDb, "F2")}</td><td class=\"n\">{F(l.Cosine, "F6")}</td><td class=\"n\">{F(100 * l.Clip, "F3")}</td></tr>\n");
        }
        writer.Write("</table>\n");
    }

    private static string Origin(DebugReport report, string nodeName) =>
        report.NodeOrigins.TryGetValue(nodeName, out string? origin) ? $"<br><span class=\"origin\">{E(origin)}</span>" : "";

    private static string Role(TensorRole role) => role.ToString().ToLowerInvariant();

    private static string Capitalized(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];

    private static string Image(byte[] png, string alt) =>
        $"<img alt=\"{E(alt)}\" src=\"data:image/png;base64,{Convert.ToBase64String(png)}\">\n";

    private static string E(string text) => WebUtility.HtmlEncode(text);

    private static string F(double value, string format) =>
        double.IsPositiveInfinity(value) ? "+∞" : double.IsNegativeInfinity(value) ? "−∞" : double.IsNaN(value) ? "n/a" : value.ToString(format, CultureInfo.InvariantCulture);

    private static string Size(long bytes) => bytes >= 1 << 20
        ? (bytes / 1048576.0).ToString("F2", CultureInfo.InvariantCulture) + " MiB"
        : (bytes / 1024.0).ToString("F1", CultureInfo.InvariantCulture) + " KiB";
}
