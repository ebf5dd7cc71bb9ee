using Ptq.Graph;

namespace Ptq.Passes;

/// <summary>
/// Removes nodes that are the identity at inference: Identity, and Dropout whose mask output nothing reads (inference
/// Dropout passes its input through). Consumers read the input directly, so the op before and the op after can share
/// one quantized tensor and run as int8 kernels back to back. Nodes writing a graph output are kept (the name is the
/// model's interface).
/// </summary>
internal static class IdentityElimination
{
    /// <summary>Removes every eligible node of <paramref name="graph"/>; returns how many.</summary>
    public static int Apply(OnnxGraph graph)
    {
        int removed = 0;
        foreach (var node in graph.Nodes.Where(n => n.IsStandard && n.OpType is "Identity" or "Dropout").ToList())
        {
            string output = node.Outputs[0];
            bool maskUsed = node.Outputs.Skip(1).Any(o => o.Length > 0 && (graph.Consumers(o).Count > 0 || graph.IsGraphOutput(o)));
            bool training = node.OpType == "Dropout" && node.Inputs.Count > 2 && node.Inputs[2].Length > 0;
            if (maskUsed || training || graph.IsGraphOutput(output) || node.Inputs.Count == 0 || node.Inputs[0].Length == 0)
                continue;
            graph.ReplaceAllUses(output, node.Inputs[0]);
            graph.RemoveNode(node);
            removed++;
        }
        return removed;
    }
}
