using System.Runtime.CompilerServices;
using Ptq.Tests.Cli;

namespace Ptq.Tests.Architecture;

/// <summary>
/// The library's public types are its facade (issue #11: at most 60): each one is listed in PublicTypes.txt, so a type
/// made public by accident fails here, and a deliberate addition is a reviewed change of that file
/// (PTQ_UPDATE_GOLDEN=1 rewrites it).
/// </summary>
public sealed class PublicSurfaceTests
{
    private const int MaxPublicTypes = 60;

    [Fact]
    public void PublicTypesAreTheApprovedFacade()
    {
        var names = typeof(PtqException).Assembly.GetExportedTypes().Select(t => t.FullName!.Replace('+', '.')).Order(StringComparer.Ordinal).ToList();
        string approvedPath = ApprovedFile();
        string actual = string.Join("\n", names) + "\n";
        if (Environment.GetEnvironmentVariable("PTQ_UPDATE_GOLDEN") == "1")
            File.WriteAllText(approvedPath, actual);
        string approved = File.Exists(approvedPath) ? File.ReadAllText(approvedPath).Replace("\r\n", "\n") : "";
        if (approved != actual)
            Assert.Fail($"public types differ from {approvedPath} (make the type internal, or rerun with PTQ_UPDATE_GOLDEN=1 to approve):\n{LineDiff.Format(approved, actual)}");
        Assert.True(names.Count <= MaxPublicTypes, $"{names.Count} public types, at most {MaxPublicTypes}");
    }

    private static string ApprovedFile([CallerFilePath] string thisFile = "") => Path.Combine(Path.GetDirectoryName(thisFile)!, "PublicTypes.txt");
}
