using Ptq.Calibration;
using Ptq.Onnx;
using Ptq.Onnx.Proto;
using Ptq.Pipeline;
using Ptq.Quantization;
using Ptq.Runtime;
using DT = Ptq.Onnx.Proto.TensorProto.Types.DataType;

namespace Ptq.Tests.Pipeline;

/// <summary>
/// Layers inside If branches and Loop bodies (issue #16 item 5): weight-only, dynamic and static int8 quantize them where
/// they are, whether the weight is the body's own initializer or an outer-scope initializer the body reads by name; the
/// quantized model runs in ONNX Runtime and stays within an error bound computed from the quantization steps.
/// </summary>
public class SubgraphQuantizationTests
{
    private const int Channels = 4, Filters = 4, Side = 6, Rows = 4, Hidden = 16, Steps = 3;

    /// <summary>
    /// X[1,4,6,6], flag (bool), H0[1,4,16] → If(flag): then Conv(X, Wt, Bt) (branch initializers), else MatMul(X, Wo)
    /// over the last axis (Wo[6,6] is a main-graph initializer) → Y[1,4,6,6]; Loop(3 steps, h = H0): h ← (h · Wl) · Wg with Wl the body's initializer and Wg
    /// the main graph's → H.
    /// </summary>
    private static ModelProto Build(int seed, bool reluAfterConv = false)
    {
        var random = new Random(seed);
        var pads = Ptq.Graph.Node.IntsAttribute("pads", [1, 1, 1, 1]);
        var then = new GraphProto { Name = "then" };
        then.Initializer.Add(TestModels.RandomFloats("Wt", random, Filters, Channels, 3, 3));
        then.Initializer.Add(TestModels.RandomFloats("Bt", random, Filters));
        then.Node.Add(TestModels.Node("Conv", "conv_then", ["X", "Wt", "Bt"], [reluAfterConv ? "Ct" : "Yt"], pads));
        if (reluAfterConv) // the Conv's output is then not the branch's output, which ONNX Runtime's QDQ fusion requires
            then.Node.Add(TestModels.Node("Relu", "relu_then", ["Ct"], ["Yt"]));
        then.Output.Add(TestModels.FloatInfo("Yt", 1, Filters, Side, Side));
        var otherwise = new GraphProto { Name = "else" };
        otherwise.Node.Add(TestModels.Node("MatMul", "matmul_else", ["X", "Wo"], ["Ye"]));
        otherwise.Output.Add(TestModels.FloatInfo("Ye", 1, Filters, Side, Side));

        var body = new GraphProto { Name = "body" };
        body.Initializer.Add(Scaled(TestModels.RandomFloats("Wl", random, Hidden, Hidden), 0.125f));
        body.Input.Add(Info("iteration", DT.Int64));
        body.Input.Add(Info("keep_in", DT.Bool));
        body.Input.Add(TestModels.FloatInfo("h", 1, Rows, Hidden));
        body.Node.Add(TestModels.Node("MatMul", "matmul_body", ["h", "Wl"], ["a"]));
        body.Node.Add(TestModels.Node("MatMul", "matmul_outer", ["a", "Wg"], ["h_next"]));
        body.Node.Add(TestModels.Node("Identity", "keep", ["keep_in"], ["keep_out"]));
        body.Output.Add(Info("keep_out", DT.Bool));
        body.Output.Add(TestModels.FloatInfo("h_next", 1, Rows, Hidden));

        var graph = new GraphProto { Name = "subgraphs" };
        graph.Input.Add(TestModels.FloatInfo("X", 1, Channels, Side, Side));
        graph.Input.Add(Info("flag", DT.Bool));
        graph.Input.Add(TestModels.FloatInfo("H0", 1, Rows, Hidden));
        graph.Initializer.Add(TestModels.RandomFloats("Wo", random, Side, Side));
        graph.Initializer.Add(Scaled(TestModels.RandomFloats("Wg", random, Hidden, Hidden), 0.125f));
        graph.Initializer.Add(TensorData.FromInt64s("trip", [], [Steps]));
        graph.Initializer.Add(new TensorProto { Name = "always", DataType = (int)DT.Bool, Dims = { }, Int32Data = { 1 } });
        graph.Node.Add(TestModels.Node("If", "if", ["flag"], ["Y"],
            new AttributeProto { Name = "then_branch", Type = AttributeProto.Types.AttributeType.Graph, G = then },
            new AttributeProto { Name = "else_branch", Type = AttributeProto.Types.AttributeType.Graph, G = otherwise }));
        graph.Node.Add(TestModels.Node("Loop", "loop", ["trip", "always", "H0"], ["H"],
            new AttributeProto { Name = "body", Type = AttributeProto.Types.AttributeType.Graph, G = body }));
        graph.Output.Add(TestModels.FloatInfo("Y", 1, Filters, Side, Side));
        graph.Output.Add(TestModels.FloatInfo("H", 1, Rows, Hidden));
        return TestModels.Model(graph, opset: 13);
    }

