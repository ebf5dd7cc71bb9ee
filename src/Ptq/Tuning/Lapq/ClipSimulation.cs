using Ptq.Graph;
using Ptq.Onnx;
using Ptq.Pipeline;
using Ptq.Quantization;
using Ptq.Runtime;
using DT = Ptq.Onnx.Proto.TensorProto.Types.DataType;

namespace Ptq.Tuning.Lapq;

/// <summary>
/// A quantized model whose activation parameters can be changed between runs without a new ONNX Runtime session: the
/// scale and zero point of every QuantizeLinear/DequantizeLinear pair of a searched tensor (and of the tensors sharing
/// its parameters) become graph inputs (read from the outer scope by pairs inside If/Loop/Scan bodies), so one session
/// serves every candidate of LAPQ's search (a session per
/// candidate would cost more than the runs). ONNX Runtime cannot fuse Q/DQ pairs with run-time parameters into integer
/// kernels, so the pairs run as written, a float computation that rounds exactly where the integer one does; the
/// weights are folded to their rounded float values once. The loss is measured against float outputs computed once.
/// </summary>
internal sealed class ClipSimulation : IDisposable
{
    private const string ScaleInput = "ptq_lapq_scale_";
    private const string ZeroPointInput = "ptq_lapq_zero_point_";

    private readonly OrtRunner _runner;
    private readonly IReadOnlyList<string> _sources;
    private readonly IReadOnlyList<IReadOnlyDictionary<string, TensorValue>> _samples;
    private readonly IReadOnlyList<Head> _heads;
    private readonly List<TensorValue[]> _expected;
    private readonly double _energy;

    private ClipSimulation(OrtRunner runner, IReadOnlyList<string> sources, IReadOnlyList<IReadOnlyDictionary<string, TensorValue>> samples,
        IReadOnlyList<Head> heads, List<TensorValue[]> expected)
    {
        _runner = runner;
        _sources = sources;
        _samples = samples;
        _heads = heads;
        _expected = expected;
        _energy = Math.Max(expected.Sum(e => heads.Select((h, i) => h.Axis is null ? e[i].ToFloats().Sum(v => (double)v * v) : 0).Sum()), double.Epsilon);
    }

    /// <summary>
    /// One float output as the loss reads it: through the logits of the Softmax that writes it (<paramref name="Axis"/>
    /// set; the KL divergence of the float distribution to the quantized one), or as it is (relative squared error).
    /// </summary>
    /// <param name="Quantized">The tensor read from the simulation.</param>
    /// <param name="Reference">The tensor read from the float model.</param>
    /// <param name="Axis">The Softmax axis (non-negative once the rank is known, else as written), or null.</param>
    /// <param name="Coerced">Softmax before opset 13: the rows are the values flattened from <paramref name="Axis"/> on.</param>
    private sealed record Head(string Quantized, string Reference, int? Axis, bool Coerced = false);

    /// <summary>The searched tensors (parameter sources) in input order.</summary>
    public IReadOnlyList<string> Sources => _sources;

