using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Ptq.Tests.Cli;

namespace Ptq.Tests.Docs;

/// <summary>
/// The generated parts of docs/ are current (PTQ_UPDATE_GOLDEN=1 rewrites them; review the diff), and every relative
/// link in README.md and docs/ points at a file of the repository.
/// </summary>
public sealed partial class DocsTests
{
    public static TheoryData<string> GeneratedPages =>
        [.. Pages().Append(Path.Combine(Root(), "README.md")).Append(Path.Combine(Root(), "src", "Ptq", "README.md")).Where(p => File.ReadAllText(p).Contains("<!-- BEGIN GENERATED:", StringComparison.Ordinal)).Select(Relative)];

    public static TheoryData<string> AllPages => [.. Pages().Append(Path.Combine(Root(), "README.md")).Select(Relative)];

    [Theory]
    [MemberData(nameof(GeneratedPages))]
    public void Generated_sections_match_the_option_table(string page)
    {
        string path = Path.Combine(Root(), page);
        string text = File.ReadAllText(path).Replace("\r\n", "\n");
        string regenerated = Generated().Replace(text, m => $"{m.Groups[1].Value}\n{DocTables.Generate(m.Groups[2].Value)}{m.Groups[3].Value}");
        if (Environment.GetEnvironmentVariable("PTQ_UPDATE_GOLDEN") == "1")
            File.WriteAllText(path, regenerated);
        if (regenerated != text)
            Assert.Fail($"{page} is not current (rerun with PTQ_UPDATE_GOLDEN=1 to regenerate):\n{LineDiff.Format(text, regenerated)}");
    }

    [Fact]
    public void The_recipe_reference_is_generated()
    {
        Assert.Contains(Pages(), p => p.EndsWith(Path.Combine("docs", "recipes.md"), StringComparison.Ordinal) && File.ReadAllText(p).Contains("<!-- BEGIN GENERATED: recipe-keys -->", StringComparison.Ordinal));
        Assert.True(Pages().Count(p => p.Contains("migration", StringComparison.Ordinal)) >= 5);
    }

    [Theory]
    [MemberData(nameof(AllPages))]
    public void Relative_links_point_at_files_of_the_repository(string page)
    {
        string path = Path.Combine(Root(), page);
        string root = Root() + Path.DirectorySeparatorChar;
        foreach (Match link in Link().Matches(File.ReadAllText(path)))
        {
            string target = link.Groups[1].Value.Split('#')[0];
            if (target.Length == 0 || target.Contains("://", StringComparison.Ordinal) || target.StartsWith("mailto:", StringComparison.Ordinal)) continue;
            string full = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, target));
            Assert.True(full.StartsWith(root, StringComparison.Ordinal), $"{page} links outside the repository: {target}");
            Assert.True(File.Exists(full) || Directory.Exists(full), $"{page} links to a missing file: {target}");
        }
        Assert.DoesNotContain("../shared", File.ReadAllText(path), StringComparison.Ordinal);
    }

    private static IEnumerable<string> Pages() => Directory.EnumerateFiles(Path.Combine(Root(), "docs"), "*.md", SearchOption.AllDirectories).Order(StringComparer.Ordinal);

    private static string Relative(string path) => Path.GetRelativePath(Root(), path);

    /// <summary>The repository root (this file is tests/Ptq.Tests/Docs/DocsTests.cs).</summary>
    internal static string Root([CallerFilePath] string thisFile = "") => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(thisFile)!, "..", "..", ".."));

    [GeneratedRegex(@"(<!-- BEGIN GENERATED: ([a-z-]+) -->)\n.*?(<!-- END GENERATED -->)", RegexOptions.Singleline)]
    private static partial Regex Generated();

    [GeneratedRegex(@"\]\(([^)\s]+)\)")]
    private static partial Regex Link();
}
