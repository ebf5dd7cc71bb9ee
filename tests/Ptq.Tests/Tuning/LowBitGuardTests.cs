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

    /// <summary>
    /// When 8-bit weights everywhere still miss the guard (the demo CNN with 3-bit weights and 4-bit activations, guard
    /// 0.999), the activations are
    /// kept float starting from the closest raised model: the raised layers keep their 8-bit weights, and the result is
    /// closer to float than keeping activations float from the plain 3-bit model, with no more of them float. Measured:
    /// plain 0.97102, all 4 layers raised 0.99811, then 1 of 5 activations float 0.99935 (the guard met); from the plain
    /// model 2 of 5 float reached 0.99594.
    /// </summary>
    [Fact]
    public void WhenRaisingIsNotEnoughActivationsAreKeptFloatFromTheRaisedModel()
    {
        const double Guard = 0.999;
        var settings = new StaticQuantizationSettings { Weights = QuantScheme.WeightDefault with { Bits = 3 }, Activations = QuantScheme.ActivationDefault with { Bits = 4 } };
        var samples = DemoData.Feeds(32).ToList();
        var input = new CalibrationInput.FromSamples(samples, samples.Count, new CalibrationSettings());
        var checkSamples = DemoData.Feeds(32, first: 1000).ToList();

        var guard = AccuracyGuard.Quantize(DemoModel.Build(), settings, input, checkSamples, guard: Guard);

        var search = Assert.IsType<FallbackResult>(guard.Search);
        Assert.True(search.RaisedFirst is not null, $"{search.Describe()}: {guard.PlainCosine:F5} → {guard.Cosine:F5}, met {search.TargetMet}");
        var raised = search.RaisedFirst;
        Assert.False(raised.TargetMet);
        Assert.Equal(8, raised.RaisedToBits);
        Assert.Null(search.RaisedToBits);
        Assert.StartsWith(raised.Describe() + ", then kept ", search.Describe());
        var bits = guard.Result.Tensors.Where(t => t.Kind == "Weight").ToDictionary(t => t.NodeName, t => t.Parameters.Scheme.Bits);
        Assert.All(raised.Reverted.Where(r => bits.ContainsKey(r.Node)), r => Assert.Equal(8, bits[r.Node]));
        Assert.True(guard.Cosine > raised.Cosine, $"guard cosine {guard.Cosine:F5}, raised alone {raised.Cosine:F5}");

        // The float search the guard ran before, from the plain 3-bit model.
        var run = StaticRun.Create(DemoModel.Build(), settings, input, forVariants: true, null);
        var check = OutputCheck.Measure(run.Plain.PreparedFloatModel, checkSamples);
        var fromPlain = MixedActivationBits.Search(run, settings, run.Plain, check.Cosine(run.Plain), check, Guard, highBits: null, maxPromoted: int.MaxValue,
            MixedActivationBits.DefaultRankingSamples, null, requireQuantized: true);
        Assert.True(guard.Cosine > fromPlain.Cosine && search.Reverted.Count <= fromPlain.Reverted.Count,
            $"from the raised model {guard.Cosine:F5} with {search.Reverted.Count} float, from the plain one {fromPlain.Cosine:F5} with {fromPlain.Reverted.Count}");
    }

    /// <summary>
    /// Weight-only, when 8-bit weights everywhere still miss the guard (the demo CNN at 3 bits, guard 0.99999): the
    /// layers kept float are chosen starting from the raised model, and the result is at least as close to float.
    /// </summary>
    [Fact]
    public void WeightOnlyKeepsLayersFloatFromTheRaisedModel()
    {
        var guard = WeightOnlyGuardAt3Bits(0.99999, out _);

        var search = Assert.IsType<FallbackResult>(guard.Search);
        Assert.True(search.RaisedFirst is { TargetMet: false, RaisedToBits: 8 }, search.Describe());
        Assert.StartsWith(search.RaisedFirst.Describe() + ", then kept ", search.Describe());
        Assert.True(guard.Cosine >= search.RaisedFirst.Cosine, $"guard cosine {guard.Cosine:F6}, raised alone {search.RaisedFirst.Cosine:F6}");
        var bits = guard.Result.Tensors.Where(t => t.Kind == "Weight").ToDictionary(t => t.NodeName, t => t.Parameters.Scheme.Bits);
        Assert.All(bits.Values, b => Assert.Equal(8, b)); // every layer still quantized was raised
    }

    [Fact]
    public void WeightOnlyLowBitLayersGetMoreBitsInsteadOfStayingFloat()
    {
        var guard = WeightOnlyGuardAt3Bits(0.99, out var plain);

        Assert.True(guard.PlainCosine < 0.98, $"the plain 3-bit model is too close to float ({guard.PlainCosine:F5}) for the test");
        Assert.True(guard.Passed, $"guard cosine {guard.Cosine:F5} (plain {guard.PlainCosine:F5})");
        Assert.Equal(8, guard.Search!.RaisedToBits);
        var bits = guard.Result.Tensors.Where(t => t.Kind == "Weight").Select(t => t.Parameters.Scheme.Bits).ToList();
        Assert.Equal(plain.Tensors.Count(t => t.Kind == "Weight"), bits.Count); // every layer still has quantized weights
        Assert.Contains(3, bits);
        Assert.Contains(8, bits);
    }

    /// <summary>The data-free guard at <paramref name="cosine"/> over the demo CNN's weights at 3 bits (weight-only).</summary>
    private static GuardResult WeightOnlyGuardAt3Bits(double cosine, out StaticQuantizationResult plain)
    {
        var settings = new StaticQuantizationSettings { Weights = QuantScheme.WeightDefault with { Bits = 3 } };
        StaticQuantizationResult Quantize(StaticQuantizationSettings s) => WeightOnlyQuantizer.Quantize(DemoModel.Build(), s);
        plain = Quantize(settings);
        var check = AccuracyGuard.CheckFor(DemoModel.Build(), plain, DemoData.Feeds(32, first: 1000).ToList(), null, null)!;
        return AccuracyGuard.DataFree(Quantize, settings, plain, check, cosine, null);
    }
}
