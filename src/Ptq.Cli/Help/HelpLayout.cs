using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace Ptq.Cli.Help;

/// <summary>
/// ptq's help, written in full here (System.CommandLine 3.0 keeps its help builder internal): description, usage,
/// arguments, the options under headings (<see cref="HelpSection"/> order, required options first; a single heading is
/// just "Options"), subcommands, and the command's examples. An option's placeholder is its help name; a default from a
/// default value factory is written once, as <c>[default: X]</c>. Text is word-wrapped to the console width.
/// </summary>
internal sealed class HelpLayout : SynchronousCommandLineAction
{
    private const string Indent = "  ";
    private readonly int? _width;

    private HelpLayout(int? width) => _width = width;

    /// <summary>Help is asked for: parse errors elsewhere on the line do not matter.</summary>
    public override bool ClearsParseErrors => true;

    /// <summary>Makes <c>-h/--help</c> of <paramref name="root"/> and every command below it write this layout.</summary>
    public static void Install(RootCommand root, int? width)
    {
        foreach (var help in root.Options.OfType<HelpOption>())
        {
            help.Action = new HelpLayout(width);
            help.In(HelpSection.Diagnostics);
        }
        foreach (var version in root.Options.OfType<VersionOption>())
            version.In(HelpSection.Diagnostics);
    }

    /// <inheritdoc/>
    public override int Invoke(ParseResult parseResult)
    {
        Write(parseResult.CommandResult.Command, parseResult.InvocationConfiguration.Output, _width ?? TerminalWidth());
        return ExitCodes.Ok;
    }

    /// <summary>Writes the help of <paramref name="command"/> to <paramref name="output"/>, wrapped at <paramref name="width"/> columns.</summary>
    public static void Write(Command command, TextWriter output, int width)
    {
        var sections = new List<Action<TextWriter>>();
        if (command.Description is { Length: > 0 } description)
            sections.Add(o => Paragraphs(o, "Description:", description, width));
        sections.Add(o => o.WriteLine($"Usage:\n{Indent}{Usage(command)}"));
        var arguments = command.Arguments.Where(a => !a.Hidden).ToList();
        if (arguments.Count > 0)
            sections.Add(o => Rows(o, width, [("Arguments", arguments.Select(a => (ArgumentLabel(a), a.Description ?? "")).ToList())]));
        var options = VisibleOptions(command);
        if (options.Count > 0)
            sections.Add(o => Rows(o, width, OptionSections(options)));
        var subcommands = command.Subcommands.Where(c => !c.Hidden).ToList();
        if (subcommands.Count > 0)
            sections.Add(o => Rows(o, width, [("Commands", subcommands.Select(c => (SubcommandLabel(c), c.Description ?? "")).ToList())]));
        if (HelpExamples.Of(command) is { Count: > 0 } examples)
            sections.Add(o => Examples(o, examples));
        for (int i = 0; i < sections.Count; i++)
        {
            if (i > 0) output.WriteLine();
            sections[i](output);
        }
    }

    /// <summary>The options help lists for <paramref name="command"/>: its own and those its ancestors pass down, hidden ones left out.</summary>
    public static IReadOnlyList<Option> VisibleOptions(Command command) =>
        [.. command.Options.Concat(Inherited(command)).Distinct().Where(o => !o.Hidden)];

    /// <summary>The first column of an option's row: aliases, placeholder, and whether it is required.</summary>
    public static string OptionLabel(Option option)
    {
        string names = string.Join(", ", option.Aliases.Append(option.Name).Where(a => a[0] == '-').Distinct().OrderBy(a => a.Length).ThenBy(a => a, StringComparer.Ordinal));
        string placeholder = option.HelpName is { } name ? $" <{name}>" : "";
        return names + placeholder + (option.Required ? " (REQUIRED)" : "");
    }

    private static IEnumerable<Option> Inherited(Command command)
    {
        foreach (var parent in command.Parents.OfType<Command>())
        {
            foreach (var option in parent.Options.Where(o => o.Recursive))
                yield return option;
            foreach (var option in Inherited(parent))
                yield return option;
        }
    }

