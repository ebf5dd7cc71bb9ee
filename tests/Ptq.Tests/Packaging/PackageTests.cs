using System.IO.Compression;
using System.Numerics.Tensors;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Ptq.Cli;
using Ptq.Demo;
using Ptq.Onnx;
using Ptq.Runtime;
using Xunit.Abstractions;

namespace Ptq.Tests.Packaging;

/// <summary>
/// The packages as a user gets them: <c>dotnet pack</c> of the library and of the tool into a temporary folder (build
/// output there too, the work tree untouched), the tool installed from that folder alone into a temporary tool path, and
/// <c>ptq --version</c> and <c>ptq demo</c> run through the installed command.
/// </summary>
public partial class PackageTests(ITestOutputHelper output)
{
    /// <summary>Issue #12's ceiling for the tool package a user downloads (one per platform).</summary>
    private const long MaxToolPackageBytes = 40_000_000;

    private static readonly string[] ToolRids = ["linux-x64", "linux-arm64", "win-x64", "win-arm64", "osx-arm64"];

    [SlowFact("packs Ptq and Ptq.Cli for five platforms, installs the tool and runs its demo")]
    public void ToolAndLibraryPackagesInstallAndRun()
    {
        using var temp = new TempDirectory();
        string packages = Path.Combine(temp.Path, "packages");
        var environment = new Dictionary<string, string> { ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1", ["DOTNET_NOLOGO"] = "1" };
        foreach (string project in new[] { "src/Ptq/Ptq.csproj", "src/Ptq.Cli/Ptq.Cli.csproj" })
        {
            var pack = DotnetProcess.Dotnet(RepositoryRoot(), environment, TimeSpan.FromMinutes(30),
                "pack", project, "-c", "Release", "-o", packages, "--artifacts-path", Path.Combine(temp.Path, "artifacts"));
            Assert.True(pack.ExitCode == 0, pack.Output);
            Assert.DoesNotContain("missing a readme", pack.Output, StringComparison.Ordinal);
        }

        string[] written = Directory.GetFiles(packages, "*.nupkg");
        CheckLibraryPackage(Assert.Single(written, p => Regex.IsMatch(Path.GetFileName(p), @"^Ptq\.\d")));
        CheckPointerPackage(Assert.Single(written, p => Regex.IsMatch(Path.GetFileName(p), @"^Ptq\.Cli\.\d")));
        foreach (string rid in ToolRids)
            CheckToolPackage(Assert.Single(Directory.GetFiles(packages, $"Ptq.Cli.{rid}.*.nupkg")), rid);
        Assert.Equal(ToolRids.Length + 2, written.Length);

        // Installed from the packages folder alone, into a fresh package cache: nothing comes from a feed or an earlier run.
        string config = Path.Combine(temp.Path, "nuget.config");
        File.WriteAllText(config, $"""<configuration><packageSources><clear /><add key="local" value="{packages}" /></packageSources></configuration>""");
        environment["NUGET_PACKAGES"] = Path.Combine(temp.Path, "nuget-cache");
        string tools = Path.Combine(temp.Path, "tools");
        var install = DotnetProcess.Dotnet(temp.Path, environment, TimeSpan.FromMinutes(10), "tool", "install", "Ptq.Cli", "--tool-path", tools, "--configfile", config);
        Assert.True(install.ExitCode == 0, install.Output);

        string ptq = Path.Combine(tools, OperatingSystem.IsWindows() ? "ptq.exe" : "ptq");
        if (Path.GetDirectoryName(Path.GetFullPath(DotnetProcess.Host)) is { } dotnetRoot && File.Exists(DotnetProcess.Host))
            environment["DOTNET_ROOT"] = dotnetRoot;
        var version = DotnetProcess.Run(ptq, temp.Path, environment, TimeSpan.FromMinutes(2), "--version");
        Assert.True(version.ExitCode == 0, version.Output);
        // The same version as the build under test; the commit after '+' may differ when a commit came in between.
        Assert.Equal(VersionAction.Version.Split('+')[0], version.Output.Trim().Split('+')[0]);

        var demo = DotnetProcess.Run(ptq, temp.Path, environment, TimeSpan.FromMinutes(10), "demo");
        output.WriteLine(demo.Output);
        Assert.True(demo.ExitCode == 0, demo.Output);
        CheckDemoOutputs(Path.Combine(temp.Path, "ptq-demo"));
    }

    private void CheckLibraryPackage(string path)
    {
        output.WriteLine($"{Path.GetFileName(path)}: {new FileInfo(path).Length:N0} bytes");
        using var zip = ZipFile.OpenRead(path);
        var entries = zip.Entries.Select(e => e.FullName).ToHashSet(StringComparer.Ordinal);
        Assert.Contains("README.md", entries);
        Assert.Contains("lib/net10.0/Ptq.dll", entries);
        Assert.Contains("lib/net10.0/Ptq.xml", entries);
        var nuspec = Nuspec(zip);
        CheckMetadata(nuspec);
        var dependencies = nuspec.Descendants().Where(e => e.Name.LocalName == "dependency").Select(e => (string)e.Attribute("id")!).ToList();
        Assert.Contains("Microsoft.ML.OnnxRuntime", dependencies);
        Assert.DoesNotContain("Grpc.Tools", dependencies); // a build-time code generator
    }

    private static void CheckPointerPackage(string path)
    {
        using var zip = ZipFile.OpenRead(path);
        Assert.Contains(zip.Entries, e => e.FullName == "README.md");
        CheckMetadata(Nuspec(zip));
        string settings = new StreamReader(zip.Entries.Single(e => e.Name == "DotnetToolSettings.xml").Open()).ReadToEnd();
        Assert.Equal(ToolRids.Order(StringComparer.Ordinal), RuntimeIdentifierAttribute().Matches(settings).Select(m => m.Groups[1].Value).Order(StringComparer.Ordinal));
    }

    private void CheckToolPackage(string path, string rid)
    {
        long bytes = new FileInfo(path).Length;
        using var zip = ZipFile.OpenRead(path);
        long unpacked = zip.Entries.Sum(e => e.Length);
        output.WriteLine($"{Path.GetFileName(path)}: {bytes:N0} bytes, {unpacked:N0} unpacked, {zip.Entries.Count} files");
        Assert.True(bytes <= MaxToolPackageBytes, $"{Path.GetFileName(path)} is {bytes:N0} bytes, over {MaxToolPackageBytes:N0}");
        Assert.Contains(zip.Entries, e => e.FullName == "README.md");
        CheckMetadata(Nuspec(zip));
        var files = zip.Entries.Where(e => e.FullName.StartsWith("tools/", StringComparison.Ordinal)).Select(e => e.FullName).ToList();
        Assert.All(files, f => Assert.StartsWith($"tools/net10.0/{rid}/", f, StringComparison.Ordinal));
        // Our own symbols stay for stack traces; the dependencies' (SkiaSharp's alone: 84 MB per Windows RID) do not.
        Assert.Equal(["Ptq.Cli.pdb", "Ptq.pdb"], files.Where(f => f.EndsWith(".pdb", StringComparison.Ordinal)).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        string[] natives = [.. files.Select(f => Path.GetFileName(f)!).Where(f => f.EndsWith(".so", StringComparison.Ordinal) || f.EndsWith(".dylib", StringComparison.Ordinal)
            || (f.EndsWith(".dll", StringComparison.Ordinal) && (f.StartsWith("lib", StringComparison.Ordinal) || f.StartsWith("onnxruntime", StringComparison.Ordinal))))];
        Assert.Contains(natives, n => n.Contains("onnxruntime", StringComparison.Ordinal) && !n.Contains("providers", StringComparison.Ordinal));
        Assert.Contains(natives, n => n.StartsWith("libSkiaSharp", StringComparison.Ordinal));
        Assert.DoesNotContain(natives, n => n.StartsWith("libHarfBuzzSharp", StringComparison.Ordinal));
    }

    private static void CheckMetadata(XElement nuspec)
    {
        string Field(string name) => nuspec.Descendants().FirstOrDefault(e => e.Name.LocalName == name)?.Value ?? "";
        Assert.Equal("README.md", Field("readme"));
        Assert.Equal("Ptq contributors", Field("authors"));
        Assert.True(Field("description").Length > 100, $"description '{Field("description")}'");
        Assert.Contains("quantization", Field("tags"), StringComparison.Ordinal);
    }

    /// <summary>The installed demo's models agree: int8 against fp32 on inputs the demo did not calibrate on.</summary>
    private void CheckDemoOutputs(string directory)
    {
        foreach (string file in new[] { "demo.fp32.onnx", "demo.int8.onnx", "quant_param.csv", "report.html" })
            Assert.True(File.Exists(Path.Combine(directory, file)), $"the demo wrote no {file}");
        Assert.Contains("data:image/png;base64,", File.ReadAllText(Path.Combine(directory, "report.html")), StringComparison.Ordinal);
        using var fp32Model = ModelIO.Load(Path.Combine(directory, "demo.fp32.onnx"));
        using var int8Model = ModelIO.Load(Path.Combine(directory, "demo.int8.onnx"));
        using var fp32 = new OrtRunner(fp32Model);
        using var int8 = new OrtRunner(int8Model);
        var (a, b) = (new List<float>(), new List<float>());
        foreach (var feed in DemoData.Feeds(32, first: 500_000))
        {
            a.AddRange(fp32.Run(feed)[DemoModel.OutputName].ToFloats());
            b.AddRange(int8.Run(feed)[DemoModel.OutputName].ToFloats());
        }
        float cosine = TensorPrimitives.CosineSimilarity(a.ToArray(), b.ToArray());
        output.WriteLine($"installed demo: int8 vs fp32 logits cosine {cosine:F5} on 32 unseen inputs");
        Assert.True(cosine > 0.99f, $"cosine {cosine}");
    }

    private static XElement Nuspec(ZipArchive zip)
    {
        using var stream = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open();
        return XElement.Load(stream);
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Ptq.sln"))) return dir.FullName;
        throw new InvalidOperationException($"no Ptq.sln above '{AppContext.BaseDirectory}'");
    }

    [GeneratedRegex("RuntimeIdentifier=\"([^\"]+)\"")]
    private static partial Regex RuntimeIdentifierAttribute();
}
