using System.Text.RegularExpressions;

namespace Ptq.Recipes;

/// <summary>
/// One option of <c>ptq quantize</c>, declared once in <see cref="RecipeOptions"/>: its recipe key (the CLI flag is
/// <c>--</c> + key), group, placeholder, description, value shape, parser, YAML formatter, default, and how other tools
/// spell it. The CLI's options, the recipe readers and writer, <c>ptq recipe show</c>, help and the recipe reference are
/// all generated from these entries. In a message, an entry writes itself as its key, or as its flag under
/// <see cref="OptionSpelling.Flags"/>.
/// </summary>
internal sealed partial class RecipeOption : ISetting
{
    private readonly Action<RecipeBuilder, IReadOnlyList<string>?, RecipeOption>? _apply;
    private readonly Func<QuantizationRecipe, string?> _format;
    private readonly Func<QuantizationRecipe, bool> _notImplemented;
    private readonly Func<string?>? _unsetMeans;

    internal RecipeOption(Definition d)
    {
        Key = d.Key;
        Group = d.Group;
        Shape = d.Shape;
        Placeholder = d.Placeholder;
        Description = d.Description;
        HasFlag = d.HasFlag;
        Implemented = d.Implemented;
        ReadsSamples = d.ReadsSamples;
        Values = d.Values;
        Spellings = d.Spellings;
        AcceptsNull = d.AcceptsNull;
        JoinsSequence = d.JoinsSequence;
        _apply = d.Apply;
        _format = d.Format;
        _notImplemented = d.NotImplemented;
        _unsetMeans = d.UnsetMeans;
    }

    /// <summary>The recipe key, e.g. <c>act-bits</c>.</summary>
    public string Key { get; }

    /// <summary>The CLI flag, <c>--</c> + <see cref="Key"/>, or null for a recipe-only key.</summary>
    public string? Flag => HasFlag ? "--" + Key : null;

    /// <summary>False for keys only a recipe file can set (<c>n-std</c>, <c>overrides</c>, …).</summary>
    public bool HasFlag { get; }

    /// <summary>What the option is about; help lists options by group.</summary>
    internal OptionGroup Group { get; }

    /// <summary>How the value is written.</summary>
    internal OptionShape Shape { get; }

    /// <summary>The value's placeholder in help, e.g. <c>W,H</c> or <c>N|mixed</c>; null for a switch that is off by default.</summary>
    public string? Placeholder { get; }

    /// <summary>
    /// One line saying what the option does, without its default (<see cref="DefaultText"/>). Other options are written
    /// as flags (<c>--data</c>); <see cref="DescriptionIn"/> writes them as keys for a recipe reference.
    /// </summary>
    public string Description { get; }

    /// <summary>The names an enumeration option accepts (implemented ones), in order; empty for other options.</summary>
    public IReadOnlyList<string> Values { get; }

    /// <summary>False for options that parse but that the pipeline cannot honour yet: help hides them, <c>ptq quantize</c> refuses them.</summary>
    public bool Implemented { get; }

    /// <summary>True for options that say how samples are read (data and preprocessing): every command that reads samples takes them.</summary>
    public bool ReadsSamples { get; }

    /// <summary>How MindSpore Lite, Bolt, TNN, Distiller and ONNX Runtime spell this option, where they have it.</summary>
    internal IReadOnlyList<ToolSpelling> Spellings { get; }

    /// <summary>The default as help shows it: the formatted value of <see cref="QuantizationRecipe.Default"/>, or what unset means; null when there is nothing to say.</summary>
    public string? DefaultText
    {
        get
        {
            if (_unsetMeans is not null) return _unsetMeans();
            string? text = Format(QuantizationRecipe.Default);
            return Shape == OptionShape.List || (Shape == OptionShape.Switch && text == "false") ? null : text;
        }
    }

    /// <summary>Whether a recipe's null (YAML <c>~</c>) is accepted, meaning the default.</summary>
    internal bool AcceptsNull { get; }

    /// <summary>Whether a recipe sequence is read as its items joined with commas.</summary>
    internal bool JoinsSequence { get; }

