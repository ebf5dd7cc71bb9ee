using Ptq.Calibration;
using Ptq.Graph;
using Ptq.Quantization;

namespace Ptq.Pipeline;

/// <summary>
/// The per-node and per-tensor decisions the settings imply: which nodes are skipped and why, and which scheme and
/// range method each weight and activation gets once overrides are applied.
/// </summary>
internal sealed class QuantizationChoices
{
    private readonly StaticQuantizationSettings _settings;
    private readonly CalibrationMethod _method;
    private readonly List<Func<Node, bool>> _skipPatterns = [];
    private readonly List<Func<Node, bool>>? _onlyPatterns;
    private readonly HashSet<string> _skipOpTypes;
    private readonly HashSet<string>? _onlyOpTypes;
    private readonly List<(Func<Node, bool> Matches, NodeOverride Override)> _overrides = [];
    private readonly OnnxGraph _graph;
    private readonly Dictionary<string, double>? _clips;
    private readonly IReadOnlySet<Node> _edges;

    public QuantizationChoices(StaticQuantizationSettings settings, CalibrationMethod method, OnnxGraph graph)
    {
        _settings = settings;
        _method = method;
        _graph = graph;
        foreach (string pattern in settings.SkipNodes)
            _skipPatterns.Add(NodeMatcher.Compile(pattern, graph, "--skip"));
        _skipOpTypes = settings.SkipOpTypes.ToHashSet(StringComparer.Ordinal);
        _onlyPatterns = settings.OnlyNodes?.Select(p => NodeMatcher.Compile(p, graph, "--only")).ToList();
        if (settings.OnlyOpTypes is { } onlyOps)
            _onlyOpTypes = CheckOpTypesExist(onlyOps, graph);
        foreach (var o in settings.Overrides)
            _overrides.Add((NodeMatcher.Compile(o.Pattern, graph, "override"), o));
        _edges = settings.EdgeWeights is null ? new HashSet<Node>() : EdgeLayers.Find(graph);
        if (settings.TensorClips is { } clips)
        {
            CheckClipTensorsExist(clips.Keys, graph);
            _clips = WithSources(clips);
        }
    }

    /// <summary>The clip-table scheme: symmetric 8-bit, scale = clip / 127.</summary>
    public static QuantScheme ClipTableScheme { get; } = new(8, QuantMode.Symmetric, NarrowRange: true);

    /// <summary>The clip-table value of <paramref name="tensor"/>, or null.</summary>
    public double? ClipOf(string tensor) => _clips is { } clips && clips.TryGetValue(tensor, out double v) ? v : null;

    /// <summary>Every range method in use (global and overrides), so statistics cover all of them.</summary>
    public IEnumerable<CalibrationMethod> Methods => _overrides.Select(o => o.Override.Method).OfType<CalibrationMethod>().Append(_method).Distinct();

    /// <summary>
    /// The output opset: 21 when a scheme in use (global or override) needs it (<see cref="QuantScheme.WeightsNeedOpset21"/>,
    /// <see cref="QuantScheme.ActivationsNeedOpset21"/>), else <paramref name="opset"/>.
    /// </summary>
    public long OutputOpset(long opset, bool quantizesActivations) =>
        _overrides.Select(o => o.Override.Weights).Append(_settings.EdgeWeights).OfType<QuantScheme>().Append(_settings.Weights).Any(s => s.WeightsNeedOpset21)
        || (quantizesActivations && _overrides.Select(o => o.Override.Activations).OfType<QuantScheme>().Append(_settings.Activations).Any(s => s.ActivationsNeedOpset21))
            ? Math.Max(opset, 21) : opset;

    /// <summary>Why <paramref name="node"/> stays float by the user's choice, or null.</summary>
    public string? SkipReason(Node node) =>
        _skipPatterns.Any(p => p(node)) ? "skipped by name (--skip)"
        : _skipOpTypes.Contains(node.OpType) ? "skipped by op type (--skip-op)"
        : _onlyOpTypes is { } onlyOps && !onlyOps.Contains(node.OpType) ? "not in the allow-list (--only-op)"
        : _onlyPatterns is { } only && !only.Any(p => p(node)) ? "not in the allow-list (--only)"
        : Matching(node).FirstOrDefault(o => o.Skip is not null) is { Skip: true } o ? o.SkipReason ?? $"skipped by override '{o.Pattern}'"
        : UnclippedTensor(node) is { } missing ? $"'{missing}' is not in the clip table"
        : null;

