using System.Text;

namespace Ptq.Tests.Hostile.Fuzz;

/// <summary>
/// Seeded damage to text formats (YAML, JSON, INI, number lists): hostile tokens (aliases, brackets, huge or
/// non-finite numbers, control characters, long runs) put in place of a token, lines duplicated, removed or swapped.
/// Each case is reproducible from its seed alone.
/// </summary>
internal static class TextMutator
{
    private static readonly string[] Hostile =
    [
        "&a", "*a", "*undefined", "&a [*a, *a, *a]", "[", "]", "{", "}", "[[[[[[[[[[", "{\"a\":", ":", ": :", "- ", "? ",
        "1e309", "-1e309", "NaN", "nan", "inf", "-inf", ".inf", "Infinity", "-0", "0x7fffffff", "99999999999999999999999999",
        "-1", "-2147483648", "2147483648", "18446744073709551616", "1e-400", "0", "\"\"", "''", "null", "~", "true",
        "\0", "\u0001", "\t", "\r", "\uFEFF", "\uD800", "é", "%", "!!binary", "!!python/object", "<<: *a", "---", "...",
        "=", "[section]", "[", "a=b=c", "#", "//", "/*", ",", ",,", "\\", "\"\\u0000\"", "\"\\ud800\"",
    ];

    public static (string Text, string Description) Mutate(string original, int seed)
    {
        var random = new Random(seed);
        string text = original;
        int edits = random.Next(1, 4);
        var done = new List<string>();
        for (int e = 0; e < edits; e++)
        {
            switch (random.Next(6))
            {
                case 0 or 1: // a token replaced by a hostile one
                {
                    int at = random.Next(text.Length + 1), length = random.Next(0, Math.Min(8, text.Length - at) + 1);
                    string token = Hostile[random.Next(Hostile.Length)];
                    text = text[..at] + token + text[(at + length)..];
                    done.Add($"'{token}' at {at}");
                    break;
                }
                case 2: // a long run
                {
                    int at = random.Next(text.Length + 1);
                    string unit = Hostile[random.Next(Hostile.Length)];
                    int repeat = random.Next(2, 5000);
                    text = text[..at] + new StringBuilder().Insert(0, unit, repeat) + text[at..];
                    done.Add($"'{unit}' x{repeat} at {at}");
                    break;
                }
                default: // line-level: duplicate, delete or swap
                {
                    var lines = text.Split('\n').ToList();
                    int a = random.Next(lines.Count), b = random.Next(lines.Count);
                    int op = random.Next(3);
                    if (op == 0) lines.Insert(b, lines[a]);
                    else if (op == 1 && lines.Count > 1) lines.RemoveAt(a);
                    else (lines[a], lines[b]) = (lines[b], lines[a]);
                    text = string.Join('\n', lines);
                    done.Add($"line op {op} on {a},{b}");
                    break;
                }
            }
        }
        return (text, string.Join("; ", done));
    }
}
