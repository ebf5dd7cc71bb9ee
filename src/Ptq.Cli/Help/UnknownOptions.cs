using System.CommandLine;
using System.CommandLine.Parsing;

namespace Ptq.Cli.Help;

/// <summary>
/// Explains unmatched command-line tokens: a token that looks like an option gets the command's closest option name
/// (optimal string alignment distance, at most a third of its length), and the token after it is taken as its value
/// rather than reported as a second, misleading error.
/// </summary>
internal static class UnknownOptions
{
    /// <summary>The messages for <paramref name="result"/>'s unmatched tokens, and the tokens they account for.</summary>
    public static (IReadOnlyList<string> Messages, IReadOnlySet<string> Explained) Explain(ParseResult result)
    {
        var names = Names(result.CommandResult.Command);
        var messages = new List<string>();
        var explained = new HashSet<string>(StringComparer.Ordinal);
        bool valueMayFollow = false;
        foreach (string token in result.UnmatchedTokens)
        {
            if (LooksLikeOption(token))
            {
                messages.Add(Message(token, names));
                explained.Add(token);
                valueMayFollow = !token.Contains('=');
            }
            else if (valueMayFollow)
            {
                explained.Add(token);
                valueMayFollow = false;
            }
        }
        return (messages, explained);
    }

    /// <summary>
    /// Refuses a list option's value that looks like an option: a list option takes every following token that is no
    /// option of the command, so a mistyped option after <c>--data d</c> would otherwise become a data SPEC.
    /// </summary>
    public static void RefuseOptionLikeValues(Option option) => option.Validators.Add(result =>
    {
        if (result.Tokens.FirstOrDefault(t => LooksLikeOption(t.Value)) is { } token && result.Parent is CommandResult command)
            result.AddError(Message(token.Value, Names(command.Command)));
    });

    /// <summary>"unknown option" for <paramref name="token"/>, with the closest of <paramref name="names"/> when one is close.</summary>
    private static string Message(string token, IReadOnlyList<string> names)
    {
        string given = token.Split('=')[0];
        return Closest(given, names) is { } name ? $"unknown option '{given}'; did you mean {name}?" : $"unknown option '{given}'";
    }

    private static string[] Names(Command command) =>
        [.. HelpLayout.VisibleOptions(command).SelectMany(o => o.Aliases.Append(o.Name)).Where(n => n[0] == '-').Distinct()];

    /// <summary>The name in <paramref name="names"/> closest to <paramref name="given"/>, or null when none is close.</summary>
    public static string? Closest(string given, IEnumerable<string> names)
    {
        string bare = given.TrimStart('-');
        if (bare.Length < 2) return null;
        int limit = Math.Max(1, bare.Length / 3);
        return names
            .Select(name => (Name: name, Distance: Distance(bare.ToLowerInvariant(), name.TrimStart('-'))))
            .Where(c => c.Distance <= limit)
            .OrderBy(c => c.Distance).ThenBy(c => c.Name.Length).ThenBy(c => c.Name, StringComparer.Ordinal)
            .Select(c => c.Name)
            .FirstOrDefault();
    }

    private static bool LooksLikeOption(string token) =>
        token.Length > 1 && token[0] == '-' && !double.TryParse(token, System.Globalization.CultureInfo.InvariantCulture, out _);

    // Optimal string alignment: insertions, deletions, substitutions and swaps of neighbours each cost 1.
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        }
        return d[a.Length, b.Length];
    }
}
