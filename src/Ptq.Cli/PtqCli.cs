using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;

namespace Ptq.Cli;

/// <summary>
/// Builds the <c>ptq</c> command tree and runs it, mapping every outcome onto <see cref="ExitCodes"/>:
/// parse errors and <see cref="PtqException"/> → 2 with <c>ptq: error: …</c> on standard error, Ctrl+C → 130,
/// anything else → 3 with a request to report it.
/// </summary>
internal static class PtqCli
{
    /// <summary>What <c>ptq --help</c> says first: the tool and its exit-code contract (DESIGN.md §6).</summary>
    internal const string RootDescription = """
        Ptq: post-training quantization for ONNX models.

        Exit codes: 0 written, verified in ONNX Runtime and within the accuracy guard; 1 written, but a stated target or
        the accuracy guard was not met, or nothing was quantized; 2 bad input or usage; 3 internal error, including a
        model that failed verification (never written); 130 interrupted.
        """;

    /// <summary>The root command with every command of <see cref="CommandCatalog"/>.</summary>
    public static RootCommand BuildRootCommand(CliConsole console)
    {
        var root = new RootCommand(RootDescription) { HelpName = "ptq" };
        foreach (var version in root.Options.OfType<VersionOption>())
            version.Action = new VersionAction();
        foreach (var factory in CommandCatalog.Factories)
            root.Add(factory(console));
        if (console.Width is { } width)
        {
            foreach (var help in root.Options.OfType<HelpOption>())
                if (help.Action is HelpAction action)
                    action.MaxWidth = width;
        }
        return root;
    }

    /// <summary>Parses <paramref name="args"/> and runs the chosen command; returns the process exit code.</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, CliConsole console, CancellationToken cancellationToken = default)
    {
        using var watchdog = TerminationWatchdog.Start(console.Error);
        return await InvokeAsync(BuildRootCommand(console), args, console, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Parses <paramref name="args"/> against <paramref name="root"/> and runs it with the exit-code mapping of <c>ptq</c>.</summary>
    internal static async Task<int> InvokeAsync(Command root, IReadOnlyList<string> args, CliConsole console, CancellationToken cancellationToken)
    {
        var parseResult = root.Parse(args);
        if (parseResult.Action is ParseErrorAction)
            return ReportParseErrors(parseResult, console.Error);
        var configuration = new InvocationConfiguration
        {
            Output = console.Out,
            Error = console.Error,
            EnableDefaultExceptionHandler = false,
        };
        try
        {
            return await parseResult.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            await console.Error.WriteLineAsync("ptq: interrupted").ConfigureAwait(false);
            return ExitCodes.Interrupted;
        }
        catch (OutputVerificationException ex)
        {
            await console.Error.WriteLineAsync(
                $"ptq: internal error: the model Ptq produced failed verification, so it was not written: {ex.Message}{Environment.NewLine}" +
                "This is a bug in Ptq; please report it with the command line and, if you can, the model. " +
                "Meanwhile --skip the node named above, or try another --mode.").ConfigureAwait(false);
            return ExitCodes.InternalError;
        }
        catch (PtqException ex)
        {
            await console.Error.WriteLineAsync($"ptq: error: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.BadInput;
        }
        catch (Exception ex)
        {
            await console.Error.WriteLineAsync(
                $"ptq: internal error: {ex.GetType().Name}: {ex.Message}{Environment.NewLine}" +
                "This is a bug in Ptq; please report it with the command line and, if you can, the model.").ConfigureAwait(false);
            return ExitCodes.InternalError;
        }
    }

    private static int ReportParseErrors(ParseResult parseResult, TextWriter error)
    {
        foreach (var parseError in parseResult.Errors)
            error.WriteLine($"ptq: error: {parseError.Message}");
        var names = new List<string>();
        for (SymbolResult? result = parseResult.CommandResult; result is CommandResult commandResult; result = commandResult.Parent)
            names.Insert(0, commandResult.Command is RootCommand ? "ptq" : commandResult.Command.Name);
        string command = string.Join(' ', names);
        error.WriteLine($"Run '{command} --help' for usage.");
        return ExitCodes.BadInput;
    }
}
