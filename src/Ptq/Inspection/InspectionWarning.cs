namespace Ptq.Inspection;

/// <summary>Something about a model the user should know before quantizing it.</summary>
/// <param name="Kind">What kind of finding this is, for machines.</param>
/// <param name="Message">A sentence for people, naming the graph, nodes or values concerned and what Ptq will do.</param>
internal sealed record InspectionWarning(InspectionWarningKind Kind, string Message);

/// <summary>Kinds of <see cref="InspectionWarning"/>.</summary>
internal enum InspectionWarningKind
{
    /// <summary>Nodes are not in topological order in some graph (Ptq sorts them).</summary>
    NotTopologicallySorted,

    /// <summary>Nodes use an operator domain other than the standard ONNX ones; Ptq leaves them in float.</summary>
    CustomDomain,

    /// <summary>The default-domain opset is below 13, which per-channel quantization needs; Ptq upgrades it.</summary>
    OldOpset,

    /// <summary>The default-domain opset is below 13 and nodes block the upgrade: quantize refuses the model (fp16 storage keeps the opset).</summary>
    UpgradeBlocked,

    /// <summary>Declared shapes (value infos, graph outputs) contradict the graph; Ptq corrects them.</summary>
    StaleShapes,

    /// <summary>Weights are stored in Constant nodes; Ptq promotes them to initializers.</summary>
    ConstantWeights,

    /// <summary>Some tensors keep their data in external files.</summary>
    ExternalData,
}
