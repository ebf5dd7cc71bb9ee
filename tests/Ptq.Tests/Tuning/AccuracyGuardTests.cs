using Google.Protobuf;
using Ptq.Onnx;
using Ptq.Onnx.Proto;
using Ptq.Pipeline;
using Ptq.Runtime;
using Ptq.Tuning;

namespace Ptq.Tests.Tuning;

/// <summary>
/// <see cref="AccuracyGuard"/> on <see cref="TestModels.OutlierChannelConvs"/> (plain 8-bit output cosine about 0.993)
/// with an integer ArgMax output added, as exported classifiers often have: the guard compares the float outputs only.
/// </summary>
public sealed class AccuracyGuardTests
{
    [Fact]
    public void IntegerOutputsAreLeftOutOfTheComparison()
    {
        var model = WithLabel(keepFloatOutput: true);
        var samples = Samples(model);

        var guard = AccuracyGuard.Quantize(model, new StaticQuantizationSettings(), Input(samples), samples);

        Assert.True(guard.Ran);
        Assert.InRange(guard.PlainCosine, 0.99, 0.995); // the float output's cosine; label indices would swamp it
        Assert.True(guard.Passed, $"cosine {guard.Cosine}");
        Assert.Equal("wide", Assert.Single(guard.Search!.Reverted).Node);
    }

    [Fact]
    public void AModelWithoutFloatOutputsIsWrittenPlainAndTheGuardSaysItDidNotRun()
    {
        var model = WithLabel(keepFloatOutput: false);
        var samples = Samples(model);
        var input = Input(samples);

        var guard = AccuracyGuard.Quantize(model, new StaticQuantizationSettings(), input, samples);
        var plain = StaticQuantizer.Quantize(model, new StaticQuantizationSettings(), input);

        Assert.False(guard.Ran);
        Assert.Null(guard.Search);
        Assert.Equal(plain.Model.Proto.ToByteArray(), guard.Result.Model.Proto.ToByteArray());
        // The written model still computes the labels: per pixel they agree with float almost everywhere.
        using var fp32 = new OrtRunner(model);
        using var int8 = new OrtRunner(guard.Result.Model);
        var pairs = samples.SelectMany(s => fp32.Run(s)["label"].ToFloats().Zip(int8.Run(s)["label"].ToFloats())).ToList();
        double agreement = pairs.Count(p => p.First == p.Second) / (double)pairs.Count;
        Assert.True(agreement >= 0.9, $"label agreement {agreement:P1}");
    }

    /// <summary>Float outputs too large to keep are recomputed for each comparison, with the same cosine.</summary>
    [Fact]
    public void LargeFloatOutputsAreRecomputedInsteadOfKept()
    {
        var model = new OnnxModel(TestModels.OutlierChannelConvs());
        var samples = Samples(model);
        var result = StaticQuantizer.Quantize(model, new StaticQuantizationSettings(), Input(samples));

        double kept = OutputCheck.Measure(result.PreparedFloatModel, samples).Cosine(result);
        double recomputed = OutputCheck.Measure(result.PreparedFloatModel, samples, maxKeptBytes: 0).Cosine(result);

        Assert.InRange(kept, 0.99, 0.995);
        Assert.Equal(kept, recomputed);
    }

    /// <summary>The outlier model with "label" = ArgMax(Y, axis 1) as an int64 output, with or without Y.</summary>
    private static OnnxModel WithLabel(bool keepFloatOutput)
    {
        var proto = TestModels.OutlierChannelConvs();
        proto.Graph.Node.Add(TestModels.Node("ArgMax", "argmax", ["Y"], ["label"], Ptq.Graph.Node.IntAttribute("axis", 1)));
        var label = TestModels.FloatInfo("label", 1, 1, 16, 16);
        label.Type.TensorType.ElemType = (int)TensorProto.Types.DataType.Int64;
        if (!keepFloatOutput)
            proto.Graph.Output.Clear();
        proto.Graph.Output.Add(label);
        return new OnnxModel(proto);
    }

    private static List<IReadOnlyDictionary<string, TensorValue>> Samples(OnnxModel model) =>
        [.. Enumerable.Range(0, 16).Select(s => (IReadOnlyDictionary<string, TensorValue>)SampleFeeds.For(model, seed: s))];

    private static CalibrationInput.FromSamples Input(List<IReadOnlyDictionary<string, TensorValue>> samples) =>
        new(samples, samples.Count, new CalibrationSettings());
}
