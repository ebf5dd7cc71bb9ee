namespace Ptq.Tests.Cli;

/// <summary>A small line diff (longest common subsequence) for approval-test failure messages.</summary>
internal static class LineDiff
{
    /// <summary>Lines only in <paramref name="expected"/> as "- ", only in <paramref name="actual"/> as "+ ", shared as "  ".</summary>
    public static string Format(string expected, string actual)
    {
        string[] a = expected.Split('\n'), b = actual.Split('\n');
        var lcs = new int[a.Length + 1, b.Length + 1];
        for (int i = a.Length - 1; i >= 0; i--)
            for (int j = b.Length - 1; j >= 0; j--)
                lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
        var diff = new System.Text.StringBuilder();
        int x = 0, y = 0;
        while (x < a.Length || y < b.Length)
        {
            if (x < a.Length && y < b.Length && a[x] == b[y]) { diff.Append("  ").AppendLine(a[x]); x++; y++; }
            else if (x < a.Length && (y == b.Length || lcs[x + 1, y] >= lcs[x, y + 1])) { diff.Append("- ").AppendLine(a[x]); x++; }
            else { diff.Append("+ ").AppendLine(b[y]); y++; }
        }
        return diff.ToString();
    }
}