    [Theory]
    [InlineData("weight-only")]
    [InlineData("dynamic")]
    [InlineData("static")]
    public void BodyLayersAreQuantizedInPlaceAndStayWithinTheirErrorBound(string mode)
    {
        var model = new OnnxModel(Build(seed: 5));
        var samples = Enumerable.Range(0, 12).Select(i => Feeds(seed: 100 + i, flag: true)).ToList();
        var result = mode switch
        {
            "weight-only" => WeightOnlyQuantizer.Quantize(model, new StaticQuantizationSettings()),
            "dynamic" => DynamicQuantizer.Quantize(model, new StaticQuantizationSettings()),
            _ => StaticQuantizer.Quantize(model, new StaticQuantizationSettings(),
                new CalibrationInput.FromSamples(samples, samples.Count, new CalibrationSettings { Method = CalibrationMethod.MinMax })),
        };

        // Weights are int8 initializers of the bodies that read them (the outer ones too), and no float copy is left.
        var graph = result.Model.Proto.Graph;
        var ifNode = graph.Node.Single(n => n.OpType == "If");
        var loopBody = graph.Node.Single(n => n.OpType == "Loop").Attribute.Single(a => a.Name == "body").G;
        var thenBranch = ifNode.Attribute.Single(a => a.Name == "then_branch").G;
        var elseBranch = ifNode.Attribute.Single(a => a.Name == "else_branch").G;
        Assert.Equal(2, loopBody.Initializer.Count(t => t.DataType == (int)DT.Int8 && t.Dims.SequenceEqual([Hidden, Hidden])));
        // Dynamic mode covers MatMul, Gemm and LSTM (the Conv branch stays float); static mode calibrates the branches the
        // probe sample (flag true) runs, so the MatMul branch has nothing to calibrate on.
        bool thenQuantized = mode != "dynamic", elseQuantized = mode != "static";
        Assert.Equal(thenQuantized ? 1 : 0, thenBranch.Initializer.Count(t => t.DataType == (int)DT.Int8 && t.Dims.SequenceEqual([Filters, Channels, 3, 3])));
        Assert.Equal(elseQuantized ? 1 : 0, elseBranch.Initializer.Count(t => t.DataType == (int)DT.Int8 && t.Dims.SequenceEqual([Side, Side])));
        var floatNames = ModelTensors.Initializers(result.Model.Proto).Where(t => t.DataType == (int)DT.Float).Select(t => t.Name).ToHashSet();
        Assert.Equal(!thenQuantized, floatNames.Contains("Wt"));
        Assert.Equal(!elseQuantized, floatNames.Contains("Wo"));
        Assert.DoesNotContain("Wl", floatNames);
        Assert.DoesNotContain("Wg", floatNames);
        if (!elseQuantized)
            Assert.Contains(result.Plan.FloatNodes, f => f.Node.Name == "matmul_else" && f.Reason == QuantizationPlanner.BranchNotRun);

        var weightSteps = result.Tensors.Where(t => t.Kind == "Weight").ToDictionary(t => t.TensorName, t => (double)t.Parameters.Scales.Max());
        double activationStep = result.Tensors.Where(t => t.Kind == "Activation").Select(t => (double)t.Parameters.Scales.Max()).DefaultIfEmpty(0).Max();
        using var reference = new OrtRunner(model);
        using var quantized = new OrtRunner(result.Model);
        var weights = ModelTensors.Initializers(model.Proto).ToDictionary(t => t.Name, t => TensorData.ToFloats(t, null));
        foreach (bool flag in new[] { true, false })
        {
            if (flag ? !thenQuantized : !elseQuantized)
                continue;
            for (int seed = 0; seed < 4; seed++)
            {
                var feeds = Feeds(seed, flag);
                var expected = reference.Run(feeds);
                var actual = quantized.Run(feeds);
                var x = feeds["X"].ToFloats();
                string layer = flag ? "Wt" : "Wo";
                int terms = flag ? Channels * 9 : Side; // products summed per output: the 3×3×4 patch, or a row of 6
                // error ≤ terms·(max|W|+δW)·δX + terms·max|X|·δW + δY, each δ half a quantization step. Static mode's bias
                // correction moves the Conv's bias by the expected weight error: at most terms·max|X|·δW once more.
                double dx = mode switch { "static" => activationStep / 2, "dynamic" => DynamicStep(x) / 2, _ => 0 };
                double dy = mode == "static" ? activationStep / 2 : 0;
                double dw = weightSteps[layer] / 2;
                double bound = terms * (weights[layer].Max(Math.Abs) + dw) * dx + terms * x.Max(Math.Abs) * dw * (mode == "static" ? 2 : 1) + dy;
                AssertWithin(expected["Y"].ToFloats(), actual["Y"].ToFloats(), bound, $"{mode} Y (flag {flag}, seed {seed})");

                // Loop: propagate the bound through the steps (each row on its own), with the float values computed here.
                var h0 = feeds["H0"].ToFloats();
                double error = 0;
                for (int row = 0; row < Rows; row++)
                {
                    var h = Enumerable.Range(0, Hidden).Select(k => (double)h0[row * Hidden + k]).ToArray();
                    double rowError = 0;
                    for (int step = 0; step < Steps; step++)
                    {
                        foreach (string w in new[] { "Wl", "Wg" })
                        {
                            // Static ranges cover every row; dynamic ones the whole [1, 4, 16] input, so one row's step is a lower bound: take the widest.
                            double din = mode switch { "static" => activationStep / 2, "dynamic" => 1.0 / 255 / 2 * DynamicSpan(h0, step, w, weights), _ => 0 };
                            double dwl = weightSteps[w] / 2;
                            double columnSum = Enumerable.Range(0, Hidden).Max(j => Enumerable.Range(0, Hidden).Sum(k => Math.Abs(weights[w][k * Hidden + j]) + dwl));
                            var input = h;
                            rowError = (rowError + din) * columnSum + input.Sum(Math.Abs) * dwl + (mode == "static" ? activationStep / 2 : 0);
                            h = [.. Enumerable.Range(0, Hidden).Select(j => Enumerable.Range(0, Hidden).Sum(k => input[k] * weights[w][k * Hidden + j]))];
                        }
                    }
                    error = Math.Max(error, rowError);
                }
                AssertWithin(expected["H"].ToFloats(), actual["H"].ToFloats(), error, $"{mode} H (seed {seed})");
            }
        }
    }

