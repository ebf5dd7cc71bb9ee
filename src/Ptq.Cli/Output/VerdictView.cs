using System.Globalization;
using Ptq.Recipes;

namespace Ptq.Cli.Output;

/// <summary>
/// The last lines of <c>ptq quantize</c>: how ONNX Runtime ran the written model, and its output cosine against float on
/// the check samples, or that it was not measured (no data) and how to measure it.
/// </summary>
internal static class VerdictView
{
    /// <summary>Writes the verification and the measured verdict of <paramref name="run"/> to <paramref name="output"/>.</summary>
    public static void Write(TextWriter output, QuantizationResult run)
    {
        var v = run.Verification;
        string batches = string.Join(", ", v.BatchSizes);
        string inputs = v.SyntheticInputs ? " (made-up inputs)" : "";
        output.WriteLine(v.ReferenceNotRun is { } alone
            ? $"verified: ONNX Runtime loads the model and runs it at batch {batches}{inputs}; {alone}"
            : v.Ran
            ? $"verified: ONNX Runtime loads the model and runs it at batch {batches} with the float model's output shapes{inputs}"
            : $"verified: ONNX Runtime loads the model; not run ({string.Join("; ", v.Skipped.DefaultIfEmpty("no input the float model accepts"))})");
        if (run.Guard is not null || run.TargetSearch is not null)
            return; // their own lines give the cosine
        if (run.CheckNotRun is { } reason)
            output.WriteLine($"check: not run: {reason}");
        else if (run.CheckCosine is { } cosine)
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"check: output cosine {cosine:F5} against float on {run.CheckSamples} samples"));
        else
            output.WriteLine("check: accuracy not measured (no data); add --data DIR with a few samples to compare the output with float");
    }
}
