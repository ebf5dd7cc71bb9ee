using System.Globalization;

namespace Ptq.Reports;

/// <summary>What <see cref="LayerDiagnostics.Diagnose"/> needs to know beyond the tensor's own record.</summary>
/// <param name="Samples">Debug samples the figures come from.</param>
/// <param name="Levels">Number of codes of the tensor's integer type (256 for 8 bits).</param>
/// <param name="SharedConcat">The Concat node whose output range this activation reuses (Ptq's shared Concat scale), or null.</param>
/// <param name="RangeFrom">The node whose output range a data-movement op (MaxPool, Reshape…) passes on to this activation,
/// or null when the range is its own: overrides must name that node.</param>
internal sealed record DiagnosisContext(int Samples, long Levels, string? SharedConcat, string? RangeFrom = null);

/// <summary>
/// Names, from the measured data alone, why a tensor's own quantization loses precision and which flag or recipe
/// override addresses it. The first rule that holds wins, in this order:
/// <list type="number">
/// <item>saturation causes at least half of the local error: many values out of range (≥ 1 %) means calibration saw
/// smaller values than the debug samples (<see cref="DiagnosisCause.RangeTooNarrow"/>), fewer means a few outliers
/// (<see cref="DiagnosisCause.OutliersClipped"/>);</item>
/// <item>one per-tensor range over channels whose median spans at most 1/8 of it while the widest spans at least half
/// (<see cref="DiagnosisCause.ChannelSpread"/>);</item>
/// <item>the values fill less than 70 % of the range: because a Concat shares its range
/// (<see cref="DiagnosisCause.SharedConcatRange"/>) or because calibration chose a wider one
/// (<see cref="DiagnosisCause.RangeUnused"/>);</item>
/// <item>otherwise the error is the rounding of that many bits (<see cref="DiagnosisCause.Rounding"/>).</item>
/// </list>
/// </summary>
internal static class LayerDiagnostics
{
    /// <summary>Saturation is the cause when it makes at least this share of the local error.</summary>
    public const double ClipDominates = 0.5;

    /// <summary>At least this fraction of values saturated is more than outliers: the range is too narrow for the data.</summary>
    public const double ManyClipped = 0.01;

    /// <summary>The median channel spans at most this share of the shared range …</summary>
    public const double NarrowChannel = 1.0 / 8;

    /// <summary>… while the widest spans at least this share.</summary>
    public const double WideChannel = 0.5;

    /// <summary>Values filling less than this share of the range waste codes.</summary>
    public const double UsedRange = 0.7;

    /// <summary>The diagnosis of <paramref name="tensor"/> (an activation or weight of a debug report).</summary>
    public static LayerDiagnosis Diagnose(TensorDebugRecord tensor, DiagnosisContext context)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        ArgumentNullException.ThrowIfNull(context);
        double lo = tensor.RangeMin, hi = tensor.RangeMax, width = hi - lo;
        double seenMin = tensor.Origin.Min, seenMax = tensor.Origin.Max;
        double used = width > 0 ? (Math.Min(seenMax, hi) - Math.Max(seenMin, lo)) / width : 1;
        string range = $"[{G(lo)}, {G(hi)}]";
        bool weight = tensor.Role != TensorRole.Activation;
        string? concat = weight ? null : context.SharedConcat;
        string owner = concat ?? context.RangeFrom ?? tensor.NodeName; // the node an override must name to change this range
        string passedOn = concat is not null ? $" Its range is the one of Concat '{concat}', shared with the Concat's other inputs."
            : context.RangeFrom is { } from ? $" Its range is the one of '{from}', which {tensor.NodeType} passes on." : "";
        string moreBits = MoreBits(tensor, weight, context.Levels, owner);
        string? fullRange = FullRange(tensor, weight, owner);

