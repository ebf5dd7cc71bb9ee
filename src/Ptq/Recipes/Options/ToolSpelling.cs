namespace Ptq.Recipes;

/// <summary>The tools whose options Ptq maps onto its own (their front ends and migration guides read <see cref="RecipeOption.Spellings"/>).</summary>
internal enum SeedTool
{
    /// <summary>MindSpore Lite's converter quantization config (<c>.cfg</c>, INI sections and keys).</summary>
    MindSporeLite,

    /// <summary>Bolt's <c>post_training_quantization</c> flags.</summary>
    Bolt,

    /// <summary>TNN's <c>quantization_cmd</c> flags.</summary>
    Tnn,

    /// <summary>Distiller's <c>--qe-*</c> post-training quantization flags and YAML.</summary>
    Distiller,

    /// <summary>ONNX Runtime's Python <c>quantize_static</c>/<c>quantize_dynamic</c> parameters and <c>extra_options</c>.</summary>
    OnnxRuntime,
}

/// <summary>How another tool spells a Ptq option, e.g. Bolt's <c>-c</c> for <c>clip</c>.</summary>
/// <param name="Tool">The tool.</param>
/// <param name="Name">Its flag, config key or parameter as that tool writes it, e.g. <c>[full_quant_param] activation_quant_method</c>.</param>
/// <param name="Values">How its values map onto Ptq's, e.g. <c>MAX_MIN → minmax, KL → kl</c>; empty when they are written the same.</param>
internal sealed record ToolSpelling(SeedTool Tool, string Name, string Values = "")
{
    /// <summary>A spelling whose values translate one to one (<see cref="Map"/>); <see cref="Values"/> lists the pairs.</summary>
    internal ToolSpelling(SeedTool tool, string name, IReadOnlyList<KeyValuePair<string, string>> map)
        : this(tool, name, string.Join(", ", map.Select(p => $"{p.Key} → {p.Value}"))) => Map = map;

    /// <summary>
    /// The tool's value → Ptq's value, for spellings whose values translate one to one (the front ends translate with it;
    /// any other value is refused); empty when values are written the same or the translation is not one to one.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, string>> Map { get; } = [];
}
