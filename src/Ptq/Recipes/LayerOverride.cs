using Ptq.Calibration;
using Ptq.Quantization;

namespace Ptq.Recipes;

/// <summary>
/// Per-layer settings (Distiller's <c>overrides</c>, ORT's TensorQuantOverrides, MindSpore/Bolt mixed precision by hand):
/// nodes whose name equals <see cref="Pattern"/> or matches it as an anchored regular expression take the values set
/// here instead of the recipe's. Recipe key: <c>overrides: {"conv.*": {weight-bits: 4}}</c>; for each setting, the first matching entry that sets it wins.
/// Unset (null) values inherit from the recipe.
/// </summary>
public sealed record LayerOverride
{
    /// <summary>Node name or regular expression (anchored: it must match the whole name).</summary>
    public required string Pattern { get; init; }

    /// <summary><c>act-bits</c>, or null to inherit.</summary>
    public int? ActBits { get; init; }

    /// <summary><c>weight-bits</c>, or null to inherit.</summary>
    public int? WeightBits { get; init; }

    /// <summary><c>act-mode</c>, or null to inherit.</summary>
    public QuantMode? ActMode { get; init; }

    /// <summary><c>weight-mode</c>, or null to inherit.</summary>
    public QuantMode? WeightMode { get; init; }

    /// <summary><c>method</c> for this layer's activations, or null to inherit.</summary>
    public CalibrationMethod? Method { get; init; }

    /// <summary>
    /// <c>skip: true</c> leaves matching nodes float (as if listed under <c>--skip</c>); <c>skip: false</c> keeps them
    /// quantized even where a later entry says skip (the first matching entry that sets it wins); null to inherit.
    /// </summary>
    public bool? Skip { get; init; }
}
