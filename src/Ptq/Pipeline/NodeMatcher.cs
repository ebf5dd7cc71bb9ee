using System.Text.RegularExpressions;
using Ptq.Graph;

namespace Ptq.Pipeline;

/// <summary>Matches nodes by exact name or anchored regular expression, refusing patterns that match nothing.</summary>
internal static class NodeMatcher
{
    /// <summary>
    /// A predicate for <paramref name="pattern"/> over <paramref name="graph"/>'s nodes. Throws <see cref="PtqException"/>
    /// naming <paramref name="option"/> when the pattern is neither a node name nor a valid expression, or matches no
    /// node (with the closest names). Matching runs under <see cref="ResourceLimits.RegexMatchTimeout"/> per node name,
    /// so a catastrophically backtracking pattern fails with a <see cref="PtqException"/> instead of running for minutes.
    /// </summary>
    public static Func<Node, bool> Compile(string pattern, OnnxGraph graph, string option)
    {
        var names = graph.AllGraphs().SelectMany(g => g.Nodes).Select(n => n.Name).ToHashSet(StringComparer.Ordinal);
        if (names.Contains(pattern))
            return node => node.Name == pattern;
        Regex regex;
        try { regex = new Regex("^(?:" + pattern + ")$", RegexOptions.CultureInvariant, ResourceLimits.RegexMatchTimeout); }
        catch (ArgumentException ex) { throw new PtqException($"{option} '{pattern}' is neither a node name nor a valid regular expression: {ex.Message}"); }
        if (!graph.AllGraphs().SelectMany(g => g.Nodes).Any(n => Matches(regex, n.Name, pattern, option)))
            throw new PtqException($"{option} '{pattern}' matches no node; closest names: {string.Join(", ", Closest(pattern, names))}");
        return node => Matches(regex, node.Name, pattern, option);
    }

    private static bool Matches(Regex regex, string name, string pattern, string option)
    {
        try { return regex.IsMatch(name); }
        catch (RegexMatchTimeoutException)
        {
            string shown = name.Length > 60 ? name[..60] + "…" : name;
            throw new PtqException(
                $"{option} '{pattern}' took more than {ResourceLimits.RegexMatchTimeout.TotalSeconds:0.#} s to match node '{shown}' " +
                "(catastrophic backtracking, e.g. nested quantifiers like '(a+)+'); simplify the expression or give the node names.");
        }
    }

    /// <summary>The three names closest to <paramref name="wanted"/> by edit distance, quoted.</summary>
    public static IEnumerable<string> Closest(string wanted, IEnumerable<string> candidates) =>
        candidates.OrderBy(c => EditDistance(wanted, c)).ThenBy(c => c, StringComparer.Ordinal).Take(3).Select(c => $"'{c}'");

    private static int EditDistance(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (int i = 1; i <= a.Length; i++)
        {
            int previous = row[0];
            row[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int current = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), previous + (a[i - 1] == b[j - 1] ? 0 : 1));
                previous = current;
            }
        }
        return row[b.Length];
    }
}
