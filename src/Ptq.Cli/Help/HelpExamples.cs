using System.CommandLine;
using System.Runtime.CompilerServices;

namespace Ptq.Cli.Help;

/// <summary>An example in a command's help: what it does, and the command line.</summary>
/// <param name="Purpose">One line saying what the example does.</param>
/// <param name="CommandLine">The command line, starting with <c>ptq</c>.</param>
internal sealed record HelpExample(string Purpose, string CommandLine);

/// <summary>The examples each command's help ends with (2–4 per command; a test parses every one).</summary>
internal static class HelpExamples
{
    private static readonly ConditionalWeakTable<Command, IReadOnlyList<HelpExample>> Examples = new();

    /// <summary>Sets the examples of <paramref name="command"/>; returns the command.</summary>
    public static T WithExamples<T>(this T command, params HelpExample[] examples) where T : Command
    {
        Examples.AddOrUpdate(command, examples);
        return command;
    }

    /// <summary>The examples of <paramref name="command"/> (empty when it has none).</summary>
    public static IReadOnlyList<HelpExample> Of(Command command) => Examples.TryGetValue(command, out var examples) ? examples : [];
}
