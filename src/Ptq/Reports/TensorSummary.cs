namespace Ptq.Reports;

/// <summary>
/// Distribution of one tensor's values over all debug samples (MindSpore's debug columns). Values are NaN when the
/// tensor held no values.
/// </summary>
/// <param name="Count">Values seen (elements × samples).</param>
/// <param name="Min">Smallest value.</param>
/// <param name="Q1">25th percentile (linear interpolation between order statistics, numpy's default).</param>
/// <param name="Median">50th percentile.</param>
/// <param name="Q3">75th percentile.</param>
/// <param name="Max">Largest value.</param>
/// <param name="Mean"><c>Σ v / n</c>, summed in double.</param>
/// <param name="Var">Population variance <c>Σ (v − mean)² / n</c>, from double sums of v and v².</param>
/// <param name="Sparsity">Fraction of values exactly 0.</param>
/// <param name="QuartilesExact">True when Q1/Median/Q3 come from every value; false when they are estimated from a
/// reservoir sample of <see cref="QuantileReservoir.DefaultCapacity"/> values (large activations).</param>
public sealed record TensorSummary(long Count, double Min, double Q1, double Median, double Q3, double Max, double Mean, double Var, double Sparsity, bool QuartilesExact);
