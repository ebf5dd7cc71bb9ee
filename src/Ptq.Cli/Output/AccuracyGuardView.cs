using System.Globalization;
using Ptq.Tuning;

namespace Ptq.Cli.Output;

/// <summary>
/// The lines <c>ptq quantize</c> prints after the accuracy guard: the plain model's output cosine on the check samples
/// and, when it fell short, which activations the search kept float and the cosine reached.
/// </summary>
internal static class AccuracyGuardView
{
    /// <summary>Writes the summary of <paramref name="guard"/> to <paramref name="output"/>.</summary>
    public static void Write(TextWriter output, GuardResult guard)
    {
        if (!guard.Ran)
        {
            output.WriteLine("accuracy guard: not run (the model has no float output to compare)");
            return;
        }
        string check = string.Create(CultureInfo.InvariantCulture,
            $"accuracy guard: output cosine {guard.PlainCosine:F5} against float on {guard.CheckSamples} calibration samples");
        if (guard.Search is not { } search)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{check} (guard {guard.Guard}): {(guard.Passed ? "passed, nothing kept float" : "below it")}"));
            return;
        }
        string what = search.Unit + "s";
        string kept = ReferenceEquals(search.Result, guard.Result) && search.Reverted.Count > 0
            ? $"kept {search.Reverted.Count} of {search.Candidates} {what} float ({(what == "activations" ? "outputs of " : "")}{Names(search.Reverted.Select(r => r.Node))})"
            : "kept nothing float (no step improved on the plain model)";
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{check}, below the guard {guard.Guard}: {kept}; output cosine now {guard.Cosine:F5}"));
    }

    /// <summary>Up to eight names, then how many more: a guard that kept fifty layers float should not print fifty names.</summary>
    private static string Names(IEnumerable<string> names)
    {
        var list = names.ToList();
        return list.Count <= 8 ? string.Join(", ", list) : $"{string.Join(", ", list.Take(8))} and {list.Count - 8} more (-V lists them)";
    }
}
