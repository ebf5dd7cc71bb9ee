using Ptq.Demo;
using Ptq.Pipeline;
using Ptq.Quantization;
using Ptq.Tuning;

namespace Ptq.Tests.Tuning;

public class AccuracyFallbackTests
{
    private static readonly StaticQuantizationSettings FourBitWeights = new() { Weights = new QuantScheme(4, QuantMode.Symmetric, NarrowRange: true) };

    private static FallbackResult Run(double target, int maxReverts = 16) =>
        AccuracyFallback.Quantize(DemoModel.Build(), FourBitWeights,
            new CalibrationInput.FromSamples(DemoData.Feeds(32).ToList(), 32, new CalibrationSettings()),
            DemoData.Feeds(8, first: 500).ToList(), target, maxReverts);

    [Fact]
    public void RevertsSensitiveNodesUntilTheTargetHolds()
    {
        var start = Run(0.5, maxReverts: 0); // what 4-bit weights give with nothing reverted
        Assert.True(start.TargetMet);
        Assert.True(start.Cosine < 0.9995, $"4-bit start cosine {start.Cosine}");

        var tuned = Run(0.9995);
        Assert.True(tuned.TargetMet, $"cosine {tuned.Cosine} after reverting {tuned.Reverted.Count}");
        Assert.True(tuned.Cosine >= 0.9995);
        Assert.NotEmpty(tuned.Reverted);
        Assert.All(tuned.Reverted, r => Assert.Contains(tuned.Result.Plan.FloatNodes, f => f.Node.Name == r.Node));
    }

    [Fact]
    public void AnUnreachableBudgetReportsTheTargetAsMissed()
    {
        var result = Run(0.9999999, maxReverts: 1);
        Assert.False(result.TargetMet);
        Assert.Single(result.Reverted);
    }

    [Fact]
    public void MixedBitsRaiseSensitiveLayersToEightBits()
    {
        var result = AccuracyFallback.MixedBits(DemoModel.Build(), FourBitWeights,
            new CalibrationInput.FromSamples(DemoData.Feeds(32).ToList(), 32, new CalibrationSettings()),
            DemoData.Feeds(8, first: 500).ToList(), targetCosine: 0.999);
        // Measured: all 4-bit < 0.9964; block2_conv to 8 bits 0.9964, block1b_conv 0.9981, block1a_conv 0.9994.
        Assert.True(result.TargetMet, $"cosine {result.Cosine}");
        Assert.NotEmpty(result.Reverted);
        var bits = result.Result.Tensors.Where(t => t.Kind == "Weight").ToDictionary(t => t.NodeName, t => t.Parameters.Scheme.Bits);
        Assert.All(result.Reverted, r => Assert.Equal(8, bits[r.Node]));
        Assert.Equal(4, bits["stem_conv"]); // the least sensitive layer stays at 4 bits
        Assert.Equal(3, result.Reverted.Count);
        Assert.DoesNotContain(result.Result.Plan.FloatNodes, f => result.Reverted.Any(r => r.Node == f.Node.Name));
    }
}
