using ScottPlot;

namespace Ptq.Reports;

/// <summary>The PNG charts of the HTML debug report, drawn with ScottPlot in memory.</summary>
internal static class DebugCharts
{
    private const int Width = 1000;
    private static readonly Color Activation = Color.FromHex("#1f77b4");
    private static readonly Color Weight = Color.FromHex("#ff7f0e");
    private static readonly Color Bias = Color.FromHex("#2ca02c");
    private static readonly Color ClipLine = Color.FromHex("#d62728");

    /// <summary>Horizontal bars of SQNR per tensor, worst at the top; infinite SQNR is drawn at the largest finite value.</summary>
    public static byte[] SqnrBars(IReadOnlyList<LayerError> layers)
    {
        var plot = NewPlot();
        double finiteMax = layers.Select(l => l.SqnrDb).Where(double.IsFinite).DefaultIfEmpty(1).Max();
        var bars = new List<Bar>();
        var ticks = new List<Tick>();
        for (int i = 0; i < layers.Count; i++)
        {
            var l = layers[i];
            double position = layers.Count - 1 - i;
            double value = double.IsNaN(l.SqnrDb) ? 0 : double.IsPositiveInfinity(l.SqnrDb) ? finiteMax : double.IsNegativeInfinity(l.SqnrDb) ? 0 : l.SqnrDb;
            bars.Add(new Bar { Position = position, Value = value, FillColor = ColorOf(l.Role), LineWidth = 0, Size = 0.8 });
            ticks.Add(new Tick(position, $"{Short(l.TensorName, 36)} ({l.Role.ToString().ToLowerInvariant()})", true));
        }
        var plottable = plot.Add.Bars(bars);
        plottable.Horizontal = true;
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual([.. ticks]);
        plot.Axes.Left.MajorTickStyle.Length = 0;
        plot.Axes.Left.TickLabelStyle.FontSize = 11;
        plot.Axes.Margins(left: 0, right: 0.05, bottom: 0.01, top: 0.01);
        plot.XLabel("SQNR of the dequantized tensor vs fp32 (dB, higher is better)");
        plot.Axes.Top.IsVisible = false;
        AddRoleLegend(plot, layers.Select(l => l.Role).Distinct());
        plot.Legend.Alignment = Alignment.LowerRight;
        return plot.GetImageBytes(Width, 90 + (18 * Math.Max(layers.Count, 4)), ImageFormat.Png);
    }

    /// <summary>Histogram (share of values per bin, %) of an activation with its quantization range as vertical lines.</summary>
    public static byte[] ActivationHistogram(TensorDebugRecord tensor)
    {
        var plot = NewPlot();
        var h = tensor.Histogram!;
        long total = Math.Max(1, h.Counts.Sum());
        var bars = h.Counts.Select((c, i) => new Bar
        {
            Position = h.Start + ((i + 0.5) * h.BinWidth),
            Value = 100.0 * c / total,
            Size = h.BinWidth,
            FillColor = Activation,
            LineWidth = 0,
        }).ToList();
        plot.Add.Bars(bars);
        foreach (var (x, label) in new[] { ((double)tensor.RangeMin, "range min"), ((double)tensor.RangeMax, "range max") })
        {
            var line = plot.Add.VerticalLine(x, 2, ClipLine, LinePattern.Dashed);
            line.Text = $"{label} {x:G4}";
            line.LabelOppositeAxis = true;
            line.LabelFontSize = 11;
        }
        plot.Title($"{Short(tensor.TensorName, 60)} (written by {Short(tensor.NodeName, 40)}, {tensor.NodeType})", 13);
        plot.XLabel("fp32 activation value");
        plot.YLabel(h.FromSample ? "share of sampled values (%)" : "share of values (%)");
        plot.Axes.Margins(bottom: 0);
        return plot.GetImageBytes(Width / 2, 320, ImageFormat.Png);
    }

    /// <summary>Per output channel: the float weight range as a bar from min to max, and the quantization range as lines.</summary>
    public static byte[] WeightRanges(TensorDebugRecord tensor)
    {
        var plot = NewPlot();
        var ranges = tensor.ChannelRanges!;
        var bars = ranges.Select((r, c) => new Bar { Position = c, ValueBase = r.Min, Value = r.Max, FillColor = Weight, LineWidth = 0, Size = 0.8 }).ToList();
        plot.Add.Bars(bars);
        double[] xs = [.. Enumerable.Range(0, ranges.Count).Select(c => (double)c)];
        foreach (var (ys, label) in new[] { (ranges.Select(r => (double)r.QuantMin).ToArray(), "quantization range"), (ranges.Select(r => (double)r.QuantMax).ToArray(), "") })
        {
            var line = plot.Add.ScatterLine(xs, ys, ClipLine);
            line.LinePattern = LinePattern.Dashed;
            line.LineWidth = 1.5f;
            line.ConnectStyle = ConnectStyle.StepHorizontal;
            if (label.Length > 0) line.LegendText = label;
        }
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "fp32 min…max of the channel", FillColor = Weight });
        plot.Title($"{Short(tensor.TensorName, 60)} (read by {Short(tensor.NodeName, 40)}, {tensor.NodeType})", 13);
        plot.XLabel(tensor.Channels > 1 ? "output channel (per-channel scales)" : "output channel (one per-tensor scale)");
        plot.YLabel("weight value");
        plot.Legend.Alignment = Alignment.UpperRight;
        return plot.GetImageBytes(Width / 2, 320, ImageFormat.Png);
    }

    private static Plot NewPlot()
    {
        var plot = new Plot();
        plot.FigureBackground.Color = Colors.White;
        return plot;
    }

    private static void AddRoleLegend(Plot plot, IEnumerable<TensorRole> roles)
    {
        foreach (var role in roles.Order())
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = role.ToString().ToLowerInvariant(), FillColor = ColorOf(role) });
    }

    private static Color ColorOf(TensorRole role) => role switch
    {
        TensorRole.Activation => Activation,
        TensorRole.Weight => Weight,
        _ => Bias,
    };

    private static string Short(string text, int max) => text.Length <= max ? text : string.Concat(text.AsSpan(0, max - 1), "…");
}
