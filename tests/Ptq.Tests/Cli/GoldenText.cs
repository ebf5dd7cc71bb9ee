using System.Runtime.CompilerServices;

namespace Ptq.Tests.Cli;

/// <summary>Approves CLI output against Cli/Golden files; PTQ_UPDATE_GOLDEN=1 rewrites them (review the diff).</summary>
internal static class GoldenText
{
    public static void Approve(string goldenName, string actual, [CallerFilePath] string thisFile = "")
    {
        string goldenPath = Path.Combine(Path.GetDirectoryName(thisFile)!, "Golden", goldenName);
        string normalized = Normalize(actual);
        if (Environment.GetEnvironmentVariable("PTQ_UPDATE_GOLDEN") == "1")
            File.WriteAllText(goldenPath, normalized);
        string expected = File.Exists(goldenPath) ? Normalize(File.ReadAllText(goldenPath)) : "";
        if (expected != normalized)
            Assert.Fail($"output differs from {goldenPath} (rerun with PTQ_UPDATE_GOLDEN=1 to accept):\n{LineDiff.Format(expected, normalized)}");
    }

    /// <summary>LF line endings, no trailing spaces, exactly one final newline.</summary>
    private static string Normalize(string text) =>
        string.Join('\n', text.Replace("\r\n", "\n").Split('\n').Select(l => l.TrimEnd())).TrimEnd('\n') + "\n";
}
