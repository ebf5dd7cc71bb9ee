namespace Ptq.Recipes;

/// <summary>
/// Turns an option's values as written (a flag's arguments, a recipe scalar or list) into its type, and back into a YAML
/// scalar. Messages name the option, so a flag and a recipe key get the same words.
/// </summary>
internal abstract class ValueCodec<T>
{
    /// <summary>How the value is written.</summary>
    public virtual OptionShape Shape => OptionShape.Scalar;

    /// <summary>Whether a recipe's null (YAML <c>~</c>) is accepted, meaning the option's default.</summary>
    public virtual bool AcceptsNull => false;

    /// <summary>Whether a recipe sequence is read as its items joined with commas (<c>mean: [104, 117, 123]</c>).</summary>
    public virtual bool JoinsSequence => false;

    /// <summary>The placeholder help shows when the option declares none, e.g. <c>sym|asym_u|asym_s</c>.</summary>
    public virtual string? Placeholder => null;

    /// <summary>The names an enumeration accepts that the pipeline implements, in table order.</summary>
    public virtual IReadOnlyList<string> Values => [];

    /// <summary>Whether <paramref name="value"/> parses but the pipeline cannot honour it yet.</summary>
    public virtual bool NotImplemented(T value) => false;

    /// <summary>Parses <paramref name="texts"/>: exactly one item unless <see cref="Shape"/> is <see cref="OptionShape.List"/>.</summary>
    /// <exception cref="SettingException">A value that does not parse; the message names <paramref name="option"/>.</exception>
    public abstract T Parse(IReadOnlyList<string> texts, RecipeOption option);

    /// <summary>The YAML text of <paramref name="value"/> (a scalar or a flow sequence), or null when it is unset.</summary>
    public abstract string? Format(T value);
}

/// <summary>A codec of one text value.</summary>
internal abstract class ScalarCodec<T> : ValueCodec<T>
{
    /// <inheritdoc/>
    public sealed override T Parse(IReadOnlyList<string> texts, RecipeOption option) => ParseText(texts[0], option);

    /// <summary>Parses one value.</summary>
    protected abstract T ParseText(string text, RecipeOption option);
}

/// <summary>An optional value: unset (null) is accepted and written as nothing.</summary>
internal sealed class NullableCodec<T>(ValueCodec<T> inner) : ValueCodec<T?> where T : struct
{
    public override OptionShape Shape => inner.Shape;

    public override bool AcceptsNull => true;

    public override bool JoinsSequence => inner.JoinsSequence;

    public override string? Placeholder => inner.Placeholder;

    public override IReadOnlyList<string> Values => inner.Values;

    public override bool NotImplemented(T? value) => value is { } v && inner.NotImplemented(v);

    public override T? Parse(IReadOnlyList<string> texts, RecipeOption option) => inner.Parse(texts, option);

    public override string? Format(T? value) => value is { } v ? inner.Format(v) : null;
}

/// <summary>
/// The names of an enumeration's values, one canonical lower- or upper-case spelling each (parsed case-insensitively);
/// values marked not implemented still parse, so <c>ptq recipe show</c> can list them, but help does not offer them.
/// </summary>
internal sealed class EnumCodec<T>(params (string Name, T Value, bool Implemented)[] names) : ScalarCodec<T> where T : struct, Enum
{
    public override string Placeholder => string.Join("|", Values);

    public override IReadOnlyList<string> Values { get; } = [.. names.Where(n => n.Implemented).Select(n => n.Name)];

    /// <summary>Every name, implemented or not, as messages list them.</summary>
    public string AllNames => string.Join("|", names.Select(n => n.Name));

    public override bool NotImplemented(T value) => names.Any(n => EqualityComparer<T>.Default.Equals(n.Value, value) && !n.Implemented);

    public override string Format(T value) => Name(value);

    /// <summary>The canonical name of <paramref name="value"/>.</summary>
    public string Name(T value)
    {
        foreach (var (name, v, _) in names)
            if (EqualityComparer<T>.Default.Equals(v, value))
                return name;
        throw new ArgumentOutOfRangeException(nameof(value), value, $"No name for {typeof(T).Name}.{value}.");
    }

    /// <summary>Parses <paramref name="text"/> for a key that is not an option of its own (e.g. <c>overrides['fc'].method</c>).</summary>
    /// <exception cref="RecipeException">An unknown name; the message names <paramref name="key"/> and lists the names.</exception>
    public T Parse(string text, string key) =>
        TryParse(text, out T value) ? value : throw new RecipeException(key, $"{key} '{text}': expected one of {AllNames}.");

    protected override T ParseText(string text, RecipeOption option) =>
        TryParse(text, out T value) ? value : throw new RecipeException(option, $"{option} '{text}': expected one of {AllNames}.");

    private bool TryParse(string text, out T value)
    {
        foreach (var (name, v, _) in names)
        {
            if (string.Equals(name, text.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                value = v;
                return true;
            }
        }
        value = default;
        return false;
    }
}
