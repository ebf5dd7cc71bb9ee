namespace Ptq.Recipes;

/// <summary>
/// The arguments of one seed-tool command line, as parsed: the positional arguments in order, and the value(s) of each
/// flag given, keyed by <see cref="ToolFlag.Name"/> (a switch has no values). What the CLI hands a
/// <see cref="SeedToolFrontEnd"/>.
/// </summary>
internal sealed class ToolArguments
{
    private readonly Dictionary<string, IReadOnlyList<string>> _flags = new(StringComparer.Ordinal);

    /// <summary>Creates the arguments with <paramref name="positional"/> values.</summary>
    public ToolArguments(IReadOnlyList<string>? positional = null) => Positional = positional ?? [];

    /// <summary>The positional arguments, in order.</summary>
    public IReadOnlyList<string> Positional { get; }

    /// <summary>The flags given, by name, in the order they were added.</summary>
    public IEnumerable<string> Given => _flags.Keys;

    /// <summary>Records flag <paramref name="name"/> with its <paramref name="values"/> (empty for a switch); returns this.</summary>
    public ToolArguments Add(string name, params IReadOnlyList<string> values)
    {
        ArgumentNullException.ThrowIfNull(name);
        _flags[name] = values ?? [];
        return this;
    }

    /// <summary>Whether flag <paramref name="name"/> was given.</summary>
    public bool Has(string name) => _flags.ContainsKey(name);

    /// <summary>The single value of flag <paramref name="name"/>, or <paramref name="fallback"/> when it was not given.</summary>
    public string? Value(string name, string? fallback = null) => _flags.TryGetValue(name, out var v) && v.Count > 0 ? v[^1] : fallback;

    /// <summary>Every value of flag <paramref name="name"/> (empty when not given).</summary>
    public IReadOnlyList<string> Values(string name) => _flags.TryGetValue(name, out var v) ? v : [];
}
