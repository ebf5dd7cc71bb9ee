namespace Ptq.Tests.Architecture;

/// <summary>
/// The library's namespaces form layers: no two of them use each other, directly or through others. A cycle means a
/// stage reaches back into a later one (issue #11 found Pipeline↔Tuning, Tuning↔Reports, Onnx↔Graph, Calibration↔Recipes).
/// </summary>
public sealed class NamespaceCycleTests
{
    [Fact]
    public void NoNamespaceDependsOnItselfThroughOthers()
    {
        var edges = NamespaceDependencies.Of(typeof(PtqException).Assembly);
        var cycles = new List<string>();
        foreach (string start in edges.Keys.Order(StringComparer.Ordinal))
        {
            // Depth-first from each namespace; a path that returns to it is a cycle, reported with one example per edge.
            var path = new Stack<string>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            if (Returns(start, start, edges, path, seen))
                cycles.Add(string.Join(" -> ", path.Reverse().Prepend(start)) + ": " +
                    string.Join("; ", path.Reverse().Prepend(start).Zip(path.Reverse()).Select(e => edges[e.First][e.Second])));
        }
        Assert.True(cycles.Count == 0, "namespace cycles:\n" + string.Join("\n", cycles));
    }

    private static bool Returns(string start, string at, Dictionary<string, Dictionary<string, string>> edges, Stack<string> path, HashSet<string> seen)
    {
        foreach (string next in edges.GetValueOrDefault(at)?.Keys.Order(StringComparer.Ordinal) ?? Enumerable.Empty<string>())
        {
            path.Push(next);
            if (next == start || (seen.Add(next) && Returns(start, next, edges, path, seen)))
                return true;
            path.Pop();
        }
        return false;
    }
}
