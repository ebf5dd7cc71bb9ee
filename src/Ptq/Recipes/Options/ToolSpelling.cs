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
internal sealed record ToolSpelling(SeedTool Tool, string Name, string Values = "");
