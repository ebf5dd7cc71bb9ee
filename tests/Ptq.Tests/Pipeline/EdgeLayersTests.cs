using System.Numerics.Tensors;

using Ptq.Demo;
using Ptq.Graph;
using Ptq.Onnx;
using Ptq.Onnx.Proto;
using Ptq.Pipeline;
using Ptq.Quantization;
using Ptq.Runtime;

namespace Ptq.Tests.Pipeline;

public class EdgeLayersTests
{
    private static readonly QuantScheme FourBits = QuantScheme.WeightDefault with { Bits = 4 };

    /// <summary>
    /// X → stem Conv → Relu → { head_a Conv → A ; mid Conv → head_b MatMul (weighted) → B }, with a MatMul of two
    /// activations (no weight) after head_a: the edges are the stem and both heads, not the layer in between or the
    /// weightless MatMul.
    /// </summary>
    [Fact]
    public void FirstAndLastLayersOfEveryBranchAreEdges()
    {
        var random = new Random(11);
        var graph = new GraphProto { Name = "branches" };
        graph.Input.Add(TestModels.FloatInfo("X", 1, 3, 4, 4));
        graph.Output.Add(TestModels.FloatInfo("A", 1, 4, 4, 4));
        graph.Output.Add(TestModels.FloatInfo("B", 1, 4, 4, 2));
        graph.Initializer.Add(TestModels.RandomFloats("w_stem", random, 4, 3, 1, 1));
        graph.Initializer.Add(TestModels.RandomFloats("w_a", random, 4, 4, 1, 1));
        graph.Initializer.Add(TestModels.RandomFloats("w_mid", random, 4, 4, 1, 1));
        graph.Initializer.Add(TestModels.RandomFloats("w_b", random, 4, 2));
        graph.Node.Add(TestModels.Node("Conv", "stem", ["X", "w_stem"], ["s"]));
        graph.Node.Add(TestModels.Node("Relu", "relu", ["s"], ["r"]));
        graph.Node.Add(TestModels.Node("Conv", "head_a", ["r", "w_a"], ["a"]));
        graph.Node.Add(TestModels.Node("MatMul", "attention", ["a", "a"], ["A"]));
        graph.Node.Add(TestModels.Node("Conv", "mid", ["r", "w_mid"], ["m"]));
        graph.Node.Add(TestModels.Node("MatMul", "head_b", ["m", "w_b"], ["B"]));

        var edges = EdgeLayers.Find(OnnxGraph.FromModel(new OnnxModel(TestModels.Model(graph))));

        Assert.Equal(["head_a", "head_b", "stem"], edges.Select(n => n.Name).Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// A network inside each If branch (as Silero VAD keeps its two): then = a1 → a2 → inner If → a3, where the inner
    /// If's bodies read a2's output from the outer scope; else = b1 → b2; both read the model input. Each body has its
    /// own edges (a1, a3, b1, b2); a2 is not one, since a3 follows it through the inner If.
    /// </summary>
    [Fact]
    public void EveryBranchBodyHasItsOwnEdges()
    {
        var random = new Random(12);
        var boolean = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Bool } };
        AttributeProto Body(string attribute, string name, Action<GraphProto> fill)
        {
            var body = new GraphProto { Name = name };
            fill(body);
            return new AttributeProto { Name = attribute, Type = AttributeProto.Types.AttributeType.Graph, G = body };
        }
        void Layer(GraphProto body, string name, string input, string output, int inputs)
        {
            body.Initializer.Add(TestModels.RandomFloats("w_" + name, random, 4, inputs, 1, 1));
            body.Node.Add(TestModels.Node("Conv", name, [input, "w_" + name], [output]));
        }
        void Passes(GraphProto body, string output)
        {
            body.Output.Add(TestModels.FloatInfo(output, 1, 4, 4, 4));
            body.Node.Add(TestModels.Node("Identity", output + "_copy", ["a2_y"], [output]));
        }
        var graph = new GraphProto { Name = "branches" };
        graph.Input.Add(TestModels.FloatInfo("X", 1, 3, 4, 4));
        graph.Input.Add(new ValueInfoProto { Name = "cond", Type = boolean });
        graph.Output.Add(TestModels.FloatInfo("Y", 1, 4, 4, 4));
        graph.Node.Add(TestModels.Node("If", "choose", ["cond"], ["Y"],
            Body("then_branch", "then", body =>
            {
                body.Output.Add(TestModels.FloatInfo("then_out", 1, 4, 4, 4));
                Layer(body, "a1", "X", "a1_y", 3);
                Layer(body, "a2", "a1_y", "a2_y", 4);
                body.Node.Add(TestModels.Node("If", "inner", ["cond"], ["inner_y"],
                    Body("then_branch", "inner_then", b => Passes(b, "t")), Body("else_branch", "inner_else", b => Passes(b, "e"))));
                Layer(body, "a3", "inner_y", "then_out", 4);
            }),
            Body("else_branch", "else", body =>
            {
                body.Output.Add(TestModels.FloatInfo("else_out", 1, 4, 4, 4));
                Layer(body, "b1", "X", "b1_y", 3);
                Layer(body, "b2", "b1_y", "else_out", 4);
            })));

        var edges = EdgeLayers.Find(OnnxGraph.FromModel(new OnnxModel(TestModels.Model(graph))));

        Assert.Equal(["a1", "a3", "b1", "b2"], edges.Select(n => n.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void EdgeLayersKeepTheirOwnBitsAndTheOutputCloserToFloat()
    {
        // The demo CNN's edges are its stem and its classifier, which stays float (too few values per sample).
        var edge = Quantize(new StaticQuantizationSettings { Weights = FourBits, EdgeWeights = QuantScheme.WeightDefault });
        var bits = edge.Tensors.Where(t => t.Kind == "Weight").ToDictionary(t => t.NodeName, t => t.Parameters.Scheme.Bits);
        Assert.Equal(new Dictionary<string, int> { ["stem_conv"] = 8, ["block1a_conv"] = 4, ["block1b_conv"] = 4, ["block2_conv"] = 4 }, bits);

        double all4 = MeanCosine(Quantize(new StaticQuantizationSettings { Weights = FourBits }).Model);
        double withEdge = MeanCosine(edge.Model);
        Assert.True(withEdge > all4 && withEdge > 0.99, $"mean output cosine with 8-bit edges {withEdge:F5}, all at 4 bits {all4:F5}");

        // A user's override naming an edge layer wins.
        var overridden = Quantize(new StaticQuantizationSettings
        {
            Weights = FourBits,
            EdgeWeights = QuantScheme.WeightDefault,
            Overrides = [new NodeOverride { Pattern = "stem_conv", Weights = FourBits with { Bits = 6 } }],
        });
        Assert.Equal(6, overridden.Tensors.Single(t => t.Kind == "Weight" && t.NodeName == "stem_conv").Parameters.Scheme.Bits);
    }

    private static StaticQuantizationResult Quantize(StaticQuantizationSettings settings) =>
        StaticQuantizer.Quantize(DemoModel.Build(), settings,
            new CalibrationInput.FromSamples(DemoData.Feeds(32).ToList(), 32, new CalibrationSettings { Method = Ptq.Calibration.CalibrationMethod.MinMax }));

    private static double MeanCosine(OnnxModel quantized)
    {
        using var fp32 = new OrtRunner(DemoModel.Build());
        using var model = new OrtRunner(quantized);
        return DemoData.Feeds(64, first: 1000).Average(sample => (double)TensorPrimitives.CosineSimilarity(
            fp32.Run(sample)[DemoModel.OutputName].AsFloatSpan(), model.Run(sample)[DemoModel.OutputName].AsFloatSpan()));
    }
}
