using Ptq.Demo;
using Ptq.Pipeline;
using Ptq.Quantization;
using Ptq.Tuning;

namespace Ptq.Tests.Tuning;

/// <summary>
/// The accuracy guard over low-bit weights raises the weights of the layers that cost most to 8 bits before it keeps
/// anything float, so the model stays integer (the demo CNN with 3-bit weights, guard 0.99).
/// </summary>
public sealed class LowBitGuardTests
{
    [Fact]
    public void LowBitWeightsGetMoreBitsBeforeAnythingIsKeptFloat()
    {
        var settings = new StaticQuantizationSettings { Weights = QuantScheme.WeightDefault with { Bits = 3 } };
        var samples = DemoData.Feeds(32).ToList();
        var input = new CalibrationInput.FromSamples(samples, samples.Count, new CalibrationSettings());
        var check = DemoData.Feeds(32, first: 1000).ToList();
        var plain = StaticQuantizer.Quantize(DemoModel.Build(), settings, input);

        var guard = AccuracyGuard.Quantize(DemoModel.Build(), settings, input, check, guard: 0.99);

        // Measured: plain 0.971; the three costliest layers per weight at 8 bits 0.992, the last (block1a) stays at 3 bits.
        Assert.True(guard.PlainCosine < 0.98, $"the plain 3-bit model is too close to float ({guard.PlainCosine:F5}) for the test");
        Assert.True(guard.Passed, $"guard cosine {guard.Cosine:F5} (plain {guard.PlainCosine:F5})");
        var search = Assert.IsType<FallbackResult>(guard.Search);
        Assert.Equal(8, search.RaisedToBits);
        var bits = guard.Result.Tensors.Where(t => t.Kind == "Weight").ToDictionary(t => t.NodeName, t => t.Parameters.Scheme.Bits);
        Assert.Equal(search.Reverted.Select(r => r.Node).Order(StringComparer.Ordinal), bits.Where(b => b.Value == 8).Select(b => b.Key).Order(StringComparer.Ordinal));
        Assert.Contains(3, bits.Values);
        // Nothing more is float than in the plain quantization: the same nodes.
        Assert.Equal(plain.Plan.FloatNodes.Select(f => f.Node.Name).Order(StringComparer.Ordinal), guard.Result.Plan.FloatNodes.Select(f => f.Node.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void WeightOnlyLowBitLayersGetMoreBitsInsteadOfStayingFloat()
    {
        var settings = new StaticQuantizationSettings { Weights = QuantScheme.WeightDefault with { Bits = 3 } };
        StaticQuantizationResult Quantize(StaticQuantizationSettings s) => WeightOnlyQuantizer.Quantize(DemoModel.Build(), s);
        var plain = Quantize(settings);
        var check = AccuracyGuard.CheckFor(DemoModel.Build(), plain, DemoData.Feeds(32, first: 1000).ToList(), null, null)!;

        var guard = AccuracyGuard.DataFree(Quantize, settings, plain, check, 0.99, null);

        Assert.True(guard.PlainCosine < 0.98, $"the plain 3-bit model is too close to float ({guard.PlainCosine:F5}) for the test");
        Assert.True(guard.Passed, $"guard cosine {guard.Cosine:F5} (plain {guard.PlainCosine:F5})");
        Assert.Equal(8, guard.Search!.RaisedToBits);
        var bits = guard.Result.Tensors.Where(t => t.Kind == "Weight").Select(t => t.Parameters.Scheme.Bits).ToList();
        Assert.Equal(plain.Tensors.Count(t => t.Kind == "Weight"), bits.Count); // every layer still has quantized weights
        Assert.Contains(3, bits);
        Assert.Contains(8, bits);
    }
}
