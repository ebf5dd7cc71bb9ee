using Ptq.Graph;
using Ptq.Onnx;
using Ptq.Passes;
using Ptq.Passes.Shapes;
using Ptq.Pipeline;
using Ptq.Runtime;
using Xunit.Abstractions;

namespace Ptq.Tests.Passes;

public class ShapeInferenceTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void DynamicBatch_CarriesThroughConvReshapeAndGemm_AndTheStaleDeclarationIsFound(bool shapeChain)
    {
        using var model = StaleShapeModel.Build(shapeChain);
        var graph = OnnxGraph.FromModel(model, promoteConstants: false);
        var shapes = ShapeInference.Infer(graph, model.DefaultOpset);

        var table = shapes.For(graph)!;
        Assert.Equal("[N,16,12,12]", Dim.Format(table.Shape("p1")!));
        Assert.Equal("[N,3200]", Dim.Format(table.Shape("flat")!));
        Assert.Equal("[N,10]", Dim.Format(table.Shape("logits")!));
        var stale = Assert.Single(StaleShapes.Find(graph, shapes));
        Assert.Equal(new StaleShape("flat", "[128,3200]", "[N,3200]"), stale);
    }

    [Fact]
    public void Preparation_CorrectsTheStaleDeclaration_ToTheInputsDimParam()
    {
        using var model = StaleShapeModel.Build();
        var prepared = ModelPreparation.Prepare(model);

        Assert.Equal("flat", Assert.Single(prepared.CorrectedShapes).ValueName);
        var dims = prepared.Model.Proto.Graph.ValueInfo.Single(v => v.Name == "flat").Type.TensorType.Shape.Dim;
        Assert.Equal(("N", 3200L), (dims[0].DimParam, dims[1].DimValue));
        // The caller's model is not touched.
        Assert.Equal(StaleShapeModel.ExportBatch, model.Proto.Graph.ValueInfo.Single(v => v.Name == "flat").Type.TensorType.Shape.Dim[0].DimValue);
    }

    [Fact]
    public void WrongRankAndWrongSize_AreBothStale_WhileOpenDimsAndMatchingSizesAreNot()
    {
        using var model = StaleShapeModel.Build();
        var graph = model.Proto.Graph;
        graph.ValueInfo.Add(TestModels.FloatInfo("c1", 7, 16, 24, 24));    // batch fixed where the input is dynamic: stale
        graph.ValueInfo.Add(TestModels.FloatInfo("r1", -1, 16, 24, 24));   // matches: not stale
        graph.ValueInfo.Add(TestModels.FloatInfo("p1", -1, 16, 144));      // wrong rank: stale
        graph.ValueInfo.Add(TestModels.FloatInfo("c2", -1, 32, 11, 10));   // wrong height: stale
        var onnxGraph = OnnxGraph.FromModel(model, promoteConstants: false);

        var stale = StaleShapes.Find(onnxGraph, ShapeInference.Infer(onnxGraph, model.DefaultOpset));

        Assert.Equal(["c1", "p1", "c2", "flat"], stale.Select(s => s.ValueName).Order(Comparer<string>.Create(Order)));
        Assert.Equal("[N,32,11,10]", stale.Single(s => s.ValueName == "c2").Declared);
        Assert.Equal("[N,32,10,10]", stale.Single(s => s.ValueName == "c2").Inferred);

        static int Order(string a, string b) => Array.IndexOf(["c1", "p1", "c2", "flat"], a).CompareTo(Array.IndexOf(["c1", "p1", "c2", "flat"], b));
    }

    /// <summary>
    /// Every size inference claims on the shared models must be what ORT computes: a number equal to ORT's, a symbol
    /// standing for one value throughout. Checked on the models as published (opsets 7–17) and as prepared (opset ≥ 13),
    /// with the share of values whose rank is known (what the opset adapters need) held to a floor.
    /// </summary>
    [Theory]
    [InlineData("squeezenet1.1.onnx", 1.0)]
    [InlineData("mnist-cnn.onnx", 1.0)]
    [InlineData("cifar10-cnn.onnx", 1.0)]
    [InlineData("ppocrv4-det.onnx", 1.0)]
    [InlineData("ppocrv4-rec.onnx", 1.0)]
    [InlineData("vit-cifar.onnx", 1.0)]
    [InlineData("silero-vad.onnx", 0.5)] // the network sits in If branches, whose outputs are not inferred
    public void InferredSizes_AgreeWithOrt_OnTheSharedModels(string file, double minimumRanked)
    {
        using var model = ModelIO.Load(Assets.Model(file));
        foreach (var candidate in new[] { model, ModelPreparation.Prepare(model).Model })
        {
            var graph = OnnxGraph.FromModel(candidate, promoteConstants: false);
            var table = ShapeInference.Infer(graph, candidate.DefaultOpset, candidate.External).For(graph)!;
            // Batch 3, so a batch symbol is not mistaken for the broadcast 1; silero's state [2,B,128] and audio [B,512] follow.
            var feeds = SampleFeeds.For(candidate, seed: 42, dynamicDim: (name, axis) => axis == 0 || (name == "state" && axis == 1) ? 3 : name == "input" ? 512 : 64);
            // The probe also reports values inside If branches (routed out); this test holds the main graph's inference.
            var actual = TensorTypeProbe.Probe(candidate, feeds).Where(kv => graph.IsVisible(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
            var symbols = new Dictionary<string, long>(StringComparer.Ordinal);
            int ranked = 0, determined = 0;
            foreach (var (name, probed) in actual)
            {
                if (table.Shape(name) is not { } inferred)
                    continue;
                string both = $"{file} '{name}': inferred {Dim.Format(inferred)}, ORT [{string.Join(",", probed.Shape)}]";
                Assert.True(inferred.Length == probed.Shape.Length, both);
                for (int i = 0; i < inferred.Length; i++)
                {
                    if (inferred[i].Value is long v)
                        Assert.True(v == probed.Shape[i], both);
                    else if (inferred[i].Symbol is { } s)
                        Assert.True((symbols.TryAdd(s, probed.Shape[i]) ? probed.Shape[i] : symbols[s]) == probed.Shape[i], $"{both}; {s} was {symbols[s]} elsewhere");
                }
                ranked++;
                if (inferred.All(d => d.IsKnown || d.Symbol is not null))
                    determined++;
            }
            output.WriteLine($"{file} at opset {candidate.DefaultOpset}: of {actual.Count} values, rank known for {ranked} ({(double)ranked / actual.Count:P1}), every size for {determined} ({(double)determined / actual.Count:P1})");
            Assert.True(ranked >= minimumRanked * actual.Count, $"{file}: rank known for {ranked} of {actual.Count} values");
        }
    }
}
