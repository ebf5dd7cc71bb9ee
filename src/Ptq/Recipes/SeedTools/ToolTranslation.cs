namespace Ptq.Recipes;

/// <summary>
/// What a seed tool's command line amounts to in Ptq: the recipe, the model and output paths, and the notes the user
/// should read (where Ptq's result differs from the tool's in a way the flags cannot express).
/// </summary>
/// <param name="Recipe">The recipe, validated.</param>
/// <param name="Model">The float ONNX model to quantize.</param>
/// <param name="Output">Where the quantized model goes (quant_param.csv beside it).</param>
/// <param name="Verbose">Whether the tool's verbose flag was given (per-tensor decisions on standard error).</param>
/// <param name="Notes">One sentence each, printed as warnings before the run.</param>
internal sealed record ToolTranslation(QuantizationRecipe Recipe, string Model, string Output, bool Verbose, IReadOnlyList<string> Notes)
{
    /// <summary>
    /// The equivalent <c>ptq quantize</c> command line: a flag for every option that differs from the default, and
    /// <c>--recipe recipe.yaml</c> (the YAML of <see cref="Recipe"/>) when a recipe-only key does.
    /// </summary>
    public string QuantizeCommand => NativeCommand.Format(Model, Recipe, Output, Verbose);

    /// <summary>The recipe file <see cref="QuantizeCommand"/> names (the YAML of <see cref="Recipe"/>), or null when flags say it all.</summary>
    public string? RecipeFile => NativeCommand.NeedsRecipeFile(Recipe) ? NativeCommand.RecipeFileName : null;
}