    /// <summary>Q/DQ placed inside the bodies is what ONNX Runtime's optimizer fuses there: an integer Conv in the branch.</summary>
    [Fact]
    public void OnnxRuntimeFusesTheQdqInsideABranch()
    {
        var model = new OnnxModel(Build(seed: 5, reluAfterConv: true));
        var samples = Enumerable.Range(0, 4).Select(i => (IReadOnlyDictionary<string, TensorValue>)Feeds(seed: i, flag: true)).ToList();
        var result = StaticQuantizer.Quantize(model, new StaticQuantizationSettings(), new CalibrationInput.FromSamples(samples, samples.Count, new CalibrationSettings()));
        using var temp = new TempDirectory();
        string path = temp.File("optimized.onnx");
        using (new OrtRunner(result.Model, new RunnerOptions { IntraOpThreads = 1, OptimizedModelPath = path })) { }
        using var optimized = ModelIO.Load(path, validate: false);
        var then = optimized.Proto.Graph.Node.Single(n => n.OpType == "If").Attribute.Single(a => a.Name == "then_branch").G;
        Assert.Contains(then.Node, n => n.OpType == "QLinearConv");
        Assert.DoesNotContain(then.Node, n => n.OpType == "Conv");
    }

    /// <summary>
    /// A Relu between two int8 Convs inside a branch is fused into the first Conv's output range as in the main graph
    /// (silero-vad's encoder): without it the Conv output was rounded on its whole range, negatives included, and then
    /// again on the Relu's. X → If(flag): then Conv → Relu → Conv, else Identity → Y.
    /// </summary>
    [Fact]
    public void AReluBetweenInt8ConvsInABranchIsFused()
    {
        var random = new Random(11);
        var pads = Ptq.Graph.Node.IntsAttribute("pads", [1, 1, 1, 1]);
        var then = new GraphProto { Name = "then" };
        then.Initializer.Add(TestModels.RandomFloats("W1", random, Channels, Channels, 3, 3));
        then.Initializer.Add(TestModels.RandomFloats("W2", random, Channels, Channels, 3, 3));
        then.Node.Add(TestModels.Node("Conv", "conv1", ["X", "W1"], ["c1"], pads));
        then.Node.Add(TestModels.Node("Relu", "relu1", ["c1"], ["r1"]));
        then.Node.Add(TestModels.Node("Conv", "conv2", ["r1", "W2"], ["Yt"], pads));
        then.Output.Add(TestModels.FloatInfo("Yt", 1, Channels, Side, Side));
        var otherwise = new GraphProto { Name = "else" };
        otherwise.Node.Add(TestModels.Node("Identity", "pass", ["X"], ["Ye"]));
        otherwise.Output.Add(TestModels.FloatInfo("Ye", 1, Channels, Side, Side));
        var graph = new GraphProto { Name = "branch_relu" };
        graph.Input.Add(TestModels.FloatInfo("X", 1, Channels, Side, Side));
        graph.Input.Add(Info("flag", DT.Bool));
        graph.Node.Add(TestModels.Node("If", "if", ["flag"], ["Y"],
            new AttributeProto { Name = "then_branch", Type = AttributeProto.Types.AttributeType.Graph, G = then },
            new AttributeProto { Name = "else_branch", Type = AttributeProto.Types.AttributeType.Graph, G = otherwise }));
        graph.Output.Add(TestModels.FloatInfo("Y", 1, Channels, Side, Side));
        var model = new OnnxModel(TestModels.Model(graph, opset: 13));
        var samples = Enumerable.Range(0, 8).Select(i => (IReadOnlyDictionary<string, TensorValue>)Feeds(seed: 40 + i, flag: true)
            .Where(f => f.Key != "H0").ToDictionary(f => f.Key, f => f.Value)).ToList();

        var result = StaticQuantizer.Quantize(model, new StaticQuantizationSettings(), new CalibrationInput.FromSamples(samples, samples.Count, new CalibrationSettings { Method = CalibrationMethod.MinMax }));

        Assert.Equal(1, result.FusedActivations);
        var branch = result.Model.Proto.Graph.Node.Single(n => n.OpType == "If").Attribute.Single(a => a.Name == "then_branch").G;
        Assert.DoesNotContain(branch.Node, n => n.OpType == "Relu");
        // The fused tensor's range starts at 0: all 256 codes on what the Relu lets through.
        var fused = result.Tensors.Single(t => t.TensorName == "r1").Parameters;
        Assert.Equal(0, fused.ZeroPoints[0]);
        using var fp32 = new OrtRunner(model);
        using var int8 = new OrtRunner(result.Model);
        foreach (var feed in samples.Take(3))
        {
            var cosine = Ptq.Evaluation.CosineSimilarity.Compute(fp32.Run(feed)["Y"].ToFloats(), int8.Run(feed)["Y"].ToFloats());
            Assert.True(cosine >= 0.999, $"cosine {cosine}");
        }
    }

