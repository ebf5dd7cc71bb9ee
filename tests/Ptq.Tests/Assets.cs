namespace Ptq.Tests;

/// <summary>
/// Finds the shared test assets: PTQ_ASSETS if set (relative values resolve against the repository root), else the first
/// <c>shared/assets</c> folder found walking up from the test binary. Missing assets fail the test with a clear message.
/// </summary>
internal static class Assets
{
    private static readonly Lazy<string> RootLazy = new(Resolve);

    public static string Root => RootLazy.Value;

    /// <summary>Real model files in assets/models, the ones every I/O test covers.</summary>
    public static readonly string[] ModelFiles =
        ["squeezenet1.1.onnx", "mnist-cnn.onnx", "cifar10-cnn.onnx", "ppocrv4-det.onnx", "ppocrv4-rec.onnx", "silero-vad.onnx"];

    public static string Model(string fileName) => Get("models", fileName);

    public static string Get(params string[] parts)
    {
        string path = Path.Combine([Root, .. parts]);
        if (!File.Exists(path) && !Directory.Exists(path))
            throw new InvalidOperationException($"Test asset '{path}' is missing; see shared/assets/README.md (assets root '{Root}').");
        return path;
    }

    private static string Resolve()
    {
        string? env = Environment.GetEnvironmentVariable("PTQ_ASSETS");
        if (!string.IsNullOrEmpty(env))
        {
            string path = Path.IsPathRooted(env) ? env : Path.GetFullPath(Path.Combine(RepositoryRoot() ?? Directory.GetCurrentDirectory(), env));
            return Directory.Exists(path)
                ? path
                : throw new InvalidOperationException($"PTQ_ASSETS is '{env}' but '{path}' does not exist.");
        }
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "shared", "assets");
            if (Directory.Exists(candidate)) return candidate;
        }
        throw new InvalidOperationException(
            $"Test assets not found: no 'shared/assets' folder above '{AppContext.BaseDirectory}' and PTQ_ASSETS is not set. Set PTQ_ASSETS to the assets folder.");
    }

    private static string? RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (Directory.Exists(Path.Combine(dir.FullName, ".git")) || File.Exists(Path.Combine(dir.FullName, ".git"))) return dir.FullName;
        return null;
    }
}

/// <summary>A fresh temporary folder deleted on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "ptq-data-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public string Sub(string name) => Directory.CreateDirectory(System.IO.Path.Combine(Path, name)).FullName;

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}
