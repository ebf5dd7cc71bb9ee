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
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{check} (guard {guard.Guard}): passed, nothing kept float"));
            return;
        }
        string kept = ReferenceEquals(search.Result, guard.Result) && search.Reverted.Count > 0
            ? $"kept {search.Reverted.Count} activations float (outputs of {string.Join(", ", search.Reverted.Select(r => r.Node))})"
            : "kept nothing float (no step improved on the plain model)";
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{check}, below the guard {guard.Guard}: {kept}; output cosine now {guard.Cosine:F5}; --accuracy-guard off writes the plain model"));
    }

    /// <summary>The warning for standard error when the guard's search stopped short of it.</summary>
    public static string NotReached(GuardResult guard) => string.Create(CultureInfo.InvariantCulture,
        $"accuracy guard {guard.Guard} not reached: output cosine {guard.Cosine:F5} with at most a quarter of the activations kept float; the model is written anyway; --act-bits mixed searches without that limit");
}
