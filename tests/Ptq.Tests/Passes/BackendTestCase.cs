using Ptq.Onnx;
using Ptq.Onnx.Proto;
using Ptq.Runtime;
using DT = Ptq.Onnx.Proto.TensorProto.Types.DataType;

namespace Ptq.Tests.Passes;

/// <summary>
/// One folder of ONNX's backend test data: model.onnx plus test_data_set_0/input_*.pb and output_*.pb. Checks a model
/// the way ORT's own backend tests do: floats within rtol 1e-3 / atol 1e-5, everything else exact.
/// </summary>
internal sealed class BackendTestCase(string directory)
{
    private const double RelativeTolerance = 1e-3, AbsoluteTolerance = 1e-5;

    public string Directory { get; } = directory;

    public string Name => $"{Path.GetFileName(Path.GetDirectoryName(Directory))}/{Path.GetFileName(Directory)}";

    public string ModelPath => Path.Combine(Directory, "model.onnx");

    /// <summary>The case's inputs keyed by the model's runtime input names (by name when the file names it, else by position); null when an input is not a plain tensor.</summary>
    public Dictionary<string, TensorValue>? Feeds(OnnxModel model)
    {
        var names = Ptq.Graph.OnnxGraph.FromModel(model, promoteConstants: false).RuntimeInputs.ToList();
        if (names.Any(i => i.Type?.TensorType is null))
            return null;
        var tensors = Read("input");
        if (tensors.Count != names.Count)
            return null;
        var feeds = new Dictionary<string, TensorValue>(StringComparer.Ordinal);
        for (int i = 0; i < tensors.Count; i++)
        {
            string name = names.Exists(n => n.Name == tensors[i].Name) ? tensors[i].Name : names[i].Name;
            feeds[name] = TensorValue.FromProto(tensors[i]);
        }
        return feeds;
    }

    /// <summary>Null when <paramref name="model"/> reproduces the expected outputs in ORT, else what went wrong.</summary>
    public string? Check(OnnxModel model, Dictionary<string, TensorValue> feeds)
    {
        var expected = ExpectedOutputs();
        try
        {
            using var runner = new OrtRunner(model);
            if (runner.OutputNames.Count != expected.Count)
                return $"{runner.OutputNames.Count} outputs but {expected.Count} expected";
            var actual = runner.Run(feeds);
            for (int i = 0; i < expected.Count; i++)
            {
                string name = runner.OutputNames[i];
                if (Compare(TensorValue.FromProto(expected[i]), actual[name]) is { } mismatch)
                    return $"output '{name}': {mismatch}";
            }
            return null;
        }
        catch (Exception ex) when (ex is PtqException or InvalidOperationException or NotSupportedException)
        {
            return ex.Message;
        }
    }

    /// <summary>The expected outputs of test_data_set_0, in output order.</summary>
    public List<TensorProto> ExpectedOutputs() => Read("output");

    private List<TensorProto> Read(string prefix)
    {
        string set = Path.Combine(Directory, "test_data_set_0");
        var files = System.IO.Directory.Exists(set) ? System.IO.Directory.GetFiles(set, $"{prefix}_*.pb") : [];
        return [.. files.OrderBy(f => int.Parse(Path.GetFileNameWithoutExtension(f)[(prefix.Length + 1)..]))
            .Select(f => TensorProto.Parser.ParseFrom(File.ReadAllBytes(f)))];
    }

    private static string? Compare(TensorValue expected, TensorValue actual)
    {
        if (!expected.Shape.SequenceEqual(actual.Shape))
            return $"shape [{string.Join(",", actual.Shape)}], expected [{string.Join(",", expected.Shape)}]";
        if (expected.DataType != actual.DataType)
            return $"type {actual.DataType}, expected {expected.DataType}";
        if (expected.Strings is { } strings)
            return strings.SequenceEqual(actual.Strings!) ? null : "strings differ";
        if ((DT)expected.DataType is not (DT.Float or DT.Double or DT.Float16 or DT.Bfloat16))
            return expected.Raw!.AsSpan().SequenceEqual(actual.Raw) ? null : "values differ";
        float[] e = expected.ToFloats(), a = actual.ToFloats();
        for (int i = 0; i < e.Length; i++)
        {
            if (float.IsNaN(e[i]) && float.IsNaN(a[i]))
                continue;
            if (!(Math.Abs(a[i] - e[i]) <= AbsoluteTolerance + RelativeTolerance * Math.Abs(e[i])) && a[i] != e[i])
                return $"[{i}] = {a[i]}, expected {e[i]}";
        }
        return null;
    }
}
