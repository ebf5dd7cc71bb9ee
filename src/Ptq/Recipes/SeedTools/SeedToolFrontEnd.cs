namespace Ptq.Recipes;

/// <summary>
/// A seed tool's command line in its own words — <c>ptq bolt</c>, <c>ptq tnn</c>, <c>ptq distiller</c>,
/// <c>ptq mindspore</c> — translated into a <see cref="QuantizationRecipe"/> that <see cref="Quantizer.Quantize"/> runs
/// like any other. <see cref="Flags"/> lists every flag of the tool's documentation, each honoured or refused with a
/// reason (<see cref="ToolFlag.Refusal"/>); flags that set an option are applied through the option table's
/// <see cref="ToolSpelling"/>s, so the migration guides generated from the table describe exactly what the front end does.
/// </summary>
internal sealed class SeedToolFrontEnd
{
    private readonly Func<ToolArguments, QuantizationRecipe, ToolTranslation> _translate;

    private SeedToolFrontEnd(string command, SeedTool tool, string description, IReadOnlyList<string> positional, IReadOnlyList<ToolFlag> flags,
        Func<ToolArguments, QuantizationRecipe, ToolTranslation> translate)
    {
        Command = command;
        Tool = tool;
        Description = description;
        Positional = positional;
        Flags = flags;
        _translate = translate;
    }

    /// <summary>Bolt's <c>post_training_quantization</c>: <c>ptq bolt -p MODEL.onnx [-i ...] [-q ...] [-o true|false] ...</c>.</summary>
    public static SeedToolFrontEnd Bolt { get; } = new("bolt", SeedTool.Bolt,
        "Quantize with Bolt's post_training_quantization flags (-p -i -q -c -s -o -d -f -m -b -V).", [], BoltTranslator.Flags, BoltTranslator.Translate);

    /// <summary>TNN's <c>quantization_cmd</c>: <c>ptq tnn -p MODEL.onnx -i DIR [-b 0|2] [-w 0|1] [-t 0|1|2] ...</c>.</summary>
    public static SeedToolFrontEnd Tnn { get; } = new("tnn", SeedTool.Tnn,
        "Quantize with TNN's quantization_cmd flags (-p -m -i -b -w -n -s -r -t -o).", [], TnnTranslator.Flags, TnnTranslator.Translate);

    /// <summary>Distiller's post-training flags: <c>ptq distiller MODEL.onnx DATA_DIR --quantize-eval [--qe-* ...]</c>.</summary>
    public static SeedToolFrontEnd Distiller { get; } = new("distiller", SeedTool.Distiller,
        "Quantize with Distiller's post-training quantization flags (--quantize-eval, --qe-*).", DistillerTranslator.Positional, DistillerTranslator.Flags,
        DistillerTranslator.Translate);

    /// <summary>MindSpore Lite's converter, quantization part: <c>ptq mindspore --modelFile=M --outputFile=OUT --configFile=F.cfg</c>.</summary>
    public static SeedToolFrontEnd MindSpore { get; } = new("mindspore", SeedTool.MindSporeLite,
        "Quantize with MindSpore Lite's converter flags and its quantization .cfg.", [], MindSporeTranslator.Flags, MindSporeTranslator.Translate);

    /// <summary>The four front ends, in the order help lists them.</summary>
    public static IReadOnlyList<SeedToolFrontEnd> All { get; } = [Bolt, Tnn, Distiller, MindSpore];

    /// <summary>The <c>ptq</c> subcommand, e.g. <c>bolt</c>.</summary>
    public string Command { get; }

    /// <summary>The tool whose spellings the option table lists for this front end.</summary>
    public SeedTool Tool { get; }

    /// <summary>One line for help.</summary>
    public string Description { get; }

    /// <summary>The positional arguments' names, in order (Distiller's MODEL and DATA_DIR); empty for flag-only tools.</summary>
    public IReadOnlyList<string> Positional { get; }

    /// <summary>Every flag of the tool's documentation, honoured or refused.</summary>
    public IReadOnlyList<ToolFlag> Flags { get; }

    /// <summary>
    /// Translates a command line into a validated recipe with the model and output paths. <paramref name="baseline"/>
    /// carries settings given with Ptq's own flags (the PREPROCESSING flags <c>ptq distiller</c> takes, since Distiller's
    /// preprocessing comes with its dataset); the tool's flags are laid over it.
    /// </summary>
    /// <exception cref="ToolFlagException">A refused flag or value; the message names it as the tool spells it, says why and what is closest.</exception>
    /// <exception cref="PtqException">A recipe the tool's flags make invalid, or an unreadable file the flags name.</exception>
    public ToolTranslation Translate(ToolArguments arguments, QuantizationRecipe? baseline = null)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        foreach (string name in arguments.Given)
        {
            var flag = Flags.FirstOrDefault(f => f.Name == name) ?? throw new ArgumentException($"'{name}' is not a flag of {Command}.", nameof(arguments));
            if (flag.Refusal is { } why)
                throw new ToolFlagException(Command, name, why);
        }
        foreach (var flag in Flags.Where(f => f.Required && !arguments.Has(f.Name)))
            throw new ToolFlagException(Command, flag.Name, $"required: {flag.Description}");
        var translation = _translate(arguments, baseline ?? QuantizationRecipe.Default);
        return translation with { Recipe = translation.Recipe.Validate() };
    }

    // Shorthands for the translators' flag lists.
    internal static ToolFlag Value(string name, string placeholder, string description, params string[] aliases) =>
        new(name, aliases, ToolFlagShape.Value, placeholder, description);

    internal static ToolFlag Switch(string name, string description, params string[] aliases) =>
        new(name, aliases, ToolFlagShape.Switch, null, description);

    internal static ToolFlag Values(string name, string placeholder, string description, params string[] aliases) =>
        new(name, aliases, ToolFlagShape.Values, placeholder, description);
}
