using System.CommandLine;
using Ptq.Cli.Help;
using Ptq.Cli.Options;
using Ptq.Recipes;

namespace Ptq.Cli.Commands;

/// <summary>
/// <c>ptq recipe show [--recipe FILE] [flags]</c>: prints the effective recipe (file, then flags on top) as the YAML that
/// <c>--recipe</c> reads back. The default accuracy guard, when it applies, and options the quantizer cannot honour yet
/// are trailing YAML comments; keys read from the file but not applied are warnings on standard error.
/// </summary>
internal static class RecipeShowCommand
{
    private static readonly HelpExample[] Examples =
    [
        new("The default recipe as YAML, to start a recipe file from", "ptq recipe show > recipe.yaml"),
        new("What a MindSpore Lite config with a flag on top amounts to", "ptq recipe show --recipe quant.cfg --weight-bits 4"),
    ];

    /// <summary>Builds <c>recipe</c> with its <c>show</c> subcommand, writing to <paramref name="console"/>.</summary>
    public static Command Create(CliConsole console)
    {
        var quantize = new QuantizeOptions();
        var show = new Command("show", "Print the effective quantization recipe (recipe file, then flags on top) as YAML.");
        quantize.AddTo(show);
        show.SetAction((parseResult, cancellationToken) =>
        {
            cancellationToken.ThrowIfCancellationRequested();
            var warnings = new List<string>();
            var recipe = quantize.ToRecipe(parseResult, warnings);
            foreach (string warning in warnings)
                console.Error.WriteLine($"ptq: warning: {warning}");
            console.Out.Write(RecipeYamlWriter.Write(recipe));
            // The default guard has no key of its own (it depends on mode, bits and data), so say when it will run.
            if (recipe.AccuracyGuard is null && recipe.EffectiveAccuracyGuard is { } guard)
                console.Out.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"# accuracy guard on by default: output cosine {guard} on calibration samples from --data ('accuracy-guard: off' turns it off)"));
            var unsupported = recipe.UnsupportedFeatures();
            if (unsupported.Count > 0)
                console.Out.WriteLine($"# not implemented yet, 'ptq quantize' refuses: {string.Join(", ", unsupported.Select(f => f.ToString(null, OptionSpelling.Flags)))}");
            return Task.FromResult(ExitCodes.Ok);
        });
        show.WithExamples(Examples);
        return new Command("recipe", "Work with quantization recipes.") { show }.WithExamples(Examples);
    }
}
