namespace Ptq.Bench;

/// <summary>Finds the shared assets: PTQ_ASSETS when set, else a shared/assets folder beside some parent of the binary.</summary>
internal static class BenchAssets
{
    public static string Model(string fileName) => Get("models", fileName);

    public static string Get(params string[] parts)
    {
        string? configured = Environment.GetEnvironmentVariable("PTQ_ASSETS");
        if (!string.IsNullOrEmpty(configured))
            return Path.Combine([configured, .. parts]);
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine([dir.FullName, "shared", "assets", .. parts]);
            if (File.Exists(candidate) || Directory.Exists(candidate))
                return candidate;
        }
        throw new FileNotFoundException($"'{Path.Combine(parts)}' not found: set PTQ_ASSETS or place shared/assets beside the repository");
    }
}
