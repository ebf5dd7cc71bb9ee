using Ptq.Graph;
using Ptq.Onnx;
using Ptq.Passes;

namespace Ptq.Reports;

/// <summary>
/// Tells which nodes of the prepared float graph (the one Ptq quantizes and the debug report names) the user's model does
/// not have, and relates each to the user's node it serves. A prepared node is the user's when the user's model has a
/// node of the same op type under the same name, as preparation names it (its name, or for an unnamed node its first
/// output and op type). Otherwise it replaced a user's node when it writes a tensor of the user's model (the opset
/// upgrade rewrites legacy ops so), else Ptq added it, for the nearest user's node that reads what it writes.
/// </summary>
internal static class PreparedNodeOrigins
{
    /// <summary>
    /// For each name of <paramref name="nodeNames"/> that is a node of <paramref name="prepared"/> Ptq added or replaced:
    /// a sentence saying what it is and for which user's node.
    /// </summary>
    /// <param name="user">The fp32 model as the user gave it.</param>
    /// <param name="prepared">The graph of that model after Ptq's preparation.</param>
    /// <param name="nodeNames">The nodes a report refers to.</param>
    /// <exception cref="GraphException">When <paramref name="user"/> is malformed.</exception>
    public static IReadOnlyDictionary<string, string> Describe(OnnxModel user, OnnxGraph prepared, IEnumerable<string> nodeNames)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(prepared);
        ArgumentNullException.ThrowIfNull(nodeNames);
        var userGraph = OnnxGraph.FromModel(user, promoteConstants: true);
        var userOps = new Dictionary<string, string>(StringComparer.Ordinal);
        var userWriters = new Dictionary<string, (string Name, string Op)>(StringComparer.Ordinal);
        foreach (var node in userGraph.Nodes)
        {
            string name = PreparedName(node);
            userOps.TryAdd(name, node.OpType);
            foreach (string output in node.Outputs.Where(o => o.Length > 0))
                userWriters.TryAdd(output, (name, node.OpType));
        }
        bool IsUsers(Node n) => userOps.TryGetValue(n.DisplayName, out string? op) && op == n.OpType;
        string upgrade = user.DefaultOpset < OpsetUpgrader.MinTargetOpset ? $"Ptq's opset upgrade (opset {user.DefaultOpset} → {OpsetUpgrader.MinTargetOpset})" : "Ptq";

        var origins = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string name in nodeNames.Distinct(StringComparer.Ordinal))
        {
            if (prepared.Nodes.FirstOrDefault(n => n.DisplayName == name) is not { } node || IsUsers(node)) continue;
            if (node.Outputs.FirstOrDefault(userWriters.ContainsKey) is { } written)
            {
                var (userName, userOp) = userWriters[written];
                origins[name] = $"{upgrade} replaced the model's {userOp} '{userName}' with this {node.OpType}.";
            }
            else if (node.OpType == "Pad" && node.Name.EndsWith(InputChannelPadding.NodeSuffix, StringComparison.Ordinal))
            {
                origins[name] = $"added by Ptq: zero-pads the channels of '{node.Inputs[0]}' to four for '{Served(node)}' (ONNX Runtime's int8 Conv is faster with four).";
            }
            else
            {
                origins[name] = $"added by {upgrade} for '{Served(node)}'.";
            }
        }
        return origins;

        // The nearest user's node reading what this one writes (breadth first), else the first user's node it reads from.
        string Served(Node start)
        {
            var seen = new HashSet<Node> { start };
            var queue = new Queue<Node>([start]);
            while (queue.TryDequeue(out var node))
            {
                foreach (var reader in node.Outputs.SelectMany(o => prepared.Consumers(o)).Select(c => c.Node).Where(seen.Add))
                {
                    if (IsUsers(reader)) return reader.DisplayName;
                    queue.Enqueue(reader);
                }
            }
            return start.Inputs.Select(i => prepared.Producer(i)).FirstOrDefault(p => p is not null && IsUsers(p))?.DisplayName ?? "the model's output";
        }
    }

    // As ModelPreparation names unnamed nodes (first output and op type), so both graphs agree.
    private static string PreparedName(Node node) =>
        node.Name.Length > 0 ? node.Name : node.Outputs.FirstOrDefault(o => o.Length > 0) is { } output ? output + "_" + node.OpType : node.OpType;
}
