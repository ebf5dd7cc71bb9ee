using Ptq.Statistics;

namespace Ptq.Calibration;

/// <summary>
/// Entropy calibration (TensorRT; TNN <c>-b 2</c>, MindSpore KL, ORT Entropy): the clip range whose quantization loses
/// the least information, KL(P‖Q) of <see cref="ClippingDivergence"/>, searched over every window of histogram bins that
/// holds at least one bin per level.
/// <list type="bullet">
/// <item>Signed symmetric targets: |x| (2^(bits−1) levels over [0, t]), range [−t, t].</item>
/// <item>Unsigned symmetric targets: x ≥ 0 (2^bits levels), range [0, t]; negative values become 0 at any t and are left out.</item>
/// <item>Asymmetric targets (2^bits levels): one-sided data as above on its side; two-sided data on the signed histogram
/// with windows [s·Min, s·Max] (the same family MSE scans), the longer side stepping one bin at a time.</item>
/// </list>
/// The bin [0, w) that holds the exact zeros is given the count of its neighbour [w, 2w) (NVIDIA's entropy calibrator
/// does this; TNN and ncnn skip zeros when they build the histogram): zero, and anything within one bin of it, is
/// quantized almost exactly at every candidate threshold, while the zeros of a ReLU output — half of its values on
/// SqueezeNet — would make one spike whose spreading over a level outweighs all clipping and pulls the threshold down.
/// When the data spans fewer bins than there are levels, nothing is clipped. Results lie within the observed [Min, Max].
/// Cost: O(bins · levels) per tensor.
/// </summary>
internal sealed class KlEstimator : IRangeEstimator
{
    /// <inheritdoc/>
    public CalibrationMethod Method => CalibrationMethod.Kl;

    /// <inheritdoc/>
    public StatisticKinds RequiredStatistics => StatisticKinds.Histogram;

    /// <inheritdoc/>
    public FloatRange Estimate(TensorStats stats, QuantTarget target)
    {
        var h = stats.Histogram ?? throw new MissingStatisticsException(stats.Name, Method, "histogram");
        var (positive, negative) = Sides(h);
        double w = h.BinWidth;
        double lo, hi;
        if (target.Symmetric && target.Signed)
        {
            for (int k = 0; k < negative.Length; k++)
            {
                positive[k] += negative[k];
            }
            double t = BestStop(positive, target.MagnitudeLevels) * w;
            (lo, hi) = (-t, t);
        }
        else if (target.Symmetric || stats.Min >= 0)
        {
            (lo, hi) = (0, BestStop(positive, 1 << target.Bits) * w);
        }
        else if (stats.Max <= 0)
        {
            (lo, hi) = (-BestStop(negative, 1 << target.Bits) * w, 0);
        }
        else
        {
            var (start, stop) = BestWindow(negative, positive, 1 << target.Bits);
            (lo, hi) = (start * w, stop * w);
        }
        return RangeFinalizer.Finish(stats.Name, Method, Math.Max(stats.Min, lo), Math.Min(stats.Max, hi), target);
    }

    /// <summary>
    /// Counts per bin of x ≥ 0 (index g: [g·w, (g+1)·w)), the zero bin replaced by its neighbour, and of x &lt; 0 mirrored
    /// (index m: [−(m+1)·w, −m·w)), both as long as the longer side so that they can be added for |x|.
    /// </summary>
    private static (long[] Positive, long[] Negative) Sides(Histogram h)
    {
        long lastG = h.Origin + h.BinCount - 1;
        int n = (int)Math.Max(Math.Max(lastG + 1, -h.Origin), 2);
        long[] positive = new long[n], negative = new long[n];
        var counts = h.Counts;
        for (int i = 0; i < counts.Length; i++)
        {
            long g = h.Origin + i;
            if (g >= 0)
            {
                positive[g] += counts[i];
            }
            else
            {
                negative[-g - 1] += counts[i];
            }
        }
        positive[0] = positive[1];
        return (positive, negative);
    }

    /// <summary>Number of leading bins of <paramref name="counts"/> to keep (the threshold is this times the bin width).</summary>
    internal static int BestStop(long[] counts, int levels)
    {
        int used = UsedLength(counts);
        if (used <= levels)
        {
            return used;
        }
        var divergence = new ClippingDivergence(counts[..used]);
        int best = used;
        double bestDivergence = double.PositiveInfinity;
        for (int stop = levels; stop <= used; stop++)
        {
            double d = divergence.Divergence(0, stop, levels);
            if (d < bestDivergence)
            {
                (best, bestDivergence) = (stop, d);
            }
        }
        return best;
    }

    /// <summary>
    /// Best window over both sides, in bins from zero: (−negative bins kept, positive bins kept). The longer side keeps
    /// k = 1 … all of its bins and the shorter one the same fraction of its own, rounded.
    /// </summary>
    internal static (int Start, int Stop) BestWindow(long[] negative, long[] positive, int levels)
    {
        int neg = UsedLength(negative), pos = UsedLength(positive);
        // The signed histogram: bin z + g holds [g·w, (g+1)·w).
        int z = neg;
        var signed = new long[neg + pos];
        for (int m = 0; m < neg; m++)
        {
            signed[z - 1 - m] = negative[m];
        }
        Array.Copy(positive, 0, signed, z, pos);
        if (neg + pos <= levels)
        {
            return (-neg, pos);
        }
        var divergence = new ClippingDivergence(signed);
        int longer = Math.Max(neg, pos), shorter = Math.Min(neg, pos);
        (int Start, int Stop) best = (-neg, pos);
        double bestDivergence = double.PositiveInfinity;
        for (int k = 1; k <= longer; k++)
        {
            int other = (int)Math.Round((double)shorter * k / longer, MidpointRounding.AwayFromZero);
            var (keepNeg, keepPos) = neg >= pos ? (k, other) : (other, k);
            if (keepNeg + keepPos < levels)
            {
                continue;
            }
            double d = divergence.Divergence(z - keepNeg, z + keepPos, levels);
            if (d < bestDivergence)
            {
                (best, bestDivergence) = ((-keepNeg, keepPos), d);
            }
        }
        return best;
    }

    private static int UsedLength(long[] counts)
    {
        int used = counts.Length;
        while (used > 0 && counts[used - 1] == 0)
        {
            used--;
        }
        return used;
    }
}
