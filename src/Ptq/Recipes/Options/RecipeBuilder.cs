namespace Ptq.Recipes;

/// <summary>
/// One layer of settings (a recipe file's keys, or the flags of a command line) laid over a baseline recipe with
/// <see cref="RecipeOption.Apply"/>: each setting given replaces the baseline's. PREPROCESSING values are collected and
/// laid over the baseline's preprocessing together by <see cref="Build"/>, so giving <c>std</c> drops the baseline's
/// <c>scale</c> (and <c>resize</c> its <c>resize-short</c>) while giving both in one layer is an error.
/// </summary>
internal sealed class RecipeBuilder
{
    /// <summary>Starts a layer over <paramref name="baseline"/>.</summary>
    public RecipeBuilder(QuantizationRecipe baseline) => Recipe = baseline ?? throw new ArgumentNullException(nameof(baseline));

    /// <summary>The baseline with every non-preprocessing setting applied so far.</summary>
    internal QuantizationRecipe Recipe { get; set; }

    /// <summary>The preprocessing values given in this layer.</summary>
    internal PreprocessingBuilder Preprocessing { get; } = new();

    /// <summary>The recipe with this layer applied. Combinations are not validated (see <see cref="QuantizationRecipe.Validate"/>).</summary>
    /// <exception cref="Data.PreprocessingOptionException">The preprocessing values given contradict each other; names the option.</exception>
    public QuantizationRecipe Build() => Recipe with { Preprocessing = Preprocessing.ApplyTo(Recipe.Preprocessing) };
}
