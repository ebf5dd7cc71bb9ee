using System.Globalization;

namespace Ptq.Recipes;

/// <summary>
/// The one list of recipe options that parse and validate but that the quantization pipeline cannot honour yet. When a
/// feature lands, delete its line here. Callers refuse recipes that use any of them rather than ignore them.
/// </summary>
internal static class PipelineSupport
{
    private static readonly Func<QuantizationRecipe, RecipeFeature?>[] NotYetImplemented =
    [
        r => r.IsMixedWeightBits && r.Mode != QuantizationMode.Full ? new("--weight-bits", RecipeNames.Mixed) : null,
        r => r.TargetCosine is { } c && r.Mode != QuantizationMode.Full ? new("--target-cosine", c.ToString(CultureInfo.InvariantCulture)) : null,
        r => r.MaxDrop is { } d ? new("--max-drop", d.ToString(CultureInfo.InvariantCulture)) : null,
        // MindSpore's thresholds apply to weight-only quantization only.
        r => r.MinWeightSize is { } s && r.Mode != QuantizationMode.WeightOnly ? new("min-weight-size", s.ToString(CultureInfo.InvariantCulture)) : null,
        r => r.MinWeightChannels is { } c && r.Mode != QuantizationMode.WeightOnly ? new("min-weight-channels", c.ToString(CultureInfo.InvariantCulture)) : null,
        r => r.MixedInitScale is { } s ? new("mixed-init-scale", s.ToString(CultureInfo.InvariantCulture)) : null,
    ];

    public static IReadOnlyList<RecipeFeature> Unsupported(QuantizationRecipe recipe) =>
        NotYetImplemented.Select(f => f(recipe)).OfType<RecipeFeature>().ToArray();
}
