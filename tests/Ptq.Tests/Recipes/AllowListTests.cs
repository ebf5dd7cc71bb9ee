using Ptq.Onnx;
using Ptq.Recipes;
using Xunit.Abstractions;

namespace Ptq.Tests.Recipes;

/// <summary>
/// ONNX Runtime's allow-lists (issue #13): <c>--only-op</c> (op_types_to_quantize) and <c>--only</c>
/// (nodes_to_quantize) quantize what they name and nothing else; the rest stays float with the reason "not in the
/// allow-list", and the output still matches float.
/// </summary>
public class AllowListTests(ITestOutputHelper output)
{
    private static readonly QuantizationRecipe Mnist = new() { Data = [Assets.Get("mnist", "t10k-images-idx3-ubyte.gz")], CalibSize = 64 };

    [Fact]
    public void OnlyOp_QuantizesOnlyThoseTypes()
    {
        using var model = ModelIO.Load(Assets.Model("mnist-cnn.onnx"));
        var all = Quantizer.Quantize(model, Mnist);
        var result = Quantizer.Quantize(model, Mnist with { OnlyOp = ["Conv"] });
        var tensors = result.Run.Result.Tensors;
        output.WriteLine($"cosine {result.CheckCosine:F6} (everything: {all.CheckCosine:F6}); {string.Join("; ", result.Summary.FloatNodesByReason.Select(r => $"{r.Key}: {string.Join(", ", r.Value.Select(v => $"{v.Value} {v.Key}"))}"))}");
        // Both Conv weights and biases; activations only where a Conv reads or writes them.
        Assert.Equal(2, tensors.Count(t => t.Kind == "Weight"));
        Assert.All(tensors.Where(t => t.Kind is "Weight" or "Bias"), t => Assert.Equal("Conv", t.NodeType));
        var notAllowed = result.Summary.FloatNodesByReason["not in the allow-list (--only-op)"];
        Assert.Equal(2, notAllowed.GetValueOrDefault("MaxPool"));
        // ORT runs both Conv in int8; the Relu/MaxPool between them now run in float, so the activations leave and
        // re-enter int8 there (one QuantizeLinear more than with everything quantized).
        var ops = Pipeline.OrtGraphInspection.OptimizedOpCounts(result.Model);
        var allOps = Pipeline.OrtGraphInspection.OptimizedOpCounts(all.Model);
        output.WriteLine($"ORT runs {string.Join(", ", ops.Select(o => $"{o.Value} {o.Key}"))}; with everything quantized {string.Join(", ", allOps.Select(o => $"{o.Value} {o.Key}"))}");
        Assert.Equal(2, ops.GetValueOrDefault("QLinearConv"));
        Assert.Equal(allOps.GetValueOrDefault("QuantizeLinear") + 1, ops.GetValueOrDefault("QuantizeLinear"));
        Assert.True(result.CheckCosine >= 0.999, $"cosine {result.CheckCosine}");
        Assert.Null(result.Shortfall);
    }

    [Fact]
    public void Only_QuantizesOnlyTheNamedNodes()
    {
        using var model = ModelIO.Load(Assets.Model("mnist-cnn.onnx"));
        string firstConv = model.Proto.Graph.Node.First(n => n.OpType == "Conv").Name;
        var result = Quantizer.Quantize(model, Mnist with { Only = [firstConv] });
        var weights = result.Run.Result.Tensors.Where(t => t.Kind == "Weight").ToList();
        output.WriteLine($"only {firstConv}: cosine {result.CheckCosine:F6}, {result.Run.Result.Tensors.Count} tensors");
        Assert.Equal(firstConv, Assert.Single(weights).NodeName);
        Assert.Contains("not in the allow-list (--only)", result.Summary.FloatNodesByReason.Keys);
        Assert.True(result.CheckCosine >= 0.999, $"cosine {result.CheckCosine}");
    }

    [Fact]
    public void OnlyOp_NamingNoTypeOfTheModel_IsRefused()
    {
        using var model = ModelIO.Load(Assets.Model("mnist-cnn.onnx"));
        var ex = Assert.ThrowsAny<PtqException>(() => Quantizer.Quantize(model, Mnist with { OnlyOp = ["Conx"] }));
        Assert.Contains("only-op Conx", ex.Message);
        Assert.Contains("Conv", ex.Message);
    }
}