    /// <summary>
    /// Applies the option's value as written to <paramref name="target"/>: <paramref name="values"/> holds one text for a
    /// scalar or switch, any number for a list, or is null for a recipe's null (the default, where accepted).
    /// </summary>
    /// <exception cref="SettingException">A value that does not parse; the message names this option.</exception>
    /// <exception cref="InvalidOperationException">For <c>overrides</c>, which the recipe readers bind themselves.</exception>
    internal void Apply(RecipeBuilder target, IReadOnlyList<string>? values)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (_apply is null)
            throw new InvalidOperationException($"{Key} is a structured mapping, bound by the recipe readers.");
        if (values is null ? !AcceptsNull : Shape != OptionShape.List && values.Count != 1)
            throw new RecipeException(this, $"{this}: expected a single value.");
        _apply(target, values, this);
    }

    /// <summary>The option's value in <paramref name="recipe"/> as YAML (a scalar or flow sequence), or null when unset.</summary>
    public string? Format(QuantizationRecipe recipe) => _format(recipe ?? throw new ArgumentNullException(nameof(recipe)));

    /// <summary>Whether <paramref name="recipe"/> sets this option in a way the pipeline cannot honour yet.</summary>
    public bool IsNotImplementedIn(QuantizationRecipe recipe) => _notImplemented(recipe ?? throw new ArgumentNullException(nameof(recipe)));

    /// <summary><see cref="Description"/> with the options it mentions written as <paramref name="spelling"/> says.</summary>
    internal string DescriptionIn(OptionSpelling spelling) =>
        spelling.UsesFlags ? Description : FlagMention().Replace(Description, m => RecipeOptions.Find(m.Groups[1].Value) is { } o ? o.Key : m.Value);

    /// <summary>The recipe key.</summary>
    public override string ToString() => Key;

    /// <summary>The flag under <see cref="OptionSpelling.Flags"/> (for options that have one), else the key.</summary>
    public string ToString(string? format, IFormatProvider? formatProvider) =>
        formatProvider is OptionSpelling { UsesFlags: true } && HasFlag ? "--" + Key : Key;

    [GeneratedRegex(@"(?<![\w-])--([a-z0-9][a-z0-9-]*)")]
    private static partial Regex FlagMention();

    /// <summary>What an entry declares beyond its key, codec, accessors and description.</summary>
    internal sealed record Extras
    {
        /// <summary>Help's placeholder, when not the codec's.</summary>
        public string? Placeholder { get; init; }

        /// <summary>False for a recipe-only key.</summary>
        public bool HasFlag { get; init; } = true;

        /// <summary>False when the pipeline cannot honour the option at all yet.</summary>
        public bool Implemented { get; init; } = true;

        /// <summary>Combinations the pipeline cannot honour yet (e.g. mixed weight bits outside --mode full).</summary>
        public Func<QuantizationRecipe, bool>? NotYet { get; init; }

        /// <summary>Whether a recipe's null is accepted, when not the codec's choice.</summary>
        public bool? AcceptsNull { get; init; }

        /// <summary>What help says as the default when the recipe leaves the option unset.</summary>
        public Func<string?>? UnsetMeans { get; init; }

        /// <summary>True for data options every sample-reading command takes.</summary>
        public bool ReadsSamples { get; init; }

        /// <summary>Other tools' spellings.</summary>
        public IReadOnlyList<ToolSpelling> Spellings { get; init; } = [];
    }

    /// <summary>Everything an entry is built from (see <see cref="RecipeOptions"/>).</summary>
    internal sealed record Definition(string Key, OptionGroup Group, OptionShape Shape, string? Placeholder, string Description,
        IReadOnlyList<string> Values, Extras Extras)
    {
        public bool HasFlag => Extras.HasFlag;
        public bool Implemented => Extras.Implemented;
        public bool ReadsSamples => Extras.ReadsSamples;
        public IReadOnlyList<ToolSpelling> Spellings => Extras.Spellings;
        public Func<string?>? UnsetMeans => Extras.UnsetMeans;
        public bool AcceptsNull { get; init; }
        public bool JoinsSequence { get; init; }
        public Action<RecipeBuilder, IReadOnlyList<string>?, RecipeOption>? Apply { get; init; }
        public required Func<QuantizationRecipe, string?> Format { get; init; }
        public required Func<QuantizationRecipe, bool> NotImplemented { get; init; }
    }
}
