namespace Ptq.Evaluation;

/// <summary>
/// A model's outputs compared with a reference's over <see cref="Samples"/> samples (s indexes samples, i elements).
/// Values are NaN when no sample was added.
/// </summary>
/// <param name="Samples">Samples compared.</param>
/// <param name="Cosine">Per-sample cosine similarity (<see cref="CosineSimilarity"/>): mean, min, max.</param>
/// <param name="SqnrDb">Overall SQNR from summed energies: <c>10 · log10(Σₛ Σᵢ r² / Σₛ Σᵢ (r − x)²)</c>, +∞ when identical.
/// Unlike the mean of per-sample SQNRs it is not dominated by a few near-perfect samples.</param>
/// <param name="SampleSqnrDb">Per-sample SQNR (<see cref="Sqnr"/>) in dB: mean, min, max.</param>
/// <param name="MeanAbsError"><c>Σₛ Σᵢ |r − x| / Σₛ nₛ</c>.</param>
/// <param name="MaxAbsError"><c>maxₛ maxᵢ |r − x|</c>.</param>
/// <param name="ArgmaxRows">Rows (class-score vectors) compared for argmax agreement.</param>
/// <param name="ArgmaxAgreements">Rows whose argmax equals the reference's.</param>
/// <param name="Custom">User metrics by name: mean, min, max of the per-sample values.</param>
/// <param name="DisagreementGap">Over the rows whose argmax differs: how much the reference prefers its own class to the one
/// the model chose, <c>(r[argmax r] − r[argmax x]) / (max r − min r)</c> (0: a tie in the reference, 1: the model chose the
/// reference's lowest score); mean, min, max.</param>
/// <param name="CloseRows">The share (0–1) of all rows whose reference margin <c>(r[top 1] − r[top 2]) / (max r − min r)</c> is at
/// most the largest disagreement gap (to 0.1 %: a fixed histogram keeps memory constant): the rows as close to a tie as
/// the ones that flipped. When the disagreements are a few of many such rows, they are near-ties that any rounding can
/// flip rather than errors of one layer; NaN without disagreements.</param>
public sealed record ComparisonSummary(
    long Samples,
    MetricSummary Cosine,
    double SqnrDb,
    MetricSummary SampleSqnrDb,
    double MeanAbsError,
    double MaxAbsError,
    long ArgmaxRows,
    long ArgmaxAgreements,
    IReadOnlyDictionary<string, MetricSummary> Custom,
    MetricSummary DisagreementGap,
    double CloseRows)
{
    /// <summary>Mean per-sample cosine similarity.</summary>
    public double MeanCosine => Cosine.Mean;

    /// <summary>Worst per-sample cosine similarity.</summary>
    public double MinCosine => Cosine.Min;

    /// <summary>Argmax agreement in percent: <c>100 · ArgmaxAgreements / ArgmaxRows</c> (NaN without rows).</summary>
    public double AgreementPercent => ArgmaxRows == 0 ? double.NaN : 100.0 * ArgmaxAgreements / ArgmaxRows;
}
