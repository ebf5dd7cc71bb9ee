using System.CommandLine;
using Ptq.Cli.Help;
using Ptq.Recipes;

namespace Ptq.Cli.Options;

/// <summary>
/// The arguments and flags of a <see cref="SeedToolFrontEnd"/> as command-line options, spelled as the tool spells
/// them (refused flags still parse, so the front end can say why, but are hidden from help), and for Distiller, whose
/// preprocessing comes with its dataset, Ptq's PREPROCESSING flags. <see cref="Translate"/> hands what was given to the
/// front end.
/// </summary>
internal sealed class SeedToolOptions
{
    private readonly SeedToolFrontEnd _frontEnd;
    private readonly List<Argument<string>> _positional;
    private readonly List<(ToolFlag Flag, Option Option)> _flags;
    private readonly RecipeFlags? _preprocessing;

    public SeedToolOptions(SeedToolFrontEnd frontEnd)
    {
        _frontEnd = frontEnd;
        _positional = [.. frontEnd.Positional.Select(name => new Argument<string>(name) { Description = PositionalDescription(name) })];
        _flags = [.. frontEnd.Flags.Select(f => (f, Create(f)))];
        _preprocessing = frontEnd.Positional.Count > 0 ? new RecipeFlags(RecipeOptions.All.Where(o => o.Group == OptionGroup.Preprocessing)) : null;
    }

    /// <summary>Adds the arguments and options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (var argument in _positional)
            command.Arguments.Add(argument);
        foreach (var (_, option) in _flags)
            command.Options.Add(option);
        _preprocessing?.AddTo(command);
    }

    /// <summary>The front end's translation of the command line parsed into <paramref name="result"/>.</summary>
    /// <exception cref="PtqException">A refused flag or value, or an invalid recipe.</exception>
    public ToolTranslation Translate(ParseResult result)
    {
        var arguments = new ToolArguments([.. _positional.Select(p => result.GetValue(p) ?? "")]);
        foreach (var (flag, option) in _flags)
        {
            if (result.GetResult(option) is { Implicit: false })
                arguments.Add(flag.Name, Values(result, option));
        }
        return _frontEnd.Translate(arguments, _preprocessing?.ApplyTo(result, QuantizationRecipe.Default));
    }

    private static string PositionalDescription(string name) => name switch
    {
        "MODEL" => "The float ONNX model.",
        "DATA_DIR" => "The samples: a folder or file of images, .npy/.npz, .bin, .txt or MNIST idx (calibration and the check against float).",
        _ => name,
    };

    private static Option Create(ToolFlag flag)
    {
        Option option = flag.Shape switch
        {
            ToolFlagShape.Switch => new Option<bool>(flag.Name, [.. flag.Aliases]),
            ToolFlagShape.Values => new Option<string[]>(flag.Name, [.. flag.Aliases]) { AllowMultipleArgumentsPerToken = true },
            _ => new Option<string>(flag.Name, [.. flag.Aliases]),
        };
        option.HelpName = flag.Placeholder;
        option.Description = flag.Description;
        option.Required = flag.Required && flag.Refusal is null;
        option.Hidden = flag.Refusal is not null;
        return option.In(flag.Placeholder is { } p && (p.Contains("MODEL", StringComparison.Ordinal) || p.Contains("DIR", StringComparison.Ordinal))
            ? HelpSection.Input : HelpSection.Quantization);
    }

    private static IReadOnlyList<string> Values(ParseResult result, Option option) => option switch
    {
        Option<bool> => [],
        Option<string[]> list => result.GetValue(list) ?? [],
        Option<string> text => [result.GetValue(text) ?? ""],
        _ => throw new InvalidOperationException($"Unexpected flag type for {option.Name}."),
    };
}
