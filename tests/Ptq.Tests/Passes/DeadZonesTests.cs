using Ptq.Graph;
using Ptq.Onnx;
using Ptq.Onnx.Proto;
using Ptq.Passes;
using Ptq.Quantization;
using static Ptq.Tests.TestModels;

namespace Ptq.Tests.Passes;

public class DeadZonesTests
{
    /// <summary>
    /// X → Conv → c → Mul(2) → Add(0.5) → a → hard-swish decomposed as PP-LCNet writes it (a·clip(a + 3, 0, 6) / 6) → Y,
    /// plus, when <paramref name="alsoReadByConv"/>, a second Conv reading c (which needs every value of c).
    /// </summary>
    private static OnnxGraph ConvAffineHardSwish(bool alsoReadByConv = false)
    {
        var random = new Random(7);
        var graph = new GraphProto { Name = "lab_hswish" };
        graph.Input.Add(FloatInfo("X", 1, 2, 4, 4));
        graph.Output.Add(FloatInfo("Y", 1, 2, 4, 4));
        graph.Initializer.Add(RandomFloats("W", random, 2, 2, 1, 1));
        foreach (var (name, value) in new[] { ("w0", 2f), ("w1", 0.5f), ("three", 3f), ("zero", 0f), ("six", 6f) })
            graph.Initializer.Add(TensorData.FromFloats(name, [], [value]));
        graph.Node.Add(Node("Conv", "conv", ["X", "W"], ["c"]));
        graph.Node.Add(Node("Mul", "lab_scale", ["w0", "c"], ["m"]));
        graph.Node.Add(Node("Add", "lab_bias", ["m", "w1"], ["a"]));
        graph.Node.Add(Node("Add", "hs_shift", ["a", "three"], ["s"]));
        graph.Node.Add(Node("Clip", "hs_clip", ["s", "zero", "six"], ["g"]));
        graph.Node.Add(Node("Mul", "hs_mul", ["a", "g"], ["p"]));
        graph.Node.Add(Node("Div", "hs_div", ["p", "six"], [alsoReadByConv ? "h" : "Y"]));
        if (alsoReadByConv)
        {
            graph.Initializer.Add(RandomFloats("W2", random, 2, 2, 1, 1));
            graph.Node.Add(Node("Conv", "conv2", ["c", "W2"], ["d"]));
            graph.Node.Add(Node("Add", "sum", ["h", "d"], ["Y"]));
        }
        return OnnxGraph.FromModel(new OnnxModel(Model(graph)));
    }

    [Fact]
    public void AConvOutputBehindAScalarAffineAndAHardSwishIsDeadBelowTheHardSwishKnee()
    {
        var graph = ConvAffineHardSwish();
        // 2c + 0.5 < −3 ⇔ c < −1.75: the hard-swish gives 0 for all of them.
        Assert.Equal(-1.75, DeadZones.Below(graph, "c")!.Value, 6);
        Assert.Equal(-3, DeadZones.Below(graph, "a")!.Value, 6);
        Assert.Null(DeadZones.Below(graph, "X")); // read by a Conv
        Assert.Null(DeadZones.Below(graph, "p")); // Div then a graph output
    }

    [Fact]
    public void AReaderThatNeedsEveryValueMeansNoBound()
    {
        Assert.Null(DeadZones.Below(ConvAffineHardSwish(alsoReadByConv: true), "c"));
    }

    [Fact]
    public void TheDeadZoneIsExactOnTheModel()
    {
        // Values of c below the bound clamped to it leave the chain's output unchanged (the function the graph computes, evaluated directly).
        var graph = ConvAffineHardSwish();
        double bound = DeadZones.Below(graph, "c")!.Value;
        var values = Enumerable.Range(0, 64).Select(i => (float)(-6 + 0.19 * i)).ToArray();
        float HardSwishChain(float c) { float a = 2 * c + 0.5f; return a * Math.Clamp(a + 3, 0, 6) / 6; }
        foreach (float c in values)
            Assert.Equal(HardSwishChain(Math.Max(c, (float)bound)), HardSwishChain(c), 5);
    }
}
