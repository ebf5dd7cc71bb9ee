using Ptq.Graph;
using Ptq.Onnx;
using Ptq.Onnx.Proto;
using Ptq.Passes.OpsetUpgrade;
using Ptq.Passes.Shapes;

namespace Ptq.Passes;

/// <summary>
/// Raises a model's default-domain opset (from 1–12, as far as each op's adapter accepts) to a target between
/// <see cref="MinTargetOpset"/> and <see cref="MaxTargetOpset"/>, converting each node whose definition changed on the
/// way (Softmax axis semantics, attributes that became inputs, Upsample → Resize, …) and rewriting the experimental ops
/// removed at opset 10 (ImageScaler, Crop, Affine, Scale, ScaledTanh, ParametricSoftplus, GivenTensorFill,
/// ConstantFill, DynamicSlice, MeanVarianceNormalization-1) as the standard ops they compose. Ranks and dims the
/// adapters need come from static shape inference, and declared shapes that contradict it are corrected. Custom
/// domains are left alone. Either every node converts or nothing does: a blocked model throws <see cref="OpsetUpgradeException"/>.
/// </summary>
internal static class OpsetUpgrader
{
    /// <summary>The lowest target: QuantizeLinear with per-channel axis needs 13.</summary>
    public const int MinTargetOpset = 13;

    /// <summary>The highest target whose changes the adapter table was checked against.</summary>
    public const int MaxTargetOpset = 21;

    /// <summary>The experimental ops (removed from ONNX at opset 10) that <see cref="Upgrade(OnnxModel, int)"/> rewrites as standard ops.</summary>
    public static IReadOnlySet<string> ExperimentalOps { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "ImageScaler", "Crop", "Affine", "Scale", "ScaledTanh", "ParametricSoftplus", "GivenTensorFill", "ConstantFill", "DynamicSlice",
    };

    /// <summary>
    /// Returns a new model (the input is not modified; external data is shared through the same folder) whose default
    /// domain is at <paramref name="targetOpset"/> and whose IR version is at least the one that opset needs. IR &lt; 4
    /// models lose the graph-input entries that merely list initializers. A model already at or above the target is
    /// returned as an unchanged copy. Throws <see cref="OpsetUpgradeException"/> naming the first blocking node (see
    /// <see cref="CheckSupported"/> for all of them) and <see cref="ArgumentOutOfRangeException"/> for a target outside
    /// [<see cref="MinTargetOpset"/>, <see cref="MaxTargetOpset"/>].
    /// </summary>
    public static OnnxModel Upgrade(OnnxModel model, int targetOpset = MinTargetOpset) => Upgrade(model, targetOpset, out _);

    /// <summary><see cref="Upgrade(OnnxModel, int)"/>, also saying which stale declared shapes it corrected.</summary>
    internal static OnnxModel Upgrade(OnnxModel model, int targetOpset, out IReadOnlyList<StaleShape> correctedShapes)
    {
        ArgumentNullException.ThrowIfNull(model);
        correctedShapes = [];
        CheckTarget(targetOpset);
        var proto = model.Proto.Clone();
        var copy = model.Derive(proto);
        long from = model.DefaultOpset;
        if (from >= targetOpset)
            return copy;
        var graph = OnnxGraph.FromModel(copy, promoteConstants: false);
        var step = new UpgradeStep(from, targetOpset, ShapeInference.Infer(graph, from, copy.External));
        var blockers = Blockers(graph, step);
        if (blockers.Count > 0)
            throw new OpsetUpgradeException(blockers[0], from, targetOpset, blockers.Count - 1);
        // ORT folds the Shape ops some adapters add using the declared shapes, so stale ones must go first.
        correctedShapes = StaleShapes.Correct(graph, step.Shapes);

        foreach (var g in graph.Subgraphs().Prepend(graph).ToList())
            foreach (var node in g.Nodes.Where(n => n.IsStandard).ToList())
                AdapterTable.Find(node.OpType)!.Apply(node, step);
        // Before IR 4 every initializer had to be a graph input too; later IRs read such entries as overridable inputs.
        if (proto.IrVersion < 4)
            graph.Inputs.RemoveAll(i => graph.IsInitializer(i.Name));
        proto.Graph = graph.ToProto();
        SetDefaultOpset(proto, targetOpset);
        proto.IrVersion = Math.Max(proto.IrVersion, MinIrVersion(targetOpset));
        return copy;
    }

    /// <summary>
    /// Every node that would keep <see cref="Upgrade(OnnxModel, int)"/> from converting <paramref name="model"/> to
    /// <paramref name="targetOpset"/>, with the reason; empty when the upgrade will succeed.
    /// </summary>
    public static IReadOnlyList<UpgradeBlocker> CheckSupported(OnnxModel model, int targetOpset = MinTargetOpset)
    {
        ArgumentNullException.ThrowIfNull(model);
        CheckTarget(targetOpset);
        long from = model.DefaultOpset;
        if (from >= targetOpset)
            return [];
        var graph = OnnxGraph.FromModel(model, promoteConstants: false);
        return Blockers(graph, new UpgradeStep(from, targetOpset, ShapeInference.Infer(graph, from, model.External)));
    }

    private static List<UpgradeBlocker> Blockers(OnnxGraph graph, UpgradeStep step)
    {
        var blockers = new List<UpgradeBlocker>();
        foreach (var g in graph.Subgraphs().Prepend(graph))
        {
            foreach (var node in g.Nodes.Where(n => n.IsStandard))
            {
                string? reason = step.From == 0
                    ? "the model imports no opset for the default ONNX domain, so the node's version is unknown"
                    : AdapterTable.Find(node.OpType) is { } adapter
                        ? adapter.Check(node, step)
                        : $"Ptq has no opset adapter for {node.OpType}";
                if (reason is not null)
                    blockers.Add(new UpgradeBlocker(node.OpType, node.DisplayName, reason));
            }
        }
        return blockers;
    }

    private static void SetDefaultOpset(ModelProto proto, long version)
    {
        var imports = proto.OpsetImport.Where(o => o.Domain is "" or "ai.onnx").ToList();
        if (imports.Count == 0)
            proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = version });
        foreach (var import in imports)
            import.Version = version;
    }

    // The IR version each opset shipped with (ONNX versioning table): 13–14 → 7, 15–18 → 8, 19–20 → 9, 21 → 10.
    private static long MinIrVersion(int opset) => opset switch
    {
        <= 14 => 7,
        <= 18 => 8,
        <= 20 => 9,
        _ => 10,
    };

    private static void CheckTarget(int targetOpset)
    {
        if (targetOpset is < MinTargetOpset or > MaxTargetOpset)
            throw new ArgumentOutOfRangeException(nameof(targetOpset), targetOpset,
                $"target opset must be between {MinTargetOpset} and {MaxTargetOpset}");
    }
}
