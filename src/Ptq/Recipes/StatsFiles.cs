using Ptq.Calibration;
using Ptq.Graph;
using Ptq.Onnx;
using Ptq.Pipeline;

namespace Ptq.Recipes;

/// <summary>
/// Reads a statistics file for <c>--stats</c>: Ptq's JSON from <c>ptq calibrate</c>, or Distiller's
/// <c>acts_quantization_stats.yaml</c> (<c>.yaml</c>/<c>.yml</c>, read by <see cref="DistillerStatsReader"/>) with its
/// layer names mapped onto the model's tensors: <c>layer/output</c> → the first output of the node named <c>layer</c>,
/// <c>layer/inputs/i</c> → that node's input i. A node matches a layer by its exact name, or by a PyTorch export's
/// path name (<c>/layer1/layer1.0/conv1/Conv</c> for module <c>layer1.0.conv1</c>). A tensor named by several entries
/// takes the producing layer's output statistics. A layer that matches no node is an error listing every such layer
/// with the closest node names.
/// </summary>
internal static class StatsFiles
{
    /// <summary>Reads <paramref name="path"/> for <paramref name="model"/>.</summary>
    /// <exception cref="StatsFileException">Unreadable or invalid file, or Distiller layers the model does not have.</exception>
    public static StatsFile Load(string path, OnnxModel model)
    {
        string extension = Path.GetExtension(path).ToLowerInvariant();
        return extension is ".yaml" or ".yml" ? FromDistiller(DistillerStatsReader.Load(path), model, path) : StatsFile.Load(path);
    }

    /// <summary>Renames Distiller's <c>layer/output</c> and <c>layer/inputs/i</c> entries to the model's tensor names.</summary>
    /// <exception cref="StatsFileException">Layers that match no node, listed with the closest node names.</exception>
    public static StatsFile FromDistiller(StatsFile distiller, OnnxModel model, string source)
    {
        var graph = OnnxGraph.FromModel(model, promoteConstants: false);
        var byLayer = new Dictionary<string, Node>(StringComparer.Ordinal);
        foreach (var node in graph.Nodes)
        {
            byLayer.TryAdd(node.Name, node);
            if (ModuleName(node) is { } module)
                byLayer.TryAdd(module, node);
        }
        var renamed = new Dictionary<string, Statistics.TensorStats>(StringComparer.Ordinal);
        var unknown = new List<string>();
        // Outputs first, so a tensor both written and read by listed layers takes its producer's statistics.
        foreach (var stats in distiller.Tensors.Values.OrderBy(t => t.Name.EndsWith("/output", StringComparison.Ordinal) ? 0 : 1))
        {
            string[] parts = stats.Name.Split('/');
            string layer = string.Join('/', parts[..(parts[^1] == "output" ? ^1 : ^2)]);
            if (!byLayer.TryGetValue(layer, out var node))
            {
                if (!unknown.Contains(layer)) unknown.Add(layer);
                continue;
            }
            string? tensor = parts[^1] == "output" ? (node.Outputs.Count > 0 ? node.Outputs[0] : null)
                : int.TryParse(parts[^1], out int i) && i < node.Inputs.Count ? node.Inputs[i] : null;
            if (tensor is { Length: > 0 } && graph.Initializer(tensor) is null)
                renamed.TryAdd(tensor, stats with { Name = tensor });
        }
        if (unknown.Count > 0)
            throw new StatsFileException(source, "layers", $"{unknown.Count} Distiller layer(s) match no node of the model: " +
                string.Join("; ", unknown.Take(10).Select(l => $"'{l}' (closest: {string.Join(", ", NodeMatcher.Closest(l, byLayer.Keys))})")) +
                (unknown.Count > 10 ? $"; and {unknown.Count - 10} more" : "") +
                ". Layer names are ONNX node names (or PyTorch module names of a torch.onnx export); rename them in the file.");
        return new StatsFile(distiller.Samples, renamed.Values);
    }

    // "/layer1/layer1.0/conv1/Conv" → "layer1.0.conv1": the path segments without the op type, each either the full
    // dotted name so far (layer1.0 after layer1) or one more part of it.
    private static string? ModuleName(Node node)
    {
        if (!node.Name.StartsWith('/')) return null;
        var segments = node.Name.Trim('/').Split('/');
        if (segments.Length < 2) return null;
        string module = segments[0];
        foreach (string segment in segments[1..^1])
            module = segment.StartsWith(module + ".", StringComparison.Ordinal) ? segment : module + "." + segment;
        return module;
    }
}
