using System.Globalization;
using Ptq.Recipes;

namespace Ptq.Cli.Output;

/// <summary>
/// The line <c>ptq quantize</c> prints after the accuracy guard: the plain model's output cosine on the check samples
/// and, when it fell short, what the search kept float (or gave more weight bits) and the cosine reached.
/// </summary>
internal static class AccuracyGuardView
{
    /// <summary>Writes the summary of <paramref name="guard"/> (measured on <paramref name="samples"/> samples) to <paramref name="output"/>.</summary>
    public static void Write(TextWriter output, AccuracySearch guard, int samples)
    {
        string check = string.Create(CultureInfo.InvariantCulture,
            $"accuracy guard: output cosine {guard.StartCosine:F5} against float on {samples} calibration samples");
        if (guard.Candidates == 0)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{check} (guard {guard.Target}): {(guard.Met ? "passed, nothing kept float" : "below it")}"));
            return;
        }
        string kept = guard.Relaxed.Count > 0
            ? $"{guard.Describe()} ({(guard.Unit == "activation" ? "outputs of " : "")}{Names(guard.Relaxed.Select(r => r.Node))})"
            : guard.RaisedToBits is null ? "kept nothing float (no step improved on the plain model)" : "raised no weights (no step improved on the plain model)";
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{check}, below the guard {guard.Target}: {kept}; output cosine now {guard.Cosine:F5}"));
    }

    /// <summary>Up to eight names, then how many more: a guard that kept fifty layers float should not print fifty names.</summary>
    private static string Names(IEnumerable<string> names)
    {
        var list = names.ToList();
        return list.Count <= 8 ? string.Join(", ", list) : $"{string.Join(", ", list.Take(8))} and {list.Count - 8} more (-V lists them)";
    }
}
