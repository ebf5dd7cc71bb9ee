using Ptq.Onnx;
using Ptq.Passes;
using Ptq.Pipeline;
using Ptq.Reports;
using Ptq.Runtime;
using Xunit.Abstractions;

namespace Ptq.Tests.Reports;

/// <summary>The debugger's local error, diagnosis and node origins on small models built to show each.</summary>
public sealed class DiagnosisOnModelTests(ITestOutputHelper output)
{
    /// <summary>
    /// <see cref="TestModels.OutlierChannelConvs"/>: the Relu output "r" has one channel 40× the others under one range. The
    /// report ranks it first by local error though a later tensor has the lower accumulated SQNR, names the channel spread
    /// and proposes --cle; quantizing with --cle raises r's local SQNR and the output's, and the debugger, seeing weights
    /// that only match after equalization, compares with the equalized fp32 model and says so.
    /// </summary>
    [Fact]
    public void ChannelSpreadIsFoundAndTheProposedFixHelps()
    {
        var model = new OnnxModel(TestModels.OutlierChannelConvs());
        var samples = Enumerable.Range(0, 8).Select(i => (IReadOnlyDictionary<string, TensorValue>)SampleFeeds.For(model, seed: i)).ToList();

        var plain = Debug(model, samples, new StaticQuantizationSettings());
        var r = plain.Tensors.Single(t => t.TensorName == "r");
        var d = plain.Diagnoses.Single(x => x.TensorName == "r");
        output.WriteLine($"plain: r local {r.LocalSqnrDb:F2} dB, accumulated {r.SqnrDb:F2} dB; output SQNR {plain.Output.SqnrDb:F2} dB; {d.Finding}");
        Assert.Equal("r", plain.Layers[0].TensorName);
        Assert.True(plain.Layers.Any(l => l.SqnrDb < plain.Layers[0].SqnrDb), "a later tensor carries more accumulated error than where it starts");
        Assert.Equal(DiagnosisCause.ChannelSpread, d.Cause);
        Assert.Contains("its 8 channels share one range", d.Finding, StringComparison.Ordinal);
        Assert.StartsWith("--cle", d.Fix, StringComparison.Ordinal);

        var equalized = Debug(model, samples, new StaticQuantizationSettings { CrossLayerEqualization = true });
        var rCle = equalized.Tensors.Single(t => t.TensorName == "r");
        output.WriteLine($"--cle: r local {rCle.LocalSqnrDb:F2} dB; output SQNR {equalized.Output.SqnrDb:F2} dB");
        Assert.Contains(equalized.Notes, n => n.Contains("after cross-layer equalization (it was made with --cle)", StringComparison.Ordinal));
        Assert.All(equalized.Tensors.Where(t => t.Role == TensorRole.Weight), t => Assert.True(t.SqnrDb > 30, $"{t.TensorName}: {t.SqnrDb:F1} dB"));
        Assert.True(rCle.LocalSqnrDb > r.LocalSqnrDb + 6, $"r local {r.LocalSqnrDb:F2} → {rCle.LocalSqnrDb:F2} dB");
        Assert.True(equalized.Output.SqnrDb > plain.Output.SqnrDb + 3, $"output SQNR {plain.Output.SqnrDb:F2} → {equalized.Output.SqnrDb:F2} dB");
    }

    /// <summary>The channel Pad Ptq puts before an RGB first Conv is named as Ptq's, with the Conv it serves.</summary>
    [Fact]
    public void APaddedFirstConvIsShownAsAddedByPtq()
    {
        var model = new OnnxModel(TestModels.Model(PaddableConv()));
        var samples = Enumerable.Range(0, 4).Select(i => (IReadOnlyDictionary<string, TensorValue>)SampleFeeds.For(model, seed: i)).ToList();

        var report = Debug(model, samples, new StaticQuantizationSettings());

        string pad = "conv" + InputChannelPadding.NodeSuffix;
        Assert.Contains(report.Tensors, t => t.NodeName == pad);
        Assert.Equal("added by Ptq: zero-pads the channels of 'X' to four for 'conv' (ONNX Runtime's int8 Conv is faster with four).", report.NodeOrigins[pad]);
        Assert.False(report.NodeOrigins.ContainsKey("conv"));
    }

    /// <summary>A node the opset upgrade rewrote (a legacy op) and nodes it added are related to the user's node.</summary>
    [Fact]
    public void NodesOfTheOpsetUpgradeAreRelatedToTheUsersNode()
    {
        // Opset 7: Upsample (removed in opset 10) becomes Resize; the Resize writes the Upsample's output.
        var graph = new Ptq.Onnx.Proto.GraphProto { Name = "legacy" };
        graph.Input.Add(TestModels.FloatInfo("X", 1, 2, 4, 4));
        graph.Output.Add(TestModels.FloatInfo("Y", 1, 2, 8, 8));
        graph.Node.Add(TestModels.Node("Upsample", "up", ["X"], ["Y"],
            new Ptq.Onnx.Proto.AttributeProto { Name = "scales", Type = Ptq.Onnx.Proto.AttributeProto.Types.AttributeType.Floats, Floats = { 1, 1, 2, 2 } }));
        var user = new OnnxModel(TestModels.Model(graph, opset: 7));
        var prepared = Ptq.Graph.OnnxGraph.FromModel(ModelPreparation.Prepare(user).Model, promoteConstants: true);

        var origins = PreparedNodeOrigins.Describe(user, prepared, prepared.Nodes.Select(n => n.DisplayName));

        foreach (var (node, origin) in origins) output.WriteLine($"{node}: {origin}");
        var resize = prepared.Nodes.Single(n => n.OpType == "Resize");
        Assert.Equal("Ptq's opset upgrade (opset 7 → 13) replaced the model's Upsample 'up' with this Resize.", origins[resize.DisplayName]);
        Assert.All(origins.Where(o => o.Key != resize.DisplayName), o => Assert.Contains("opset upgrade (opset 7 → 13) for 'up'", o.Value, StringComparison.Ordinal));
    }

    private static DebugReport Debug(OnnxModel model, List<IReadOnlyDictionary<string, TensorValue>> samples, StaticQuantizationSettings settings)
    {
        var result = StaticQuantizer.Quantize(model, settings, new CalibrationInput.FromSamples(samples, samples.Count, new CalibrationSettings()));
        return Debugger.Run(model, result.Model, samples, new DebugOptions { IntraOpThreads = 1 });
    }

    // X[1,3,64,64] → Conv "conv" (3→8, 3×3) → Relu → Y: an RGB first Conv, which preparation pads to four channels.
    private static Ptq.Onnx.Proto.GraphProto PaddableConv()
    {
        var random = new Random(11);
        var graph = new Ptq.Onnx.Proto.GraphProto { Name = "rgb_conv" };
        graph.Input.Add(TestModels.FloatInfo("X", 1, 3, 64, 64));
        graph.Output.Add(TestModels.FloatInfo("Y", 1, 8, 62, 62));
        graph.Initializer.Add(TestModels.RandomFloats("w", random, 8, 3, 3, 3));
        graph.Node.Add(TestModels.Node("Conv", "conv", ["X", "w"], ["c"], Ptq.Graph.Node.IntsAttribute("kernel_shape", [3, 3])));
        graph.Node.Add(TestModels.Node("Relu", "relu", ["c"], ["Y"]));
        return graph;
    }
}