    private static List<(string Heading, List<(string, string)> Rows)> OptionSections(IReadOnlyList<Option> options)
    {
        var sections = options.GroupBy(o => HelpSections.Of(o) ?? HelpSection.Diagnostics).OrderBy(g => g.Key).ToList();
        return [.. sections.Select(s => (
            sections.Count == 1 ? "Options" : HelpSections.Heading(s.Key),
            s.OrderBy(o => !o.Required).Select(o => (OptionLabel(o), Describe(o))).ToList()))];
    }

    private static string Describe(Option option)
    {
        string text = option.Description ?? "";
        return option.HasDefaultValue && option.GetDefaultValue() is { } value and not false ? $"{text} [default: {value}]" : text;
    }

    private static string Usage(Command command)
    {
        var words = command.Parents.OfType<Command>().SelectMany(Chain).Append(command).Select(Name).ToList();
        words.AddRange(command.Arguments.Where(a => !a.Hidden).Select(ArgumentLabel));
        if (command.Subcommands.Count > 0) words.Add("[command]");
        if (VisibleOptions(command).Count > 0) words.Add("[options]");
        return string.Join(' ', words);
    }

    private static IEnumerable<Command> Chain(Command command) =>
        command.Parents.OfType<Command>().SelectMany(Chain).Append(command);

    private static string Name(Command command) => command is RootCommand ? "ptq" : command.Name;

    private static string ArgumentLabel(Argument argument) =>
        $"<{argument.HelpName ?? argument.Name}>" + (argument.Arity.MaximumNumberOfValues > 1 ? "..." : "");

    private static string SubcommandLabel(Command command) =>
        string.Join(' ', command.Arguments.Where(a => !a.Hidden).Select(ArgumentLabel).Prepend(command.Name));

    private static void Paragraphs(TextWriter output, string heading, string text, int width)
    {
        output.WriteLine(heading);
        foreach (string line in text.Replace("\r\n", "\n").Split('\n'))
            foreach (string wrapped in Wrap(line, width - Indent.Length))
                output.WriteLine(wrapped.Length == 0 ? "" : Indent + wrapped);
    }

    private static void Examples(TextWriter output, IReadOnlyList<HelpExample> examples)
    {
        output.WriteLine("Examples:");
        for (int i = 0; i < examples.Count; i++)
        {
            if (i > 0) output.WriteLine();
            output.WriteLine($"{Indent}# {examples[i].Purpose}");
            output.WriteLine($"{Indent}{examples[i].CommandLine}");
        }
    }

    // Rows of two columns under headings: the first column as wide as its widest entry (at most 45 % of the width; a
    // longer one gets a line of its own), the second word-wrapped to what is left.
    private static void Rows(TextWriter output, int width, List<(string Heading, List<(string, string)> Rows)> sections)
    {
        int first = Math.Min(sections.SelectMany(s => s.Rows).Max(r => r.Item1.Length), Math.Max(20, width * 45 / 100));
        int offset = Indent.Length + first + 2;
        for (int i = 0; i < sections.Count; i++)
        {
            if (i > 0) output.WriteLine();
            output.WriteLine(sections[i].Heading + ":");
            foreach (var (label, text) in sections[i].Rows)
            {
                var lines = Wrap(text, Math.Max(20, width - offset));
                if (label.Length > first)
                    output.WriteLine(Indent + label);
                else
                    output.WriteLine((Indent + label.PadRight(first) + "  " + lines[0]).TrimEnd());
                foreach (string line in lines.Skip(label.Length > first ? 0 : 1).Where(l => l.Length > 0))
                    output.WriteLine(new string(' ', offset) + line);
            }
        }
    }

    // Greedy word wrap; "[default: X]" stays on one line.
    private static List<string> Wrap(string text, int width)
    {
        const char Glue = '\u00A0';
        var lines = new List<string>();
        var line = new System.Text.StringBuilder();
        foreach (string word in text.Replace("[default: ", "[default:" + Glue).Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.Length > 0 && line.Length + 1 + word.Length > width)
            {
                lines.Add(line.ToString());
                line.Clear();
            }
            if (line.Length > 0) line.Append(' ');
            line.Append(word);
        }
        lines.Add(line.ToString());
        return [.. lines.Select(l => l.Replace(Glue, ' '))];
    }

    private static int TerminalWidth()
    {
        try
        {
            return Console.IsOutputRedirected || Console.WindowWidth <= 0 ? 120 : Console.WindowWidth;
        }
        catch (IOException)
        {
            return 120;
        }
    }
}
