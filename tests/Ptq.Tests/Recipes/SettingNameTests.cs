using System.CommandLine;
using Ptq.Cli;
using Ptq.Recipes;

namespace Ptq.Tests.Recipes;

/// <summary>
/// Settings that code below the option table names in its messages (<see cref="SettingName"/>) are real: each is a key of
/// the table or a flag of a command, and renders as the key in <see cref="Exception.Message"/> and as the flag on the CLI.
/// </summary>
public sealed class SettingNameTests
{
    [Fact]
    public void EachNameIsAnOptionOrACommandFlag()
    {
        var root = PtqCli.BuildRootCommand(CliConsole.FromSystemConsole());
        var flags = Commands(root).SelectMany(c => c.Options).SelectMany(o => o.Aliases.Append(o.Name)).ToHashSet(StringComparer.Ordinal);
        var keys = RecipeOptions.All.Select(o => o.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var name in SettingName.All)
            Assert.True(keys.Contains(name.Key) || flags.Contains("--" + name.Key), $"'{name.Key}' is neither a recipe key nor a flag of any command");
    }

    [Fact]
    public void MessagesNameKeysAndTheCliRendersFlags()
    {
        var error = Assert.Throws<SettingException>(() => Ptq.Pipeline.Shard.Parse("5/4"));
        Assert.Equal("shard", error.Key);
        Assert.StartsWith("shard '5/4': expected K/N", error.Message, StringComparison.Ordinal);
        Assert.StartsWith("--shard '5/4': expected K/N", error.MessageIn(OptionSpelling.Flags), StringComparison.Ordinal);
    }

    private static IEnumerable<Command> Commands(Command command) => command.Subcommands.SelectMany(Commands).Prepend(command);
}
