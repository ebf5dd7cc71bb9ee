using System.Globalization;
using Ptq.Recipes;

namespace Ptq.Cli.Output;

/// <summary>
/// The lines <c>ptq quantize</c> prints after a target search (--target-cosine, --weight-bits mixed, --act-bits mixed):
/// the output cosine reached against the target, what was relaxed, and for the activation search the cosine after the
/// step that kept each node's output float.
/// </summary>
internal static class TargetSearchView
{
    /// <summary>Writes the summary of <paramref name="search"/> run for <paramref name="recipe"/> to <paramref name="output"/>.</summary>
    public static void Write(TextWriter output, QuantizationRecipe recipe, AccuracySearch search)
    {
        string relaxed = recipe.IsMixedActBits ? "kept float" : recipe.IsMixedWeightBits ? "raised to 8-bit weights" : "reverted to float";
        string nodes = search.Relaxed.Count == 0 ? "none"
            : (recipe.IsMixedActBits ? "outputs of " : "") + string.Join(", ", search.Relaxed.Select(r => r.Node));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"output cosine {search.Cosine:F5} against float ({(search.Met ? "target met" : "TARGET NOT MET")}: {search.Target}); {relaxed}: {nodes}"));
        if (recipe.IsMixedActBits && search.Relaxed.Count > 0)
            output.WriteLine("  worst first, each with the output cosine after the step that kept it float: " +
                string.Join(", ", search.Relaxed.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Node} {r.Cosine:F5}"))));
    }
}