        if (tensor.Clip > 0 && tensor.ClipErrorShare >= ClipDominates)
        {
            string saturated = $"{P(tensor.Clip)} of the values lie outside {range} (they reach {G(seenMin)} … {G(seenMax)}) and are saturated, " +
                $"causing {P(tensor.ClipErrorShare)} of its error";
            return tensor.Clip >= ManyClipped
                ? new(tensor.TensorName, DiagnosisCause.RangeTooNarrow,
                    $"{saturated}: calibration saw smaller values than these {context.Samples} samples (too few calibration samples, or unlike these).{passedOn}",
                    "calibrate on more samples like these (--calib-size, the same preprocessing flags)" + (fullRange is null ? "" : $", or {fullRange}"))
                : new(tensor.TensorName, DiagnosisCause.OutliersClipped,
                    $"{saturated}: a few outliers, up to {G(Math.Max(Math.Abs(seenMin), Math.Abs(seenMax)) / Math.Max(Math.Abs(lo), Math.Abs(hi)))}× the end of the range.{passedOn}",
                    weight ? "--weight-method minmax (ranges cover every weight)"
                        : (fullRange is null ? "" : $"{fullRange}, or ") + "--method percentile --percentile 99.999 for every activation");
        }

        if (tensor.Channels == 1 && tensor.ChannelRanges is { Count: >= 4 } channels && width > 0)
        {
            double[] spans = [.. channels.Select(c => Math.Max(0, (double)c.Max - c.Min)).Order()];
            double median = spans[spans.Length / 2], widest = spans[^1];
            if (median <= NarrowChannel * width && widest >= WideChannel * width)
            {
                double step = width / (context.Levels - 1);
                return new(tensor.TensorName, DiagnosisCause.ChannelSpread,
                    $"its {spans.Length} channels share one range {range}: the widest spans {G(widest)}, the median channel {G(median)}, " +
                    $"about {median / step:F0} of the {context.Levels} codes.",
                    weight ? "--granularity per-channel (a scale per output channel)"
                        : $"--cle (evens out the channels of Conv → Conv pairs), or {moreBits}");
            }
        }

        if (used < UsedRange && tensor.Clip <= 0.0001)
        {
            if (concat is not null)
            {
                return new(tensor.TensorName, DiagnosisCause.SharedConcatRange,
                    $"it takes the range {range} of Concat '{concat}', which the Concat's other inputs need; its own values reach {G(seenMax)} ({P(used)} of it), " +
                    $"so its steps are {1 / used:F1}× coarser than a range of its own would give.",
                    $"more bits for the Concat and the inputs that share its range: overrides: {{\"{concat}\": {{act-bits: 16}}}}, or --skip {concat}");
            }
            return new(tensor.TensorName, DiagnosisCause.RangeUnused,
                $"its values over these {context.Samples} samples reach {G(seenMin)} … {G(seenMax)}, {P(used)} of the range {range}: " +
                $"calibration chose a range {1 / used:F1}× wider than these samples need (rare large values, or samples unlike these).{passedOn}",
                weight ? "--weight-method mse (ranges that trade the largest weights for finer steps)"
                    : "debug on samples like the calibration ones; if they are alike, --method percentile trims rare extremes");
        }

        return new(tensor.TensorName, DiagnosisCause.Rounding,
            $"its values fill {P(Math.Min(1, used))} of the range {range} with {context.Levels} codes (step {G(width / (context.Levels - 1))}): " +
            $"what is left is the rounding of that many bits.{passedOn}",
            moreBits);
    }

    private static string MoreBits(TensorDebugRecord tensor, bool weight, long levels, string owner)
    {
        if (weight)
            return levels < 256 ? $"8-bit weights for it: overrides: {{\"{tensor.NodeName}\": {{weight-bits: 8}}}}" : "--weight-method mse (weight ranges chosen for the least error)";
        return tensor.IsNodeInput
            ? $"keep the node reading it float: --skip {tensor.NodeName}"
            : $"more bits for it: overrides: {{\"{owner}\": {{act-bits: 16}}}}";
    }

    private static string? FullRange(TensorDebugRecord tensor, bool weight, string owner) =>
        weight || tensor.IsNodeInput ? null : $"a range over every calibration value: overrides: {{\"{owner}\": {{method: minmax}}}}";

    private static string G(double value) => value.ToString("G4", CultureInfo.InvariantCulture);

    private static string P(double fraction) => (100 * fraction).ToString(fraction < 0.01 ? "G2" : "F0", CultureInfo.InvariantCulture) + " %";
}
