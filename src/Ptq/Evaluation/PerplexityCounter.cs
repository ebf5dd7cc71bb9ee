using System.Numerics.Tensors;

namespace Ptq.Evaluation;

/// <summary>
/// Sums the negative log-likelihood of next-token targets under a language model's logits: for a row x of V logits and
/// target y, <c>nll = log Σᵥ exp(xᵥ) − x_y</c> (computed as <c>m + log Σᵥ exp(xᵥ − m) − x_y</c> with m the row maximum,
/// in double). Positions whose target is −1 are not scored.
/// </summary>
internal sealed class PerplexityCounter
{
    private double _nll;
    private long _tokens, _top1;

    /// <summary>
    /// Scores one sample: <paramref name="logits"/> holds <paramref name="targets"/>.Length rows of
    /// <paramref name="vocabulary"/> values, row t for position t. The caller has checked the lengths and that each
    /// target is −1 or below <paramref name="vocabulary"/>.
    /// </summary>
    public void Add(ReadOnlySpan<float> logits, int vocabulary, ReadOnlySpan<long> targets)
    {
        for (int t = 0; t < targets.Length; t++)
        {
            long target = targets[t];
            if (target < 0)
                continue;
            var row = logits.Slice(t * vocabulary, vocabulary);
            float max = TensorPrimitives.Max(row);
            double sum = 0;
            foreach (float x in row)
                sum += Math.Exp(x - (double)max);
            _nll += max + Math.Log(sum) - row[(int)target];
            _tokens++;
            if (TopK.Argmax(row) == target)
                _top1++;
        }
    }

    public PerplexityResult ToResult() => new(_tokens, _nll, _top1);
}
