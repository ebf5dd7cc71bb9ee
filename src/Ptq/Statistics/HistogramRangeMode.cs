namespace Ptq.Statistics;

/// <summary>How a histogram places its bins.</summary>
internal enum HistogramRangeMode
{
    /// <summary>Bins cover [−R, R) with zero on the middle edge; R grows by powers of two to hold max|x|.</summary>
    Symmetric,

    /// <summary>Bins cover the observed [min, max], aligned to a power-of-two grid.</summary>
    MinMax,
}
