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
}