    /// <summary>In clip-table mode, the first activation of <paramref name="node"/> the table does not list.</summary>
    private string? UnclippedTensor(Node node)
    {
        if (_clips is not { } clips || OpRules.For(node) is not { } rule)
            return null;
        var activations = (rule.ActivationInputs ?? Enumerable.Range(0, node.Inputs.Count))
            .Where(i => i < node.Inputs.Count && node.Inputs[i].Length > 0 && node.Graph.VisibleInitializer(node.Inputs[i]) is null)
            .Select(i => node.Inputs[i]);
        if (rule.Output == OutputQuantization.Own)
            activations = activations.Append(node.Outputs[0]);
        return activations.FirstOrDefault(t => !clips.ContainsKey(SourceOf(t)) && !ListedAfterActivation(t, clips));
    }

    // Bolt's tables name the tensor a layer reads (a MaxPool's output), which Ptq quantizes at its source (the Relu
    // before the MaxPool): a listed tensor's clip also applies to the sources up its data-movement chain that the
    // table does not list itself (the first listing wins).
    private Dictionary<string, double> WithSources(IReadOnlyDictionary<string, double> table)
    {
        var clips = new Dictionary<string, double>(table, StringComparer.Ordinal);
        foreach (var (tensor, clip) in table)
        {
            for (string t = tensor; _graph.Producer(t) is { } producer && OpRules.For(producer) is { Output: OutputQuantization.FollowInput } && producer.Inputs.Count > 0;)
            {
                t = producer.Inputs[0];
                clips.TryAdd(t, clip);
            }
        }
        return clips;
    }

    // Data-movement outputs (Pad, Reshape, MaxPool…) take their input's parameters, so a table entry for the input covers
    // them; this also covers the channel Pad that preparation puts before an RGB first Conv.
    private string SourceOf(string tensor)
    {
        while (_graph.Producer(tensor) is { } producer && OpRules.For(producer) is { Output: OutputQuantization.FollowInput } && producer.Inputs.Count > 0)
            tensor = producer.Inputs[0];
        return tensor;
    }

    // Tables name layer outputs after Relu/Clip, so a producer's output counts as listed when its only reader is such an
    // activation whose output is listed (a symmetric table entry keeps the Relu, and the producer's output is calibrated).
    private bool ListedAfterActivation(string tensor, IReadOnlyDictionary<string, double> clips) =>
        _graph.Consumers(tensor) is [var only] && only.Node.OpType is "Relu" or "Clip" && clips.ContainsKey(only.Node.Outputs[0]);

    // A list that names no op type of the model would leave every node float: almost surely a misspelling.
    private static HashSet<string> CheckOpTypesExist(IReadOnlyList<string> opTypes, OnnxGraph graph)
    {
        var present = graph.Nodes.Concat(graph.Subgraphs().SelectMany(g => g.Nodes)).Select(n => n.OpType).ToHashSet(StringComparer.Ordinal);
        if (!opTypes.Any(present.Contains))
            throw new SettingException(SettingName.OnlyOp,
                $"{SettingName.OnlyOp} {string.Join(" ", opTypes)}: the model has no node of these types, so nothing would be quantized; its op types: {string.Join(", ", present.Order(StringComparer.Ordinal))}");
        return opTypes.ToHashSet(StringComparer.Ordinal);
    }

    private static void CheckClipTensorsExist(IEnumerable<string> tensors, OnnxGraph graph)
    {
        var known = graph.Nodes.SelectMany(n => n.Inputs.Concat(n.Outputs)).Where(t => t.Length > 0).ToHashSet(StringComparer.Ordinal);
        foreach (string tensor in tensors)
        {
            if (!known.Contains(tensor))
                throw new PtqException($"clip table names tensor '{tensor}', which the model does not have; closest names: {string.Join(", ", NodeMatcher.Closest(tensor, known))}");
        }
    }

    /// <summary>The weight scheme for <paramref name="node"/>: an override's, else the edge layers' for those, else the global one.</summary>
    public QuantScheme WeightScheme(Node node) => Matching(node).Select(o => o.Weights).FirstOrDefault(w => w is not null)
        ?? (_edges.Contains(node) ? _settings.EdgeWeights : null) ?? _settings.Weights;

    /// <summary>The scheme of activation <paramref name="tensor"/> (from the override of the node writing it).</summary>
    public QuantScheme ActivationScheme(string tensor) =>
        ClipOf(tensor) is not null ? ClipTableScheme
        : ProducerOverrides(tensor).Select(o => o.Activations).FirstOrDefault(a => a is not null) ?? _settings.Activations;

    /// <summary>The range method of activation <paramref name="tensor"/>.</summary>
    public CalibrationMethod Method(string tensor) => ProducerOverrides(tensor).Select(o => o.Method).FirstOrDefault(m => m is not null) ?? _method;

    private IEnumerable<NodeOverride> ProducerOverrides(string tensor) => _graph.Producer(tensor) is { } producer ? Matching(producer) : [];

    // For each setting, the first matching override that sets it wins.
    private IEnumerable<NodeOverride> Matching(Node node) => _overrides.Where(o => o.Matches(node)).Select(o => o.Override);
}
