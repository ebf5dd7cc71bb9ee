using Ptq.Reports;

namespace Ptq.Tests.Reports;

/// <summary>Each rule of <see cref="LayerDiagnostics"/> on a record built to show exactly that cause, and the rules' order.</summary>
public sealed class LayerDiagnosticsTests
{
    private static readonly DiagnosisContext Eight = new(Samples: 16, Levels: 256, SharedConcat: null);

    [Fact]
    public void ManySaturatedValuesMeanCalibrationSawSmallerValues()
    {
        var d = LayerDiagnostics.Diagnose(Activation(max: 30, clip: 0.02, clipShare: 0.9), Eight);

        Assert.Equal(DiagnosisCause.RangeTooNarrow, d.Cause);
        Assert.Contains("2 % of the values lie outside [0, 10] (they reach 0 … 30) and are saturated, causing 90 % of its error", d.Finding, StringComparison.Ordinal);
        Assert.Contains("these 16 samples", d.Finding, StringComparison.Ordinal);
        Assert.Equal("calibrate on more samples like these (--calib-size, the same preprocessing flags), or a range over every calibration value: overrides: {\"conv_relu\": {method: minmax}}", d.Fix);
    }

    [Fact]
    public void AFewSaturatedOutliersThatCarryTheErrorAreOutliers()
    {
        var d = LayerDiagnostics.Diagnose(Activation(max: 15, clip: 0.0005, clipShare: 0.6), Eight with { RangeFrom = "conv_relu" });

        Assert.Equal(DiagnosisCause.OutliersClipped, d.Cause);
        Assert.Contains("a few outliers, up to 1.5× the end of the range. Its range is the one of 'conv_relu', which Relu passes on.", d.Finding, StringComparison.Ordinal);
        Assert.StartsWith("a range over every calibration value: overrides: {\"conv_relu\": {method: minmax}}", d.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void OneRangeOverChannelsOfVeryDifferentScaleIsChannelSpread()
    {
        // Eight channels: one spans the whole range [0, 10], the others 0.5 (the median): about 13 of 256 codes.
        var channels = Enumerable.Range(0, 8).Select(c => new ChannelRange(0, c == 0 ? 10 : 0.5f, 0, 10)).ToList();
        var d = LayerDiagnostics.Diagnose(Activation(max: 10) with { ChannelRanges = channels }, Eight);

        Assert.Equal(DiagnosisCause.ChannelSpread, d.Cause);
        Assert.Equal("its 8 channels share one range [0, 10]: the widest spans 10, the median channel 0.5, about 13 of the 256 codes.", d.Finding);
        Assert.StartsWith("--cle", d.Fix, StringComparison.Ordinal);
        // Even channels are not a spread; clipping that dominates is named first.
        Assert.Equal(DiagnosisCause.Rounding, LayerDiagnostics.Diagnose(Activation(max: 10) with { ChannelRanges = [.. channels.Select(c => c with { Max = 9 })] }, Eight).Cause);
        Assert.Equal(DiagnosisCause.RangeTooNarrow, LayerDiagnostics.Diagnose(Activation(max: 30, clip: 0.02, clipShare: 0.9) with { ChannelRanges = channels }, Eight).Cause);
    }

    [Fact]
    public void ARangeSharedWithAConcatThatTheTensorDoesNotFillNamesTheConcat()
    {
        var d = LayerDiagnostics.Diagnose(Activation(max: 4), Eight with { SharedConcat = "fire9/concat" });

        Assert.Equal(DiagnosisCause.SharedConcatRange, d.Cause);
        Assert.Contains("it takes the range [0, 10] of Concat 'fire9/concat'", d.Finding, StringComparison.Ordinal);
        Assert.Contains("its own values reach 4 (40 % of it), so its steps are 2.5× coarser", d.Finding, StringComparison.Ordinal);
        Assert.StartsWith("more bits for the Concat and the inputs that share its range: overrides: {\"fire9/concat\": {act-bits: 16}}", d.Fix, StringComparison.Ordinal);
        // Without a Concat the unused part of the range is calibration's choice.
        Assert.Equal(DiagnosisCause.RangeUnused, LayerDiagnostics.Diagnose(Activation(max: 4), Eight).Cause);
    }

    [Fact]
    public void ARangeTheValuesFillLeavesRounding()
    {
        var d = LayerDiagnostics.Diagnose(Activation(max: 9), Eight);

        Assert.Equal(DiagnosisCause.Rounding, d.Cause);
        Assert.Equal("its values fill 90 % of the range [0, 10] with 256 codes (step 0.03922): what is left is the rounding of that many bits.", d.Finding);
        Assert.Equal("more bits for it: overrides: {\"conv_relu\": {act-bits: 16}}", d.Fix);
    }

    [Fact]
    public void APerTensorWeightOverChannelsOfDifferentScaleNeedsPerChannelScales()
    {
        var channels = Enumerable.Range(0, 6).Select(c => new ChannelRange(c == 0 ? -10 : -0.2f, c == 0 ? 10 : 0.2f, -10, 10)).ToList();
        var weight = Activation(max: 10) with { Role = TensorRole.Weight, RangeMin = -10, Origin = Summary(-10, 10), ChannelRanges = channels };

        var d = LayerDiagnostics.Diagnose(weight, Eight);

        Assert.Equal(DiagnosisCause.ChannelSpread, d.Cause);
        Assert.Equal("--granularity per-channel (a scale per output channel)", d.Fix);
    }

    private static TensorSummary Summary(double min, double max) => new(100, min, 0, 0, 0, max, 0, 0, 0, true);

    // An activation written by "conv_relu" with the range [0, 10], values 0 … max.
    private static TensorDebugRecord Activation(double max, double clip = 0, double clipShare = 0) =>
        new("conv_relu", "Relu", "t", false, TensorRole.Activation, Summary(0, max), Summary(0, Math.Min(max, 10)), clip, 0.99, 30, 0, 10, 1, null, null, 30, clipShare);
}
