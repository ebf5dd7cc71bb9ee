namespace Ptq.Statistics;

/// <summary>Mean over batches of the per-batch minimum and maximum.</summary>
/// <param name="Min">Mean of per-batch minima.</param>
/// <param name="Max">Mean of per-batch maxima.</param>
internal sealed record AverageRange(double Min, double Max);

/// <summary>Bias-corrected exponential moving average of the per-batch minimum and maximum.</summary>
/// <param name="Momentum">Weight of the previous average.</param>
/// <param name="Min">EMA of per-batch minima.</param>
/// <param name="Max">EMA of per-batch maxima.</param>
internal sealed record EmaRange(double Momentum, double Min, double Max);

/// <summary>Moments of all values of a tensor (the count is <see cref="TensorStats.Count"/>).</summary>
/// <param name="Mean">Mean.</param>
/// <param name="M2">Σ(x − Mean)².</param>
/// <param name="AbsMean">Mean |x|; null when the source did not record it (Distiller files).</param>
/// <param name="MeanAbsDeviation">Laplace scale b: element-weighted mean over batches of mean |x − batch mean|.</param>
internal sealed record Moments(double Mean, double M2, double? AbsMean, double MeanAbsDeviation);

/// <summary>Per-channel minimum and maximum along <paramref name="Axis"/>.</summary>
/// <param name="Axis">Channel axis as configured.</param>
/// <param name="Min">Minimum per channel.</param>
/// <param name="Max">Maximum per channel.</param>
internal sealed record PerChannelRange(int Axis, IReadOnlyList<double> Min, IReadOnlyList<double> Max);
