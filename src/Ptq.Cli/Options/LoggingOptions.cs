using System.CommandLine;
using Ptq.Cli.Help;
using Ptq.Data;

namespace Ptq.Cli.Options;

/// <summary>How much a command tells on standard error.</summary>
internal enum LogLevel
{
    /// <summary>Errors only.</summary>
    Quiet,

    /// <summary>Progress and summaries (default).</summary>
    Info,

    /// <summary>Everything, including per-tensor decisions (<c>-V</c>).</summary>
    Debug,
}

/// <summary>
/// The shared <c>-V/--verbose</c> and <c>--log-level quiet|info|debug</c> options (Bolt's <c>-V</c>). A command adds them
/// with <see cref="AddTo"/> and asks for loggers with <see cref="Logger"/>: each is an <see cref="Action{T}"/> that writes
/// <c>ptq: message</c> lines to standard error when the chosen level is at least the logger's, and does nothing otherwise,
/// so library code can take a plain <c>Action&lt;string&gt;?</c> (e.g. the quantizer logging each tensor's range and
/// scheme at <see cref="LogLevel.Debug"/>). <c>-V</c> means <c>--log-level debug</c>; given both, the more verbose wins.
/// Results never go to the logger: standard output stays machine-readable.
/// </summary>
internal sealed class LoggingOptions
{
    public Option<bool> Verbose { get; } = new Option<bool>("--verbose", "-V") { Description = "Log progress and per-tensor decisions to standard error (= --log-level debug)." }
        .In(HelpSection.Diagnostics);

    public Option<string?> Level { get; } = new Option<string?>("--log-level")
    {
        HelpName = "quiet|info|debug", Description = "What to log to standard error.", DefaultValueFactory = _ => nameof(LogLevel.Info).ToLowerInvariant(),
    }.In(HelpSection.Diagnostics);

    /// <summary>Adds both options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(Verbose);
        command.Options.Add(Level);
    }

    /// <summary>The level chosen on the command line; a bad <c>--log-level</c> value throws a <see cref="PtqException"/> naming it.</summary>
    public LogLevel Chosen(ParseResult result)
    {
        var level = result.GetValue(Level) is { } text ? OptionText.ParseEnum<LogLevel>(text, "--log-level") : LogLevel.Info;
        return result.GetValue(Verbose) && level < LogLevel.Debug ? LogLevel.Debug : level;
    }

    /// <summary>
    /// A logger for messages of <paramref name="level"/>: writes <c>ptq: message</c> to <paramref name="console"/>'s error
    /// stream when the chosen level includes it; otherwise a no-op.
    /// </summary>
    public Action<string> Logger(ParseResult result, CliConsole console, LogLevel level)
    {
        if (level == LogLevel.Quiet || Chosen(result) < level) return _ => { };
        return message => console.Error.WriteLine($"ptq: {message}");
    }
}
