namespace Ptq.Pipeline;

/// <summary>Which part of a data set one machine calibrates: shard <see cref="Index"/> (1-based) of <see cref="Count"/>.</summary>
public readonly record struct Shard(int Index, int Count)
{
    /// <summary>The whole data set.</summary>
    public static Shard All { get; } = new(1, 1);

    /// <summary>Parses "K/N"; throws <see cref="PtqException"/> naming --shard for anything else or K outside 1..N.</summary>
    public static Shard Parse(string text)
    {
        var parts = text.Split('/');
        if (parts.Length != 2 || !int.TryParse(parts[0], out int k) || !int.TryParse(parts[1], out int n) || n < 1 || k < 1 || k > n)
            throw new SettingException(SettingName.Shard, $"{SettingName.Shard} '{text}': expected K/N with 1 <= K <= N, e.g. 2/4");
        return new Shard(k, n);
    }

    /// <summary>Samples i (0-based, in source order) with i mod N = K-1: shards are disjoint and cover the set.</summary>
    public IEnumerable<T> Select<T>(IEnumerable<T> samples)
    {
        int count = Count, index = Index;
        return samples.Where((_, i) => i % count == index - 1);
    }

    /// <summary>How many of <paramref name="total"/> samples fall in this shard.</summary>
    public int CountOf(int total) => total / Count + (total % Count >= Index ? 1 : 0);
}
