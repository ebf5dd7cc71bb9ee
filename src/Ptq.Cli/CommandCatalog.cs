using System.CommandLine;
using Ptq.Cli.Commands;

namespace Ptq.Cli;

/// <summary>
/// The subcommands of <c>ptq</c>, in help order. To add a command, write <c>Commands/XxxCommand.cs</c> with a
/// <c>static Command Create(CliConsole console)</c> and add one line here.
/// </summary>
internal static class CommandCatalog
{
    /// <summary>Factories building each subcommand over the console it writes to.</summary>
    public static IReadOnlyList<Func<CliConsole, Command>> Factories { get; } =
    [
        InspectCommand.Create,
        CalibrateCommand.Create,
        StatsMergeCommand.Create,
        QuantizeCommand.Create,
        EvalCommand.Create,
        DebugCommand.Create,
        RecipeShowCommand.Create,
        console => SeedToolCommand.Create(console, Ptq.Recipes.SeedToolFrontEnd.Bolt),
        console => SeedToolCommand.Create(console, Ptq.Recipes.SeedToolFrontEnd.Tnn),
        console => SeedToolCommand.Create(console, Ptq.Recipes.SeedToolFrontEnd.Distiller),
        console => SeedToolCommand.Create(console, Ptq.Recipes.SeedToolFrontEnd.MindSpore),
        DemoCommand.Create,
    ];
}
