namespace Ptq.Inspection;

/// <summary>How many nodes of one operator type a model holds.</summary>
/// <param name="OpType">The op type; for domains other than the default ONNX one it is qualified as "domain:OpType".</param>
/// <param name="MainGraph">Nodes in the main graph.</param>
/// <param name="InSubgraphs">Nodes in nested graphs (If/Loop/Scan bodies).</param>
/// <param name="Quantizable">True when Ptq can quantize this operator (see <see cref="Quantization.QuantizableOps"/>).</param>
internal sealed record OpCount(string OpType, int MainGraph, int InSubgraphs, bool Quantizable)
{
    /// <summary>Nodes in all graphs.</summary>
    public int Total => MainGraph + InSubgraphs;
}

/// <summary>Node totals over the main graph and all subgraphs.</summary>
/// <param name="Total">Every node, Constant nodes included.</param>
/// <param name="Quantizable">Nodes whose operator Ptq can quantize.</param>
/// <param name="NotQuantizable">Nodes Ptq leaves in float, not counting weight-holding Constant nodes.</param>
/// <param name="ConstantWeights">Constant nodes holding a tensor, which are promoted to initializers before quantization.</param>
internal sealed record NodeTotals(int Total, int Quantizable, int NotQuantizable, int ConstantWeights);
