using Ptq.Graph;
using Ptq.Onnx;

namespace Ptq.Passes.OpsetUpgrade.Adapters;

/// <summary>
/// What Upsample (7–9) and Resize-10 mean in Resize-11+ terms: coordinates are mapped asymmetrically (x_in = x_out / scale)
/// and nearest picks floor when enlarging. ONNX Runtime, the reference the models were made against, picks ceil when
/// shrinking an axis, so an axis set that both shrinks and enlarges has no single <c>nearest_mode</c>.
/// </summary>
internal static class ResizeModes
{
    /// <summary>The Resize-11 mode for a legacy mode, or null when it has none.</summary>
    public static string? Mode(string legacy) => legacy switch
    {
        "nearest" => "nearest",
        "linear" or "bilinear" => "linear",
        _ => null,
    };

    /// <summary>The nearest_mode reproducing legacy rounding for <paramref name="scales"/> (null scales: not constant), or a reason it cannot.</summary>
    public static (string? NearestMode, string? Reason) NearestMode(float[]? scales)
    {
        if (scales is null)
            return (null, "its scales are not constant, and legacy nearest rounding (floor when enlarging, ceil when shrinking) depends on them");
        bool shrinks = scales.Any(s => s < 1f), enlarges = scales.Any(s => s > 1f);
        if (shrinks && enlarges)
            return (null, $"scales [{string.Join(", ", scales)}] both shrink and enlarge, and legacy nearest rounding differs per direction");
        return (shrinks ? "ceil" : "floor", null);
    }

    /// <summary>Constant float scales held in input <paramref name="index"/> of <paramref name="node"/>, or null.</summary>
    public static float[]? ConstantScales(Node node, int index) =>
        node.Inputs.Count > index && NodeEdits.ConstantValue(node.Graph, node.Inputs[index]) is { } tensor ? TensorData.ToFloats(tensor) : null;

    /// <summary>Turns <paramref name="node"/> into Resize(X, roi="", scales) with the legacy coordinate and rounding modes.</summary>
    public static void ToResize(Node node, string scales, string mode, string? nearestMode)
    {
        node.OpType = "Resize";
        node.Graph.SetInputs(node, [node.Inputs[0], "", scales]);
        node.RemoveAttribute("scales");
        node.SetAttribute(Node.StringAttribute("mode", mode));
        node.SetAttribute(Node.StringAttribute("coordinate_transformation_mode", "asymmetric"));
        if (mode == "nearest")
            node.SetAttribute(Node.StringAttribute("nearest_mode", nearestMode!));
    }
}
