using System.Numerics.Tensors;

namespace Ptq.Evaluation;

/// <summary>
/// Top-k membership and argmax over class scores. Ties rank the lower index first (a stable descending sort), so for
/// NaN-free scores <see cref="Argmax"/> is the first maximum and equals <c>TopK.Indices(s, 1)[0]</c>.
/// </summary>
internal static class TopK
{
    /// <summary>
    /// True when class <paramref name="label"/> is among the <paramref name="k"/> best scores:
    /// <c>rank = #{j : sⱼ &gt; s_label} + #{j &lt; label : sⱼ = s_label}</c> and the label is in the top k when <c>rank &lt; k</c>.
    /// A NaN label score is never in the top k; other NaN scores never rank above the label.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="label"/> is outside the scores or <paramref name="k"/> is not positive.</exception>
    public static bool Contains(ReadOnlySpan<float> scores, int label, int k)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(label);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(label, scores.Length);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        float target = scores[label];
        if (float.IsNaN(target)) return false;
        int rank = 0;
        for (int j = 0; j < scores.Length && rank < k; j++)
            if (scores[j] > target || (j < label && scores[j] == target)) rank++;
        return rank < k;
    }

    /// <summary>Indices of the <c>min(k, n)</c> best scores, best first, ties by lower index (NaN scores last).</summary>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="k"/> is not positive.</exception>
    public static int[] Indices(ReadOnlySpan<float> scores, int k)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        float[] values = scores.ToArray();
        int[] order = Enumerable.Range(0, values.Length).ToArray();
        // Sorting (score desc, index asc) keeps ties deterministic; NaN maps to −∞ so it sorts last.
        Array.Sort(order, (a, b) =>
        {
            int c = Key(values[b]).CompareTo(Key(values[a]));
            return c != 0 ? c : a.CompareTo(b);
        });
        return order[..Math.Min(k, order.Length)];
    }

    /// <summary>
    /// Index of the largest score, the first one on ties (<see cref="TensorPrimitives.IndexOfMax{T}(ReadOnlySpan{T})"/>,
    /// which returns the first NaN's index when a NaN is present); −1 for empty scores.
    /// </summary>
    public static int Argmax(ReadOnlySpan<float> scores) => TensorPrimitives.IndexOfMax(scores);

    private static float Key(float v) => float.IsNaN(v) ? float.NegativeInfinity : v;
}
