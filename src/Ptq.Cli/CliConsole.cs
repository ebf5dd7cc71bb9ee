using Spectre.Console;

namespace Ptq.Cli;

/// <summary>
/// Where commands write: plain writers for standard output and error, and a Spectre console over standard output for
/// tables. Tests build one over <see cref="StringWriter"/>s with a fixed width and no ANSI codes.
/// </summary>
internal sealed class CliConsole
{
    private CliConsole(TextWriter output, TextWriter error, IAnsiConsole ansi, int? width)
    {
        Out = output;
        Error = error;
        Ansi = ansi;
        Width = width;
    }

    /// <summary>Standard output: results (JSON, tables, help).</summary>
    public TextWriter Out { get; }

    /// <summary>Standard error: errors and diagnostics.</summary>
    public TextWriter Error { get; }

    /// <summary>Rich output (tables) written to <see cref="Out"/>.</summary>
    public IAnsiConsole Ansi { get; }

    /// <summary>Fixed output width for help and tables, or null to follow the terminal.</summary>
    public int? Width { get; }

    /// <summary>The process console; Spectre detects colour, ANSI and width support itself.</summary>
    public static CliConsole FromSystemConsole() =>
        new(Console.Out, Console.Error, AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) }), null);

    /// <summary>A deterministic console: fixed <paramref name="width"/>, no colours, no ANSI codes, ASCII borders.</summary>
    public static CliConsole ForWriters(TextWriter output, TextWriter error, int width = 120)
    {
        var ansi = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        ansi.Profile.Width = width;
        ansi.Profile.Capabilities.Unicode = false;
        return new CliConsole(output, error, ansi, width);
    }
}
