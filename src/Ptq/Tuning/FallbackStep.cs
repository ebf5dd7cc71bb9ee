using Ptq.Graph;
using Ptq.Pipeline;
using Ptq.Quantization;

namespace Ptq.Tuning;

/// <summary>One way to make a layer more precise when the output misses its target.</summary>
internal abstract record FallbackStep
{
    /// <summary>Put the node back to float.</summary>
    public static FallbackStep ToFloat { get; } = new Float();

    /// <summary>Whether the step can still do something for <paramref name="node"/>.</summary>
    public abstract bool Applies(Node node, StaticQuantizationResult result);

    /// <summary>Settings with <paramref name="node"/> relaxed.</summary>
    public abstract StaticQuantizationSettings Relax(StaticQuantizationSettings settings, string node);

    /// <summary>A log line.</summary>
    public abstract string Describe(string node);

    private sealed record Float : FallbackStep
    {
        public override bool Applies(Node node, StaticQuantizationResult result) => true;

        public override StaticQuantizationSettings Relax(StaticQuantizationSettings settings, string node) =>
            settings with { SkipNodes = [.. settings.SkipNodes, node] };

        public override string Describe(string node) => $"reverted '{node}' to float";
    }
}