    /// <summary>
    /// Statistics saved by calibration (ptq calibrate) cover the body values, and quantizing from them gives the model
    /// calibrating in the same run gives.
    /// </summary>
    [Fact]
    public void SavedStatisticsQuantizeTheBodiesLikeSamplesDo()
    {
        var model = new OnnxModel(Build(seed: 9));
        var samples = Enumerable.Range(0, 6).Select(i => (IReadOnlyDictionary<string, TensorValue>)Feeds(seed: 20 + i, flag: true)).ToList();
        var settings = new CalibrationSettings { Method = CalibrationMethod.MinMax };
        var stats = CalibrationJob.Run(model, samples, samples.Count, settings);
        Assert.Contains("a", stats.Tensors.Keys); // Loop body value
        Assert.Contains("X", stats.Tensors.Keys);
        Assert.DoesNotContain("Ye", stats.Tensors.Keys); // the else branch never ran
        var fromStats = StaticQuantizer.Quantize(model, new StaticQuantizationSettings(), new CalibrationInput.FromStats(stats, settings));
        var fromSamples = StaticQuantizer.Quantize(model, new StaticQuantizationSettings(), new CalibrationInput.FromSamples(samples, samples.Count, settings));
        var feeds = Feeds(seed: 3, flag: true);
        using var a = new OrtRunner(fromStats.Model);
        using var b = new OrtRunner(fromSamples.Model);
        var (ya, yb) = (a.Run(feeds), b.Run(feeds));
        Assert.Equal(fromSamples.Tensors.Count(t => t.Kind == "Activation"), fromStats.Tensors.Count(t => t.Kind == "Activation"));
        Assert.Equal(yb["Y"].ToFloats(), ya["Y"].ToFloats());
        Assert.Equal(yb["H"].ToFloats(), ya["H"].ToFloats());
    }

