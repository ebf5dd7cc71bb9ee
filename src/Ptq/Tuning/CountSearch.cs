namespace Ptq.Tuning;

/// <summary>One quantization a search tried: the first <see cref="Count"/> ranked candidates relaxed, and its output cosine.</summary>
/// <typeparam name="T">The quantization result.</typeparam>
internal sealed record CountStep<T>(int Count, T Result, double Cosine);

/// <summary>
/// How many of a ranked list of candidates to relax (keep float, give more bits) so the output cosine reaches a target:
/// relax the first 1, 2, 4, 8… until it holds, then bisect between the last count that missed and the first that held,
/// so the answer is close to the smallest count that holds with about 2·log2(n) tries. Assumes relaxing more rarely
/// hurts; on samples this few it sometimes does, which the bisection tolerates (it returns a count that held). A step
/// with cosine −∞ is one the evaluator refuses (e.g. nothing left quantized): it bounds the search from above like a
/// count that held, so the bisection looks below it.
/// </summary>
internal static class CountSearch
{
    /// <summary>
    /// Tries counts up to <paramref name="max"/> with <paramref name="evaluate"/> and returns every step tried, in order,
    /// and the chosen one: the smallest count that reached <paramref name="target"/>, else the step with the best cosine.
    /// </summary>
    public static (CountStep<T> Chosen, IReadOnlyList<CountStep<T>> Steps) Find<T>(int max, double target, Func<int, CountStep<T>> evaluate)
    {
        var steps = new List<CountStep<T>>();
        CountStep<T>? held = null;
        int missed = 0, bound = 0; // the last count that missed; the first that held or was refused (0: none yet)
        for (int count = 1; count <= max && bound == 0; count = count == max ? max + 1 : Math.Min(count * 2, max))
            Try(count);
        while (bound - missed > 1)
            Try(missed + (bound - missed) / 2);
        return (held ?? steps.Where(s => !Refused(s)).MaxBy(s => s.Cosine) ?? steps[0], steps);

        void Try(int count)
        {
            var step = evaluate(count);
            steps.Add(step);
            if (step.Cosine >= target)
                held = step;
            if (step.Cosine >= target || Refused(step))
                bound = count;
            else
                missed = count;
        }
    }

    private static bool Refused<T>(CountStep<T> step) => double.IsNegativeInfinity(step.Cosine);

    /// <summary>
    /// The first <paramref name="chosen"/>.Count of <paramref name="ranked"/>, each with the output cosine of the smallest
    /// step tried that relaxed it (the cosine after the step that added it).
    /// </summary>
    public static IReadOnlyList<(string Node, double Cosine)> Relaxed<T>(IReadOnlyList<string> ranked, CountStep<T> chosen, IReadOnlyList<CountStep<T>> steps)
    {
        var sizes = steps.Where(s => s.Count <= chosen.Count).OrderBy(s => s.Count).ToList();
        return [.. ranked.Take(chosen.Count).Select((node, i) => (node, sizes.First(s => s.Count > i).Cosine))];
    }
}
