namespace Ptq.Inspection;

/// <summary>A nested graph: where it sits and what it holds.</summary>
/// <param name="Name">The graph's own name ("" when the file gives none).</param>
/// <param name="OwnerNode">Display name of the node holding it (node name, or op type and first output).</param>
/// <param name="OwnerOpType">Op type of that node (If, Loop, Scan…).</param>
/// <param name="Attribute">The attribute holding it (then_branch, else_branch, body…).</param>
/// <param name="Depth">1 for a subgraph of the main graph, 2 for one nested inside that, and so on.</param>
/// <param name="NodeCount">Nodes directly in this graph (not in graphs nested inside it).</param>
/// <param name="Operators">Node count per operator type directly in this graph, most frequent first.</param>
internal sealed record SubgraphReport(
    string Name,
    string OwnerNode,
    string OwnerOpType,
    string Attribute,
    int Depth,
    int NodeCount,
    IReadOnlyDictionary<string, int> Operators);
