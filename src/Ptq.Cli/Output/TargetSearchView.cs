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
        if (search.WeightBits.Count > 0)
        {
            long total = search.WeightBits.Sum(l => l.Weights);
            int low = search.WeightBits.Min(l => l.Bits);
            long atLow = search.WeightBits.Where(l => l.Bits == low).Sum(l => l.Weights);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {(double)atLow / total:P1} of the weights at {low} bits; per layer (bits, weights, output cost of its {low}-bit weights alone as 1 − cosine), most cost per weight first:"));
            foreach (var l in search.WeightBits)
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    {l.Node}: {l.Bits}-bit, {l.Weights:N0} weights, {l.LowBitCost:E2}"));
        }
    }
}
