using System.Globalization;
using Ptq.Recipes;
using Ptq.Tuning;

namespace Ptq.Cli.Output;

/// <summary>
/// The lines <c>ptq quantize</c> prints after a target search (--target-cosine, --weight-bits mixed, --act-bits mixed):
/// the output cosine reached against the target, what was relaxed, and for the activation search the cosine after the
/// step that kept each node's output float.
/// </summary>
internal static class TargetSearchView
{
    /// <summary>Writes the summary of <paramref name="search"/> run for <paramref name="recipe"/> to <paramref name="output"/>.</summary>
    public static void Write(TextWriter output, QuantizationRecipe recipe, FallbackResult search, double target)
    {
        string relaxed = recipe.IsMixedActBits ? "kept float" : recipe.IsMixedWeightBits ? "raised to 8-bit weights" : "reverted to float";
        string nodes = search.Reverted.Count == 0 ? "none"
            : (recipe.IsMixedActBits ? "outputs of " : "") + string.Join(", ", search.Reverted.Select(r => r.Node));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"output cosine {search.Cosine:F5} against float ({(search.TargetMet ? "target met" : "TARGET NOT MET")}: {target}); {relaxed}: {nodes}"));
        if (recipe.IsMixedActBits && search.Reverted.Count > 0)
            output.WriteLine("  worst first, each with the output cosine after the step that kept it float: " +
                string.Join(", ", search.Reverted.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Node} {r.Cosine:F5}"))));
    }
}
