using System.CommandLine;
using Ptq.Cli.Help;
using Ptq.Recipes;

namespace Ptq.Cli.Options;

/// <summary>
/// The command-line flags of a set of <see cref="RecipeOptions"/> entries, generated from the table: <c>--</c> + key,
/// the entry's placeholder and description with its default, a string option parsed by the entry itself (so a flag and a
/// recipe key get the same messages), a repeatable option for lists and a bool option for switches. Options the pipeline
/// cannot honour yet still parse but are hidden from help.
/// </summary>
internal sealed class RecipeFlags
{
    private readonly Dictionary<RecipeOption, Option> _flags = [];

    /// <summary>Creates a flag for every entry of <paramref name="entries"/> that has one, in table order.</summary>
    public RecipeFlags(IEnumerable<RecipeOption> entries)
    {
        foreach (var entry in entries.Where(e => e.HasFlag))
            _flags[entry] = Create(entry);
    }

    /// <summary>The flag generated for <paramref name="entry"/>.</summary>
    public Option this[RecipeOption entry] => _flags[entry];

    /// <summary>Adds every flag to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (var flag in _flags.Values)
            command.Options.Add(flag);
    }

    /// <summary>Whether <paramref name="entry"/>'s flag was written on the command line (not merely defaulted).</summary>
    public bool Given(ParseResult result, RecipeOption entry) => result.GetResult(_flags[entry]) is { Implicit: false };

    /// <summary>
    /// <paramref name="baseline"/> with every flag given laid on top (a list flag replaces the baseline's list; PREPROCESSING
    /// flags replace the baseline's values one by one, see <see cref="RecipeBuilder"/>). Not validated.
    /// </summary>
    /// <exception cref="SettingException">A value that does not parse; the message names the option.</exception>
    public QuantizationRecipe ApplyTo(ParseResult result, QuantizationRecipe baseline)
    {
        var layer = new RecipeBuilder(baseline);
        foreach (var (entry, flag) in _flags)
        {
            if (result.GetResult(flag) is { Implicit: false })
                entry.Apply(layer, Texts(result, flag));
        }
        return layer.Build();
    }

    private static IReadOnlyList<string> Texts(ParseResult result, Option flag) => flag switch
    {
        Option<bool> on => [result.GetValue(on) ? "true" : "false"],
        Option<string[]> list => result.GetValue(list) ?? [],
        Option<string> text => [result.GetValue(text) ?? ""],
        _ => throw new InvalidOperationException($"Unexpected flag type for {flag.Name}."),
    };

    private static Option Create(RecipeOption entry)
    {
        Option flag = entry.Shape switch
        {
            OptionShape.Switch => new Option<bool>(entry.Flag!),
            OptionShape.List => new Option<string[]>(entry.Flag!) { AllowMultipleArgumentsPerToken = true },
            _ => new Option<string>(entry.Flag!),
        };
        flag.HelpName = entry.Placeholder;
        flag.Description = Describe(entry);
        flag.Hidden = !entry.Implemented;
        if (entry.Shape == OptionShape.List)
            UnknownOptions.RefuseOptionLikeValues(flag);
        return flag.In(HelpSections.Of(entry.Group));
    }

    /// <summary>The description, the accepted values when the placeholder does not list them, whether it repeats, and the default.</summary>
    private static string Describe(RecipeOption entry)
    {
        string text = entry.Description;
        if (entry.Values.Count > 0 && entry.Placeholder != string.Join("|", entry.Values))
            text += $" One of: {string.Join(", ", entry.Values)}.";
        if (entry.Shape == OptionShape.List)
            text += " Repeatable.";
        return entry.DefaultText is { } value ? $"{text} [default: {value}]" : text;
    }
}
