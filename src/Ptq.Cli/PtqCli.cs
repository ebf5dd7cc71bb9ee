using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using Ptq.Cli.Help;

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
        HelpLayout.Install(root, console.Width);
        root.WithExamples(
            new("Run the whole pipeline on a built-in model (no files needed)", "ptq demo"),
            new("Quantize a model to int8, calibrating on a folder of images", "ptq quantize model.onnx --data images/ -o model.int8.onnx"),
            new("Compare the result with the float model on other images", "ptq eval model.int8.onnx --ref model.onnx --data held-out/"));
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
            await console.Error.WriteLineAsync($"ptq: error: {ex.MessageIn(OptionSpelling.Flags)}").ConfigureAwait(false);
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
        var (unknown, explained) = UnknownOptions.Explain(parseResult);
        foreach (string message in unknown)
            error.WriteLine($"ptq: error: {message}");
        foreach (var parseError in parseResult.Errors.Where(e => !explained.Any(token => e.Message.Contains($"'{token}'", StringComparison.Ordinal))))
            error.WriteLine($"ptq: error: {parseError.Message}");
        var names = new List<string>();
        for (SymbolResult? result = parseResult.CommandResult; result is CommandResult commandResult; result = commandResult.Parent)
            names.Insert(0, commandResult.Command is RootCommand ? "ptq" : commandResult.Command.Name);
        string command = string.Join(' ', names);
        error.WriteLine($"Run '{command} --help' for usage.");
        return ExitCodes.BadInput;
    }
}
