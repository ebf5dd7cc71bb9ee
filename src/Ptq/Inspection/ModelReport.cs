namespace Ptq.Inspection;

/// <summary>
/// What <see cref="ModelInspector.Inspect"/> found in a model: versions, signature, operators, parameters, subgraphs,
/// quantizability and warnings. Immutable; <see cref="ModelReportJson"/> writes it as stable JSON.
/// </summary>
/// <param name="Source">The model file, or "(in-memory model)".</param>
/// <param name="IrVersion">The ONNX IR version of the file.</param>
/// <param name="OpsetImports">Imported opset version by domain, sorted by domain; the default domain is spelled "ai.onnx".</param>
/// <param name="ProducerName">The exporter that wrote the model ("" when not recorded).</param>
/// <param name="ProducerVersion">The exporter's version ("" when not recorded).</param>
/// <param name="Inputs">Graph inputs a caller must feed (initializers listed as inputs by IR &lt; 4 files are left out).</param>
/// <param name="Outputs">Graph outputs.</param>
/// <param name="Operators">Node count per operator type over the main graph and all subgraphs, most frequent first.</param>
/// <param name="Nodes">Node totals: all, quantizable, not quantizable, and weight-holding Constant nodes.</param>
/// <param name="Initializers">Parameters stored as initializers (in every graph), by data type.</param>
/// <param name="ConstantWeights">Parameters stored in Constant nodes (in every graph), by data type.</param>
/// <param name="Subgraphs">Every nested graph (If branches, Loop/Scan bodies), depth-first.</param>
/// <param name="Warnings">Things the user should know before quantizing this model.</param>
internal sealed record ModelReport(
    string Source,
    long IrVersion,
    IReadOnlyDictionary<string, long> OpsetImports,
    string ProducerName,
    string ProducerVersion,
    IReadOnlyList<ValueReport> Inputs,
    IReadOnlyList<ValueReport> Outputs,
    IReadOnlyList<OpCount> Operators,
    NodeTotals Nodes,
    ParameterTotals Initializers,
    ParameterTotals ConstantWeights,
    IReadOnlyList<SubgraphReport> Subgraphs,
    IReadOnlyList<InspectionWarning> Warnings)
{
    /// <summary>The opset of the default ONNX domain; 0 when none is imported.</summary>
    public long DefaultOpset => OpsetImports.TryGetValue(ModelInspector.DefaultDomain, out long v) ? v : 0;

    /// <summary>All parameters (initializers plus Constant-node weights), elements of every data type.</summary>
    public long ParameterCount => Initializers.Elements + ConstantWeights.Elements;

    /// <summary>Bytes all parameters occupy (initializers plus Constant-node weights).</summary>
    public long ParameterBytes => Initializers.Bytes + ConstantWeights.Bytes;

    /// <summary>Number of nested graphs.</summary>
    public int SubgraphCount => Subgraphs.Count;

    /// <summary>The count of <paramref name="opType"/> nodes (domain-qualified as in <see cref="OpCount.OpType"/>) in all graphs; 0 when absent.</summary>
    public int CountOf(string opType) => Operators.FirstOrDefault(o => o.OpType == opType)?.Total ?? 0;
}
