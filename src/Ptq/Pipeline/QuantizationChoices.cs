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
    private readonly HashSet<string> _skipOpTypes;
    private readonly List<(Func<Node, bool> Matches, NodeOverride Override)> _overrides = [];
    private readonly OnnxGraph _graph;

    public QuantizationChoices(StaticQuantizationSettings settings, CalibrationMethod method, OnnxGraph graph)
    {
        _settings = settings;
        _method = method;
        _graph = graph;
        foreach (string pattern in settings.SkipNodes)
            _skipPatterns.Add(NodeMatcher.Compile(pattern, graph, "--skip"));
        _skipOpTypes = settings.SkipOpTypes.ToHashSet(StringComparer.Ordinal);
        foreach (var o in settings.Overrides)
            _overrides.Add((NodeMatcher.Compile(o.Pattern, graph, "override"), o));
    }

    /// <summary>Every range method in use (global and overrides), so statistics cover all of them.</summary>
    public IEnumerable<CalibrationMethod> Methods => _overrides.Select(o => o.Override.Method).OfType<CalibrationMethod>().Append(_method).Distinct();

    /// <summary>Every scheme in use, for choosing the output opset.</summary>
    public IEnumerable<QuantScheme> Schemes => _overrides.SelectMany(o => new[] { o.Override.Weights, o.Override.Activations }).OfType<QuantScheme>()
        .Append(_settings.Weights).Append(_settings.Activations);

    /// <summary>Why <paramref name="node"/> stays float by the user's choice, or null.</summary>
    public string? SkipReason(Node node) =>
        _skipPatterns.Any(p => p(node)) ? "skipped by name (--skip)"
        : _skipOpTypes.Contains(node.OpType) ? "skipped by op type (--skip-op)"
        : OverrideOf(node) is { Skip: true } o ? $"skipped by override '{o.Pattern}'"
        : null;

    /// <summary>The weight scheme for <paramref name="node"/>.</summary>
    public QuantScheme WeightScheme(Node node) => OverrideOf(node)?.Weights ?? _settings.Weights;

    /// <summary>The scheme of activation <paramref name="tensor"/> (from the override of the node writing it).</summary>
    public QuantScheme ActivationScheme(string tensor) => ProducerOverride(tensor)?.Activations ?? _settings.Activations;

    /// <summary>The range method of activation <paramref name="tensor"/>.</summary>
    public CalibrationMethod Method(string tensor) => ProducerOverride(tensor)?.Method ?? _method;

    private NodeOverride? ProducerOverride(string tensor) => _graph.Producer(tensor) is { } producer ? OverrideOf(producer) : null;

    private NodeOverride? OverrideOf(Node node) => _overrides.FirstOrDefault(o => o.Matches(node)).Override;
}
