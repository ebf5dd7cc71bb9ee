using System.CommandLine;
using Ptq.Cli.Help;
using Ptq.Recipes;

namespace Ptq.Cli.Options;

/// <summary>
/// <c>--recipe FILE</c> and a flag for every option of <see cref="RecipeOptions"/> that has one. <see cref="ToRecipe"/>
/// loads the recipe file, then lays every flag given on the command line on top (flags override the recipe; list flags
/// such as <c>--skip</c> replace the recipe's list), and validates the result.
/// </summary>
internal sealed class QuantizeOptions
{
    private readonly RecipeFlags _flags = new(RecipeOptions.All);

    public Option<string?> Recipe { get; } = new Option<string?>("--recipe") { HelpName = "FILE", Description = "Recipe file: Ptq YAML/JSON or MindSpore Lite .cfg; flags override it." }
        .In(HelpSection.Quantization);

    /// <summary>Adds <c>--recipe</c> and every generated flag to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(Recipe);
        _flags.AddTo(command);
    }

    /// <summary>
    /// The effective recipe: <c>--recipe</c> (or the defaults), then each flag given explicitly; validated. Keys read from
    /// the file but not applied go to <paramref name="warnings"/>.
    /// </summary>
    /// <exception cref="RecipeException">A bad file, value or combination; the message names the culprit.</exception>
    public QuantizationRecipe ToRecipe(ParseResult result, ICollection<string>? warnings = null)
    {
        var baseline = result.GetValue(Recipe) is { } path ? RecipeFile.Load(path, warnings) : QuantizationRecipe.Default;
        return _flags.ApplyTo(result, baseline).Validate();
    }
}
