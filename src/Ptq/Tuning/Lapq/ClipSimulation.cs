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
/// its parameters) become graph inputs, so one session serves every candidate of LAPQ's search (a session per
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
    private readonly IReadOnlyList<string> _outputs;
    private readonly List<float[]> _expected;
    private readonly double _energy;

    private ClipSimulation(OrtRunner runner, IReadOnlyList<string> sources, IReadOnlyList<IReadOnlyDictionary<string, TensorValue>> samples,
        IReadOnlyList<string> outputs, List<float[]> expected)
    {
        _runner = runner;
        _sources = sources;
        _samples = samples;
        _outputs = outputs;
        _expected = expected;
        _energy = Math.Max(expected.Sum(e => e.Sum(v => (double)v * v)), double.Epsilon);
    }

    /// <summary>The searched tensors (parameter sources) in input order.</summary>
    public IReadOnlyList<string> Sources => _sources;

    /// <summary>
    /// The simulation of <paramref name="result"/> with the parameters of <paramref name="sources"/> (parameter sources
    /// of its plan) made run-time inputs, measured on <paramref name="samples"/> against <paramref name="reference"/>'s
    /// float outputs. Throws <see cref="PtqException"/> when the model has no float output.
    /// </summary>
    public static ClipSimulation Create(StaticQuantizationResult result, OnnxModel reference, IReadOnlyList<string> sources,
        IReadOnlyList<IReadOnlyDictionary<string, TensorValue>> samples)
    {
        var outputs = OutputCheck.FloatOutputs(result.PreparedFloatModel);
        if (outputs.Count == 0)
            throw new PtqException("LAPQ measures the output against float, and the model has no float output");
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
        foreach (var dq in graph.Nodes.Where(n => n.IsStandard && n.OpType == "DequantizeLinear").ToList())
        {
            if (Passes.CodeClamp.Source(graph, dq.Inputs[0]) is not var (q, _) || !q.IsStandard
                || !index.TryGetValue(result.Plan.ParameterSource(q.Inputs[0]), out int source))
                continue;
            int type = q.Inputs.Count > 2 && graph.Initializer(q.Inputs[2]) is { } zp ? zp.DataType : (int)DT.Uint8;
            foreach (var node in new[] { q, dq })
            {
                graph.ReplaceInput(node, 1, ScaleInput + source);
                if (node.Inputs.Count > 2)
                    graph.ReplaceInput(node, 2, ZeroPoint(source, type));
            }
        }
        graph.RemoveUnusedInitializers();
        for (int i = 0; i < sources.Count; i++)
        {
            graph.Inputs.Add(ScalarInput(ScaleInput + i));
            graph.Inputs.Add(ScalarInput(ZeroPointInput + i));
        }
        graph.SortTopologically();
        var proto = result.Model.Proto.Clone();
        proto.Graph = graph.ToProto();
        var runner = new OrtRunner(result.Model.Derive(proto));
        try
        {
            using var floatRunner = new OrtRunner(reference);
            var expected = samples.Select(s => Concatenated(floatRunner.Run(s, outputs), outputs)).ToList();
            return new ClipSimulation(runner, sources, samples, outputs, expected);
        }
        catch
        {
            runner.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The output loss with <paramref name="parameters"/> for the searched tensors: the squared error of the outputs over
    /// all samples divided by the float outputs' energy (0 is float's output; scale-free, so models compare).
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
        double error = 0;
        for (int s = 0; s < _samples.Count; s++)
        {
            foreach (var (name, value) in _samples[s])
                feeds[name] = value;
            float[] actual = Concatenated(_runner.Run(feeds, _outputs), _outputs);
            float[] expected = _expected[s];
            for (int k = 0; k < expected.Length; k++)
            {
                double d = actual[k] - (double)expected[k];
                error += d * d;
            }
        }
        return error / _energy;
    }

    /// <inheritdoc/>
    public void Dispose() => _runner.Dispose();

    private static float[] Concatenated(Dictionary<string, TensorValue> values, IReadOnlyList<string> outputs) => [.. outputs.SelectMany(o => values[o].ToFloats())];

    private static Onnx.Proto.ValueInfoProto ScalarInput(string name) => new()
    {
        Name = name,
        Type = new Onnx.Proto.TypeProto { TensorType = new Onnx.Proto.TypeProto.Types.Tensor { ElemType = (int)DT.Float, Shape = new Onnx.Proto.TensorShapeProto() } },
    };
}
