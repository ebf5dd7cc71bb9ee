namespace Ptq.Tests;

/// <summary>
/// Finds the shared test assets: PTQ_ASSETS when set, else ../shared/assets relative to the repository root
/// (found by walking up from the test binary). Missing assets fail the test loudly: they are part of the contract.
/// </summary>
internal static class Assets
{
    private static readonly Lazy<string> Root = new(Locate);

    public static string Directory => Root.Value;

    public static string Model(string fileName) => System.IO.Path.Combine(Directory, "models", fileName);

    public static string Path(params string[] parts) => System.IO.Path.Combine([Directory, .. parts]);

    public static readonly string[] ModelFiles =
        ["squeezenet1.1.onnx", "mnist-cnn.onnx", "cifar10-cnn.onnx", "ppocrv4-det.onnx", "ppocrv4-rec.onnx", "silero-vad.onnx"];

    private static string Locate()
    {
        string? configured = Environment.GetEnvironmentVariable("PTQ_ASSETS");
        if (!string.IsNullOrEmpty(configured))
        {
            if (!System.IO.Directory.Exists(configured))
                throw new InvalidOperationException($"PTQ_ASSETS is '{configured}', which is not a folder");
            return System.IO.Path.GetFullPath(configured);
        }
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = System.IO.Path.Combine(dir.FullName, "shared", "assets");
            if (System.IO.Directory.Exists(candidate))
                return candidate;
        }
        throw new InvalidOperationException("test assets not found: set PTQ_ASSETS or place shared/assets beside the repository");
    }
}
