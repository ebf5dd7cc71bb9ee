using System.Globalization;

namespace Ptq.Passes.Shapes;

/// <summary>
/// One dimension (or one element of a shape-valued tensor) as far as static inference knows it: a number, a symbol
/// that stands for one run-time value (a graph input's <c>dim_param</c>, or an unnamed dynamic input dim), or unknown.
/// Two dims with the same symbol are equal at run time; a symbol never equals a number.
/// </summary>
internal readonly record struct Dim(long? Value, string? Symbol)
{
    /// <summary>Prefix of the symbols made up for unnamed dynamic input dims; they are never written to a model.</summary>
    public const string AnonymousPrefix = "?";

    /// <summary>Nothing is known about the dim.</summary>
    public static Dim Unknown => default;

    /// <summary>A dim of known size.</summary>
    public static Dim Of(long value) => new(value, null);

    /// <summary>A dim equal to every other dim with <paramref name="symbol"/>.</summary>
    public static Dim Named(string symbol) => new(null, symbol);

    /// <summary>True when the size is a number.</summary>
    public bool IsKnown => Value is not null;

    /// <summary>True for a made-up symbol of an unnamed input dim.</summary>
    public bool IsAnonymous => Symbol?.StartsWith(AnonymousPrefix, StringComparison.Ordinal) == true;

    /// <summary>True when <paramref name="value"/> is this dim's known size.</summary>
    public bool Is(long value) => Value == value;

    /// <inheritdoc/>
    public override string ToString() =>
        Value is long v ? v.ToString(CultureInfo.InvariantCulture) : Symbol is null || IsAnonymous ? "?" : Symbol;

    /// <summary>"[a,b,?]" for messages.</summary>
    public static string Format(IReadOnlyList<Dim> dims) => "[" + string.Join(",", dims) + "]";

    /// <summary>
    /// The product of <paramref name="dims"/>: a number when all are known, the one symbol when the others are all 1,
    /// else unknown.
    /// </summary>
    public static Dim Product(IEnumerable<Dim> dims) => Monomial.Of(dims)?.ToDim() ?? Unknown;

    /// <summary>
    /// <c>Product(numerator) / Product(denominator)</c> when it is a whole number or a single symbol (a Reshape's -1
    /// dim: [N,32,10,10] reshaped to [-1,3200] gives N); unknown otherwise.
    /// </summary>
    public static Dim Quotient(IEnumerable<Dim> numerator, IEnumerable<Dim> denominator)
    {
        if (Monomial.Of(numerator) is not { } top || Monomial.Of(denominator) is not { } bottom || bottom.Coefficient == 0)
            return Unknown;
        var symbols = top.Symbols.ToList();
        foreach (string symbol in bottom.Symbols)
            if (!symbols.Remove(symbol))
                return Unknown;
        return top.Coefficient % bottom.Coefficient == 0 ? new Monomial(top.Coefficient / bottom.Coefficient, symbols).ToDim() : Unknown;
    }

    // A known coefficient times a product of symbols; null stands for "contains an unknown dim".
    private sealed record Monomial(long Coefficient, List<string> Symbols)
    {
        public static Monomial? Of(IEnumerable<Dim> dims)
        {
            long coefficient = 1;
            var symbols = new List<string>();
            foreach (var dim in dims)
            {
                if (dim.Value is long v)
                {
                    if (v < 0 || (v > 0 && coefficient > long.MaxValue / v))
                        return null;
                    coefficient *= v;
                }
                else if (dim.Symbol is { } s)
                {
                    symbols.Add(s);
                }
                else
                {
                    return null;
                }
            }
            return new Monomial(coefficient, symbols);
        }

        public Dim ToDim() => Symbols.Count switch
        {
            0 => Dim.Of(Coefficient),
            1 when Coefficient == 1 => Dim.Named(Symbols[0]),
            _ => Unknown,
        };
    }
}
