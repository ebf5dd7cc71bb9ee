using Ptq.Data;

namespace Ptq.Evaluation.Text;

/// <summary>
/// Targets read from the sample itself (<c>--labels next-token</c>): the token ids fed to input <see cref="InputName"/>
/// shifted by one, so position t is scored on the id at t + 1 and the last position on nothing. For windows of token
/// ids saved as .npy files, which do not say what follows them.
/// </summary>
/// <param name="InputName">The model input holding the token ids (int64 or int32).</param>
internal sealed record ShiftedTokenTargets(string InputName) : ISequenceTargets
{
    /// <inheritdoc/>
    public string Description => $"next tokens of input '{InputName}'";

    /// <inheritdoc/>
    public long[] TargetsOf(CalibrationSample sample, int sampleIndex)
    {
        ArgumentNullException.ThrowIfNull(sample);
        if (!sample.Inputs.TryGetValue(InputName, out var tensor))
            throw new EvaluationException($"Sample '{sample.SourceName}' has no input '{InputName}' to read next-token targets from.");
        long[] ids = tensor.Data switch
        {
            long[] l => l,
            int[] i => [.. i.Select(v => (long)v)],
            _ => throw new EvaluationException($"Input '{InputName}' of sample '{sample.SourceName}' is {tensor.ElementType}; next-token targets need token ids (int64 or int32)."),
        };
        if (ids.Length == 0)
            return [];
        var targets = new long[ids.Length];
        Array.Copy(ids, 1, targets, 0, ids.Length - 1);
        targets[^1] = -1;
        return targets;
    }
}
