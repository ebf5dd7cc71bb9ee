using Ptq.Graph;
using Ptq.Onnx;
using Ptq.Passes;
using Ptq.Passes.Shapes;
using Xunit.Abstractions;

namespace Ptq.Tests.Passes;

/// <summary>
/// Holds static shape inference to ONNX's backend test data at every opset: each graph output's inferred rank and sizes
/// must be those of the reference output (a symbol must stand for one size throughout a model). A wrong claim would
/// let preparation "correct" a right declaration into a wrong one, so there is no tolerance, and no declaration of
/// these models may be found stale; coverage is pinned so it cannot silently regress.
/// </summary>
public class ShapeInferenceConformanceTests(ITestOutputHelper output)
{
    private const string Root = "/usr/share/libonnx-testdata/data";
    private static readonly string[] Suites = ["node", "simple", "pytorch-converted", "pytorch-operator"];

    [Fact]
    public void InferredOutputShapes_MatchTheReferenceOutputs()
    {
        if (!Directory.Exists(Root))
        {
            output.WriteLine($"{Root} is missing; install libonnx-testdata to run this test");
            return;
        }
        int outputs = 0, ranked = 0, determined = 0;
        var wrong = new List<string>();
        foreach (var directory in Suites.SelectMany(s => Directory.GetDirectories(Path.Combine(Root, s)).Order(StringComparer.Ordinal)))
        {
            var test = new BackendTestCase(directory);
            if (!File.Exists(test.ModelPath))
                continue;
            using var model = ModelIO.Load(test.ModelPath, validate: false);
            var expected = test.ExpectedOutputs();
            Check(model, "");
            // The upgraded models exercise the opset-13 forms (axes, sizes and pads as inputs).
            if (model.DefaultOpset is > 0 and < 13 && OpsetUpgrader.CheckSupported(model).Count == 0)
            {
                using var upgraded = OpsetUpgrader.Upgrade(model);
                Check(upgraded, " (upgraded)");
            }

            void Check(OnnxModel candidate, string label)
            {
                var graph = OnnxGraph.FromModel(candidate, promoteConstants: false);
                var shapes = ShapeInference.Infer(graph, candidate.DefaultOpset);
                var table = shapes.For(graph)!;
                // The reference models declare their shapes correctly, so none may be called stale.
                wrong.AddRange(StaleShapes.Find(graph, shapes).Select(stale => $"{test.Name}{label}: called stale: {stale}"));
                var symbols = new Dictionary<string, long>(StringComparer.Ordinal);
                for (int i = 0; i < Math.Min(expected.Count, graph.Outputs.Count); i++)
                {
                    outputs++;
                    if (table.Shape(graph.Outputs[i].Name) is not { } inferred)
                        continue;
                    ranked++;
                    long[] dims = [.. expected[i].Dims];
                    bool agrees = inferred.Length == dims.Length && inferred.Select((d, k) =>
                        d.Value is long v ? v == dims[k] : d.Symbol is not { } s || (symbols.TryAdd(s, dims[k]) ? dims[k] : symbols[s]) == dims[k]).All(ok => ok);
                    if (!agrees)
                        wrong.Add($"{test.Name}{label} '{graph.Outputs[i].Name}': inferred {Dim.Format(inferred)}, reference [{string.Join(",", dims)}]");
                    else if (inferred.All(d => d.IsKnown || d.Symbol is not null))
                        determined++;
                }
            }
        }
        output.WriteLine($"{outputs} reference outputs: rank inferred for {ranked}, every size for {determined}, wrong {wrong.Count}");
        foreach (string line in wrong)
            output.WriteLine($"WRONG {line}");
        Assert.Empty(wrong);
        Assert.Equal((1667, 1640, 1125), (outputs, ranked, determined));
    }
}
