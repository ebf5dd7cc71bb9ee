using System.CommandLine;
using Ptq.Data;
using Ptq.Recipes;

namespace Ptq.Cli.Options;

/// <summary>
/// The flags of every <see cref="RecipeOptions"/> entry that says how samples are read (<c>--data SPEC...</c>, the
/// PREPROCESSING flags, <c>--recursive</c>, <c>--skip-corrupt</c>, <c>--max-image-pixels</c>), shared by calibrate, eval
/// and debug. Maps a parse result onto <see cref="DataSourceOptions"/>; the library validates the values.
/// </summary>
internal sealed class DataOptions
{
    private readonly RecipeFlags _flags = new(RecipeOptions.All.Where(o => o.ReadsSamples));

    /// <summary>The <c>--data</c> option.</summary>
    public Option Data => _flags[RecipeOptions.Data];

    /// <summary>Adds every option to <paramref name="command"/>.</summary>
    public void AddTo(Command command, bool dataRequired)
    {
        Data.Required = dataRequired;
        _flags.AddTo(command);
    }

    /// <summary>The data specs given (empty when none).</summary>
    public IReadOnlyList<string> Specs(ParseResult result) => Read(result).Data;

    /// <summary>Source options from the flags given, reading at most <paramref name="limit"/> samples.</summary>
    /// <exception cref="SettingException">A bad value; the message names the option.</exception>
    public DataSourceOptions ToSourceOptions(ParseResult result, int? limit = null) => Read(result).ToSourceOptions() with { Limit = limit };

    /// <summary>The default recipe with the flags given, validated.</summary>
    private QuantizationRecipe Read(ParseResult result) => _flags.ApplyTo(result, QuantizationRecipe.Default).Validate();
}
