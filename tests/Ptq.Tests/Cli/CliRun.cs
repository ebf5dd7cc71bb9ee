using System.CommandLine;
using System.CommandLine.Parsing;
using Ptq.Cli;

namespace Ptq.Tests.Cli;

/// <summary>The outcome of one in-process <c>ptq</c> invocation.</summary>
internal sealed record CliResult(int ExitCode, string Out, string Error);

/// <summary>Runs <c>ptq</c> in-process on a command line, capturing output on a fixed-width, colourless console.</summary>
internal static class CliRun
{
    /// <summary>Runs e.g. <c>ptq inspect "model.onnx" --json</c> (the leading "ptq" is optional).</summary>
    public static CliResult Run(string commandLine, CancellationToken cancellationToken = default) =>
        Invoke(null, commandLine, cancellationToken);

    /// <summary>Runs <paramref name="commandLine"/> against a custom <paramref name="root"/> with ptq's exit-code mapping.</summary>
    public static CliResult Invoke(Func<CliConsole, Command>? root, string commandLine, CancellationToken cancellationToken = default)
    {
        var args = CommandLineParser.SplitCommandLine(commandLine).ToList();
        if (args.Count > 0 && args[0] == "ptq")
            args.RemoveAt(0);
        using var output = new StringWriter();
        using var error = new StringWriter();
        var console = CliConsole.ForWriters(output, error, width: 120);
        var command = root is null ? PtqCli.BuildRootCommand(console) : root(console);
        int exitCode = PtqCli.InvokeAsync(command, args, console, cancellationToken).GetAwaiter().GetResult();
        return new CliResult(exitCode, output.ToString(), error.ToString());
    }

    /// <summary>Quotes a path for a command line.</summary>
    public static string Quote(string path) => "\"" + path + "\"";
}
