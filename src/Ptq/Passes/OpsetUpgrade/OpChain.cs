using Ptq.Graph;
using Ptq.Onnx.Proto;

namespace Ptq.Passes.OpsetUpgrade;

/// <summary>One op of an <see cref="OpChain"/>: it reads the previous value first, then <paramref name="ExtraInputs"/>.</summary>
internal sealed record ChainStep(string OpType, string[] ExtraInputs, params AttributeProto[] Attributes);

/// <summary>Rewrites a legacy op as a chain of standard ops on its first input (ImageScaler → Mul → Add, Crop → Slice, …).</summary>
internal static class OpChain
{
    /// <summary>
    /// Makes <paramref name="node"/> compute <paramref name="steps"/> one after the other from its first input. Earlier
    /// steps become new nodes; the last one takes over the node, so its name and outputs stay. No steps: an Identity.
    /// </summary>
    public static void Replace(Node node, IReadOnlyList<ChainStep> steps)
    {
        var graph = node.Graph;
        string current = node.Inputs[0];
        for (int i = 0; i < steps.Count - 1; i++)
        {
            string op = steps[i].OpType;
            current = graph.AddNode(op, [current, .. steps[i].ExtraInputs], [graph.UniqueName($"{node.Outputs[0]}_{op.ToLowerInvariant()}")],
                graph.UniqueName($"{node.DisplayName}_{op.ToLowerInvariant()}"), steps[i].Attributes).Outputs[0];
        }
        var last = steps.Count > 0 ? steps[^1] : new ChainStep("Identity", []);
        node.OpType = last.OpType;
        node.Attributes.Clear();
        node.Attributes.AddRange(last.Attributes);
        graph.SetInputs(node, [current, .. last.ExtraInputs]);
    }
}