    [Fact]
    public void CalibrationSeesTheValuesInsideBodies()
    {
        var model = new OnnxModel(Build(seed: 7));
        var samples = Enumerable.Range(0, 3).Select(i => (IReadOnlyDictionary<string, TensorValue>)Feeds(seed: i, flag: true)).ToList();
        var stats = StatisticsCollector.Collect(model, ["Yt", "Ye", "a"], samples, new Ptq.Statistics.StatisticsOptions());
        // The taken branch's value and the loop body's (three steps stacked) are observed exactly; the untaken branch's is absent.
        Assert.False(stats.Tensors.ContainsKey("Ye"));
        using var runner = OrtRunner.WithOutputs(model, ["Yt", "a"]);
        float min = float.MaxValue, max = float.MinValue;
        foreach (var sample in samples)
        {
            var values = runner.Run(sample, ["Yt", "a"]);
            Assert.Equal([Steps, Rows, Hidden], values["a"].Shape); // [3, 1, 4, 16] folded into [3, 4, 16]
            min = Math.Min(min, values["Yt"].ToFloats().Min());
            max = Math.Max(max, values["Yt"].ToFloats().Max());
        }
        Assert.Equal(min, (float)stats.Tensors["Yt"].Min);
        Assert.Equal(max, (float)stats.Tensors["Yt"].Max);
        Assert.Equal(3L * Steps * Rows * Hidden, stats.Tensors["a"].Count);
    }

    private static double DynamicStep(IEnumerable<float> values) => DynamicStep(values.Select(v => (double)v));

