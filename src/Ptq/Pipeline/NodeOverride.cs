using Ptq.Calibration;
using Ptq.Quantization;

namespace Ptq.Pipeline;

/// <summary>
/// Per-layer settings (Distiller's overrides, ORT's TensorQuantOverrides): nodes whose name equals <see cref="Pattern"/>
/// or matches it as an anchored regular expression use these instead of the global ones; for each setting, the first
/// matching override that sets it wins. Activation settings apply to the tensors the node writes.
/// </summary>
internal sealed record NodeOverride
{
    /// <summary>Node name or regular expression matching whole names.</summary>
    public required string Pattern { get; init; }

    /// <summary>Weight scheme for matching nodes, or null to inherit.</summary>
    public QuantScheme? Weights { get; init; }

    /// <summary>Scheme of the activations matching nodes write, or null to inherit.</summary>
    public QuantScheme? Activations { get; init; }

    /// <summary>Range method for the activations matching nodes write, or null to inherit.</summary>
    public CalibrationMethod? Method { get; init; }

    /// <summary>True: leave matching nodes float; false: quantize them even where a later override says skip; null to inherit.</summary>
    public bool? Skip { get; init; }

    /// <summary>Why <see cref="Skip"/> was set, for the summary's float list; null for a user's override (named by its pattern).</summary>
    public string? SkipReason { get; init; }
}
