namespace Ptq.Tests.Onnx.Conformance;

/// <summary>
/// The ONNX backend test models of the Debian package libonnx-testdata: one folder per case with model.onnx and
/// test_data_set_N/{input,output}_M.pb. Only the four self-contained suites are used ("real" needs downloads).
/// The data folder is PTQ_ONNX_TESTDATA when set, else the Debian package's.
/// </summary>
internal static class OnnxTestData
{
    /// <summary>Where Debian's libonnx-testdata puts the suites.</summary>
    public const string DebianRoot = "/usr/share/libonnx-testdata/data";

    /// <summary>The folder holding the suites: PTQ_ONNX_TESTDATA, else <see cref="DebianRoot"/>.</summary>
    public static string Root { get; } = Environment.GetEnvironmentVariable("PTQ_ONNX_TESTDATA") is { Length: > 0 } path ? path : DebianRoot;

    public static readonly string[] Suites = ["node", "simple", "pytorch-converted", "pytorch-operator"];

    /// <summary>
    /// Why the tests that need the data cannot run (no suite folder under <see cref="Root"/>), or null when they can. A
    /// folder holding only some suites is a broken install, not an absent one: <see cref="Cases"/> fails on it.
    /// </summary>
    public static string? MissingReason => Suites.Any(s => Directory.Exists(Path.Combine(Root, s))) ? null
        : $"ONNX backend test data not found in '{Root}': install Debian's libonnx-testdata (`apt-get install libonnx-testdata`) " +
          $"or set PTQ_ONNX_TESTDATA to a folder holding its suites; {SlowFactAttribute.CiRunsIt}";

    /// <summary>Every case folder holding a model.onnx, sorted by suite then name. Fails with an install hint when a suite is absent.</summary>
    public static IReadOnlyList<TestDataCase> Cases()
    {
        var cases = new List<TestDataCase>();
        foreach (string suite in Suites)
        {
            string folder = Path.Combine(Root, suite);
            if (!Directory.Exists(folder))
                throw new InvalidOperationException($"'{folder}' is missing: reinstall libonnx-testdata (`apt-get install --reinstall libonnx-testdata`) or fix PTQ_ONNX_TESTDATA");
            foreach (string dir in Directory.GetDirectories(folder).Order(StringComparer.Ordinal))
            {
                string model = Path.Combine(dir, "model.onnx");
                if (File.Exists(model))
                    cases.Add(new TestDataCase(suite, Path.GetFileName(dir), model, Path.Combine(dir, "test_data_set_0")));
            }
        }
        return cases;
    }
}

/// <summary>One backend test case: its model and first data set.</summary>
internal sealed record TestDataCase(string Suite, string Name, string ModelPath, string DataSet)
{
    public string Id => $"{Suite}/{Name}";

    /// <summary>input_0.pb, input_1.pb, … in numeric order (absent folder: none).</summary>
    public IReadOnlyList<string> Inputs => Numbered("input_");

    /// <summary>output_0.pb, output_1.pb, … in numeric order.</summary>
    public IReadOnlyList<string> Outputs => Numbered("output_");

    private List<string> Numbered(string prefix)
    {
        if (!Directory.Exists(DataSet))
            return [];
        var files = new List<string>();
        for (int i = 0; File.Exists(Path.Combine(DataSet, $"{prefix}{i}.pb")); i++)
            files.Add(Path.Combine(DataSet, $"{prefix}{i}.pb"));
        return files;
    }
}