    /// <summary>
    /// The simulation of <paramref name="result"/> with the parameters of <paramref name="sources"/> (parameter sources
    /// of its plan) made run-time inputs, measured on <paramref name="samples"/> against the outputs of its prepared
    /// float model; with <paramref name="softmaxDivergence"/>, Softmax outputs through their logits. Throws <see cref="PtqException"/> when the model has no float output.
    /// </summary>
    public static ClipSimulation Create(StaticQuantizationResult result, IReadOnlyList<string> sources,
        IReadOnlyList<IReadOnlyDictionary<string, TensorValue>> samples, bool softmaxDivergence = false)
    {
        var outputs = OutputCheck.FloatOutputs(result.PreparedFloatModel);
        if (outputs.Count == 0)
            throw new PtqException("LAPQ measures the output against float, and the model has no float output");
        var floatGraph = OnnxGraph.FromModel(result.PreparedFloatModel, promoteConstants: false);
        var quantizedGraph = OnnxGraph.FromModel(result.Model, promoteConstants: false);
        bool coerced = result.Model.DefaultOpset < 13;
        var heads = outputs.Select(o => softmaxDivergence && SoftmaxOf(quantizedGraph, o, coerced) is var (qLogits, axis) && SoftmaxOf(floatGraph, o, coerced) is var (fLogits, fAxis) && axis == fAxis
            ? new Head(qLogits, fLogits, axis, coerced) : new Head(o, o, null)).ToList();
        var index = sources.Select((s, i) => (s, i)).ToDictionary(p => p.s, p => p.i, StringComparer.Ordinal);
        var graph = OnnxGraph.FromModel(result.Model, promoteConstants: false);
        Pipeline.Reconstruction.ConstantDequantization.Fold(graph, result.Model.External);
        var zeroPoints = new Dictionary<(int Source, int Type), string>();
        string ZeroPoint(int source, int type)
        {
            if (!zeroPoints.TryGetValue((source, type), out string? name))
            {
                name = graph.UniqueName($"{ZeroPointInput}{source}_cast");
                graph.AddNode("Cast", [ZeroPointInput + source], [name], attributes: [Node.IntAttribute("to", type)]);
                zeroPoints[(source, type)] = name;
            }
            return name;
        }
        // Pairs inside If/Loop/Scan bodies read the root graph's inputs (and zero-point casts) from the outer scope.
        foreach (var body in graph.AllGraphs().ToList())
        {
            foreach (var dq in body.Nodes.Where(n => n.IsStandard && n.OpType == "DequantizeLinear").ToList())
            {
                if (Passes.CodeClamp.Source(body, dq.Inputs[0]) is not var (q, _) || !q.IsStandard
                    || !index.TryGetValue(result.Plan.ParameterSource(q.Inputs[0]), out int source))
                    continue;
                int type = q.Inputs.Count > 2 && body.VisibleInitializer(q.Inputs[2]) is { } zp ? zp.DataType : (int)DT.Uint8;
                foreach (var node in new[] { q, dq })
                {
                    body.ReplaceInput(node, 1, ScaleInput + source);
                    if (node.Inputs.Count > 2)
                        body.ReplaceInput(node, 2, ZeroPoint(source, type));
                }
            }
        }
        graph.Invalidate();
        foreach (var body in graph.AllGraphs().Reverse().ToList())
            body.RemoveUnusedInitializers();
        for (int i = 0; i < sources.Count; i++)
        {
            graph.Inputs.Add(ScalarInput(ScaleInput + i));
            graph.Inputs.Add(ScalarInput(ZeroPointInput + i));
        }
        graph.SortTopologically();
        var proto = result.Model.Proto.Clone();
        proto.Graph = graph.ToProto();
        using var derived = result.Model.Derive(proto);
        var runner = OrtRunner.WithOutputs(derived, heads.Select(h => h.Quantized));
        try
        {
            // The prepared float model: the Softmax inputs are found by name in it (the user's model may name them otherwise).
            using var floatRunner = OrtRunner.WithOutputs(result.PreparedFloatModel, heads.Select(h => h.Reference));
            var names = heads.Select(h => h.Reference).ToList();
            var expected = samples.Select(s => { var values = floatRunner.Run(s, names); return names.Select(n => values[n]).ToArray(); }).ToList();
            return new ClipSimulation(runner, sources, samples, heads, expected);
        }
        catch
        {
            runner.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The output loss with <paramref name="parameters"/> for the searched tensors: for outputs written by a Softmax, the
    /// mean over its rows of KL(float ‖ quantized) computed from the logits (the label-free form of the cross-entropy
    /// LAPQ minimises); for other outputs the squared error over all samples divided by the float outputs' energy
    /// (scale-free). 0 is float's output.
    /// </summary>
    public double Loss(IReadOnlyDictionary<string, QuantParams> parameters)
    {
        var feeds = new Dictionary<string, TensorValue>(StringComparer.Ordinal);
        for (int i = 0; i < _sources.Count; i++)
        {
            var p = parameters[_sources[i]];
            feeds[ScaleInput + i] = TensorValue.FromFloats([], [p.Scale]);
            feeds[ZeroPointInput + i] = TensorValue.FromFloats([], [p.ZeroPoint]);
        }
        var names = _heads.Select(h => h.Quantized).ToList();
        double error = 0, divergence = 0;
        long rows = 0;
        for (int s = 0; s < _samples.Count; s++)
        {
            foreach (var (name, value) in _samples[s])
                feeds[name] = value;
            var values = _runner.Run(feeds, names);
            for (int h = 0; h < _heads.Count; h++)
            {
                float[] actual = values[_heads[h].Quantized].ToFloats(), expected = _expected[s][h].ToFloats();
                if (_heads[h].Axis is int axis)
                {
                    var (sum, count) = Divergence(expected, actual, _expected[s][h].Shape, axis, _heads[h].Coerced);
                    divergence += sum;
                    rows += count;
                    continue;
                }
                for (int k = 0; k < expected.Length; k++)
                {
                    double d = actual[k] - (double)expected[k];
                    error += d * d;
                }
            }
        }
        return (rows > 0 ? divergence / rows : 0) + error / _energy;
    }

    /// <summary>
    /// Σ over the rows along <paramref name="axis"/> of KL(softmax(p) ‖ softmax(q)), and the number of rows; with
    /// <paramref name="coerced"/> a row is everything from <paramref name="axis"/> on (Softmax before opset 13).
    /// </summary>
    internal static (double Sum, long Rows) Divergence(float[] p, float[] q, long[] shape, int axis, bool coerced = false)
    {
        if (axis < 0)
            axis += shape.Length;
        long n = coerced ? shape.Skip(axis).Aggregate(1L, (a, d) => a * d) : shape[axis];
        long inner = coerced ? 1 : shape.Skip(axis + 1).Aggregate(1L, (a, d) => a * d), outer = p.Length / Math.Max(1, n * inner);
        double total = 0;
        for (long o = 0; o < outer; o++)
        {
            for (long i = 0; i < inner; i++)
            {
                long at(long k) => (o * n + k) * inner + i;
                double maxP = double.NegativeInfinity, maxQ = double.NegativeInfinity;
                for (long k = 0; k < n; k++) { maxP = Math.Max(maxP, p[at(k)]); maxQ = Math.Max(maxQ, q[at(k)]); }
                double sumP = 0, sumQ = 0;
                for (long k = 0; k < n; k++) { sumP += Math.Exp(p[at(k)] - maxP); sumQ += Math.Exp(q[at(k)] - maxQ); }
                double logZp = maxP + Math.Log(sumP), logZq = maxQ + Math.Log(sumQ);
                double kl = 0;
                for (long k = 0; k < n; k++)
                {
                    double logP = p[at(k)] - logZp, logQ = q[at(k)] - logZq;
                    kl += Math.Exp(logP) * (logP - logQ);
                }
                total += Math.Max(kl, 0);
            }
        }
        return (total, outer * inner);
    }

    /// <summary>
    /// The logits and axis of the Softmax that writes <paramref name="output"/>, directly or through ops that only
    /// reshape (Reshape, Flatten, Squeeze, Unsqueeze, Identity); null for other outputs.
    /// </summary>
    private static (string Logits, int Axis)? SoftmaxOf(OnnxGraph graph, string output, bool coerced)
    {
        for (var node = graph.Producer(output); node is not null; node = node.Inputs.Count > 0 ? graph.Producer(node.Inputs[0]) : null)
        {
            if (node.OpType == "Softmax" && node.IsStandard)
                return (node.Inputs[0], (int)node.GetInt("axis", coerced ? 1 : -1));
            if (node.OpType is not ("Reshape" or "Flatten" or "Squeeze" or "Unsqueeze" or "Identity"))
                return null;
        }
        return null;
    }

    /// <inheritdoc/>
    public void Dispose() => _runner.Dispose();

    private static Onnx.Proto.ValueInfoProto ScalarInput(string name) => new()
    {
        Name = name,
        Type = new Onnx.Proto.TypeProto { TensorType = new Onnx.Proto.TypeProto.Types.Tensor { ElemType = (int)DT.Float, Shape = new Onnx.Proto.TensorShapeProto() } },
    };
}
