using ScottPlot;

namespace Ptq.Reports;

/// <summary>The PNG charts of the HTML debug report, drawn with ScottPlot in memory.</summary>
internal static class DebugCharts
{
    private const int Width = 1000;
    private static readonly Color Activation = Color.FromHex("#1f77b4");
    private static readonly Color Weight = Color.FromHex("#ff7f0e");
    private static readonly Color Local = Color.FromHex("#1f4e79");
    private static readonly Color Accumulated = Color.FromHex("#9ecae1");
    private static readonly Color ClipLine = Color.FromHex("#d62728");
    private static readonly Color Extreme = Color.FromHex("#333333");

    /// <summary>
    /// Per tensor, worst local SQNR at the top: a dark bar for the local SQNR (the tensor's own quantization on float
    /// values) and a light one for the accumulated SQNR (as the quantized model computes it), so where error starts and
    /// where it ends up read side by side. Infinite SQNR is drawn at the largest finite value; the legend sits below the
    /// axis, never over bars.
    /// </summary>
    public static byte[] SqnrBars(IReadOnlyList<LayerError> layers)
    {
        var plot = NewPlot();
        double finiteMax = layers.SelectMany(l => new[] { l.LocalSqnrDb, l.SqnrDb }).Where(double.IsFinite).DefaultIfEmpty(1).Max();
        double Drawn(double sqnr) => double.IsNaN(sqnr) || double.IsNegativeInfinity(sqnr) ? 0 : double.IsPositiveInfinity(sqnr) ? finiteMax : sqnr;
        var bars = new List<Bar>();
        var ticks = new List<Tick>();
        for (int i = 0; i < layers.Count; i++)
        {
            var l = layers[i];
            double position = layers.Count - 1 - i;
            bars.Add(new Bar { Position = position + 0.2, Value = Drawn(l.LocalSqnrDb), FillColor = Local, LineWidth = 0, Size = 0.4 });
            bars.Add(new Bar { Position = position - 0.2, Value = Drawn(l.SqnrDb), FillColor = Accumulated, LineWidth = 0, Size = 0.4 });
            ticks.Add(new Tick(position, $"{Short(l.TensorName, 36)} ({l.Role.ToString().ToLowerInvariant()})", true));
        }
        var plottable = plot.Add.Bars(bars);
        plottable.Horizontal = true;
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual([.. ticks]);
        plot.Axes.Left.MajorTickStyle.Length = 0;
        plot.Axes.Left.TickLabelStyle.FontSize = 11;
        plot.Axes.Margins(left: 0, right: 0.05, bottom: 0.01, top: 0.01);
        plot.XLabel("SQNR vs fp32 (dB, higher is better)");
        plot.Axes.Top.IsVisible = false;
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "local: the tensor's own quantization on fp32 values", FillColor = Local });
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "accumulated: as the quantized model computes it", FillColor = Accumulated });
        plot.ShowLegend(Edge.Bottom);
        return plot.GetImageBytes(Width, 130 + (22 * Math.Max(layers.Count, 4)), ImageFormat.Png);
    }

    /// <summary>
    /// Histogram of an activation's fp32 values with its quantization range as dashed vertical lines and the smallest and
    /// largest value as dotted ones. The y axis is logarithmic (share of values per bin, %), so the long tails that decide
    /// the range stay visible next to the peak.
    /// </summary>
    public static byte[] ActivationHistogram(TensorDebugRecord tensor)
    {
        var plot = NewPlot();
        var h = tensor.Histogram!;
        long total = Math.Max(1, h.Counts.Sum());
        double smallest = h.Counts.Where(c => c > 0).Select(c => 100.0 * c / total).DefaultIfEmpty(1).Min();
        int floor = (int)Math.Floor(Math.Log10(smallest));
        var bars = h.Counts.Select((c, i) => (c, i)).Where(p => p.c > 0).Select(p => new Bar
        {
            Position = h.Start + ((p.i + 0.5) * h.BinWidth),
            ValueBase = floor,
            Value = Math.Log10(100.0 * p.c / total),
            Size = h.BinWidth,
            FillColor = Activation,
            LineWidth = 0,
        }).ToList();
        plot.Add.Bars(bars);
        var ticks = Enumerable.Range(floor, 3 - floor).Select(e => new Tick(e, Percent(e), true)).ToArray();
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks);
        plot.Axes.SetLimitsY(floor, 2.05);
        for (int i = 0; i < 2; i++)
        {
            var line = plot.Add.VerticalLine(i == 0 ? tensor.RangeMin : tensor.RangeMax, 2, ClipLine, LinePattern.Dashed);
            if (i == 0) line.LegendText = $"quantization range [{tensor.RangeMin:G4}, {tensor.RangeMax:G4}]";
        }
        // The bars come from a sample of the values; the exact extremes, which the diagnosis quotes, are marked apart.
        for (int i = 0; i < 2; i++)
        {
            var line = plot.Add.VerticalLine(i == 0 ? tensor.Origin.Min : tensor.Origin.Max, 1.5f, Extreme, LinePattern.Dotted);
            if (i == 0) line.LegendText = $"fp32 values reach [{tensor.Origin.Min:G4}, {tensor.Origin.Max:G4}]";
        }
        plot.ShowLegend(Edge.Bottom);
        plot.Title($"{Short(tensor.TensorName, 40)}: local {tensor.LocalSqnrDb:F1} dB, accumulated {tensor.SqnrDb:F1} dB, clipped {100 * tensor.Clip:G3} %", 12);
        plot.XLabel($"fp32 value of the {tensor.NodeType} {(tensor.IsNodeInput ? "input" : "output")}");
        plot.YLabel(h.FromSample ? "% of sampled values" : "% of values", 12); // short: the plot is 340 px high above its legend
        return plot.GetImageBytes(Width / 2 + 40, 340, ImageFormat.Png);
    }

    private static string Percent(int exponent) => exponent >= 0
        ? Math.Pow(10, exponent).ToString("0", System.Globalization.CultureInfo.InvariantCulture) + " %"
        : Math.Pow(10, exponent).ToString("0." + new string('#', -exponent), System.Globalization.CultureInfo.InvariantCulture) + " %";

    /// <summary>Per output channel: the float weight range as a bar from min to max, and the ends of the quantization range as dashes.</summary>
    public static byte[] WeightRanges(TensorDebugRecord tensor)
    {
        var plot = NewPlot();
        var ranges = tensor.ChannelRanges!;
        var bars = ranges.Select((r, c) => new Bar { Position = c, ValueBase = r.Min, Value = r.Max, FillColor = Weight, LineWidth = 0, Size = 0.8 }).ToList();
        plot.Add.Bars(bars);
        double[] xs = [.. Enumerable.Range(0, ranges.Count).Select(c => (double)c)];
        foreach (var ys in new[] { ranges.Select(r => (double)r.QuantMin).ToArray(), ranges.Select(r => (double)r.QuantMax).ToArray() })
        {
            // One short dash per channel at each end of its quantization range; no connecting line, channels are independent.
            var ends = plot.Add.ScatterPoints(xs, ys, ClipLine);
            ends.MarkerShape = MarkerShape.HorizontalBar;
            ends.MarkerSize = Math.Clamp(360f / ranges.Count, 3, 12);
            ends.MarkerLineWidth = 2;
        }
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "quantization range", LineColor = ClipLine, LineWidth = 2 });
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "fp32 min…max of the channel", FillColor = Weight });
        plot.Title($"{Short(tensor.TensorName, 48)}: SQNR {tensor.SqnrDb:F1} dB", 13);
        plot.XLabel(tensor.Channels > 1 ? "output channel (per-channel scales)" : "output channel (one per-tensor scale)");
        plot.YLabel("weight value");
        plot.ShowLegend(Edge.Bottom);
        return plot.GetImageBytes(Width / 2 + 40, 340, ImageFormat.Png);
    }

    private static Plot NewPlot()
    {
        var plot = new Plot();
        plot.FigureBackground.Color = Colors.White;
        return plot;
    }

    private static string Short(string text, int max) => text.Length <= max ? text : string.Concat(text.AsSpan(0, max - 1), "…");
}