    // max(x, 0) − min(x, 0) over all rows of the input of MatMul w at the given step (float values).
    private static double DynamicSpan(float[] h0, int step, string w, Dictionary<string, float[]> weights)
    {
        var rows = Enumerable.Range(0, Rows).Select(r => Enumerable.Range(0, Hidden).Select(k => (double)h0[r * Hidden + k]).ToArray()).ToList();
        foreach (int s in Enumerable.Range(0, step * 2 + (w == "Wg" ? 1 : 0)))
        {
            var m = weights[s % 2 == 0 ? "Wl" : "Wg"];
            rows = [.. rows.Select(h => Enumerable.Range(0, Hidden).Select(j => Enumerable.Range(0, Hidden).Sum(k => h[k] * m[k * Hidden + j])).ToArray())];
        }
        return DynamicStep(rows.SelectMany(r => r)) * 255;
    }

    // DynamicQuantizeLinear: uint8 over [min(x, 0), max(x, 0)].
    private static double DynamicStep(IEnumerable<double> values)
    {
        var list = values.ToList();
        return (Math.Max(0, list.Max()) - Math.Min(0, list.Min())) / 255;
    }

    private static void AssertWithin(float[] expected, float[] actual, double bound, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double worst = expected.Zip(actual).Max(p => Math.Abs(p.First - p.Second));
        Assert.True(worst <= bound * 1.0001 + 1e-5, $"{what}: max |Δ| {worst} above the bound {bound}");
        Assert.True(worst > 0, $"{what}: output identical to float, so nothing was quantized");
    }

    /// <summary>
    /// LAPQ's search moves the clips of activations inside If/Loop bodies: its simulation makes their Q/DQ parameters
    /// outer-scope inputs the bodies read (before, it rewrote the main graph's pairs only, so the output loss of every
    /// candidate was the same and the search kept its start). At 4-bit activations the search lowers the loss, and what
    /// it measured is what the written model computes.
    /// </summary>
    [Fact]
    public void LapqSearchesTheClipsInsideTheBodies()
    {
        var model = new OnnxModel(Build(seed: 5, reluAfterConv: true));
        var samples = Enumerable.Range(0, 16).Select(i => (IReadOnlyDictionary<string, TensorValue>)Feeds(seed: 200 + i, flag: true)).ToList();
        var settings = new StaticQuantizationSettings { Activations = QuantScheme.ActivationDefault with { Bits = 4 } };
        var run = StaticRun.Create(model, settings, new CalibrationInput.FromSamples(samples, samples.Count, new CalibrationSettings { Method = CalibrationMethod.Lapq }), forVariants: false);
        var lapq = Ptq.Tuning.Lapq.LossAwareClipping.Search(run, settings, samples.Take(8).ToList(), new Ptq.Tuning.Lapq.LapqSettings { InitNorm = 2, Samples = 8 });

        var inBodies = lapq.Ranges.Where(r => r.Tensor is "Ct" or "a" or "h_next").ToList();
        Assert.NotEmpty(inBodies);
        Assert.True(lapq.Loss < 0.9 * lapq.InitLoss, $"search loss {lapq.Loss} vs start {lapq.InitLoss}");
        Assert.Contains(inBodies, r => r.End != r.Start);
        Assert.Equal(lapq.Loss, Tuning.LapqTests.RelativeError(model, lapq.Result.Model, samples.Take(8).ToList(), "Y", "H"), 0.02 * lapq.Loss);
    }

    private static Dictionary<string, TensorValue> Feeds(int seed, bool flag)
    {
        var random = new Random(seed);
        float[] Values(int n) => [.. Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 2 - 1))];
        return new Dictionary<string, TensorValue>
        {
            ["X"] = TensorValue.FromFloats([1, Channels, Side, Side], Values(Channels * Side * Side)),
            ["flag"] = new TensorValue((int)DT.Bool, [], [flag ? (byte)1 : (byte)0]),
            ["H0"] = TensorValue.FromFloats([1, Rows, Hidden], Values(Rows * Hidden)),
        };
    }

    private static ValueInfoProto Info(string name, DT type) =>
        new() { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = new TensorShapeProto() } } };

    private static TensorProto Scaled(TensorProto tensor, float factor) =>
        TensorData.FromFloats(tensor.Name, [.. tensor.Dims], [.. TensorData.ToFloats(tensor, null).Select(v => v * factor)]);
}
