using System.CommandLine;

namespace Ptq.Cli.Options;

/// <summary>The required <c>-o/--output</c> option of commands that write one file.</summary>
internal static class OutputOption
{
    /// <summary>Creates the option with a help name such as OUT.onnx.</summary>
    public static Option<string> Create(string helpName, string description) =>
        new("--output", "-o") { HelpName = helpName, Description = description, Required = true };
}
