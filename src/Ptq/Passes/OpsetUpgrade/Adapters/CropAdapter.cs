using Ptq.Graph;

namespace Ptq.Passes.OpsetUpgrade.Adapters;

/// <summary>
/// The experimental Crop (removed at opset 10) cuts <c>border</c> = (left, top, right, bottom) off H and W of an
/// [N,C,H,W] input, or with <c>scale</c> = (height, width) keeps that many rows and columns from the top-left border:
/// a Slice on axes 2 and 3. A bottom/right border b ends the slice at −b, so no input size is needed.
/// </summary>
internal sealed class CropAdapter() : OpAdapter(1, "Crop")
{
    /// <inheritdoc/>
    protected override string? CheckNode(Node node, UpgradeStep step)
    {
        if (node.GetInts("border") is not { Length: 4 } border || border.Any(b => b < 0))
            return "Crop needs 'border' with four non-negative values (left, top, right, bottom)";
        if (node.GetInts("scale") is { } scale && (scale.Length != 2 || scale.Any(s => s < 0)))
            return $"Crop 'scale' must hold (height, width), got [{string.Join(", ", scale)}]";
        return step.Rank(node.Graph, node.Inputs[0]) is int rank && rank != 4 ? $"Crop takes an [N,C,H,W] input, and '{node.Inputs[0]}' has rank {rank}" : null;
    }

    /// <inheritdoc/>
    public override void Apply(Node node, UpgradeStep step)
    {
        long[] border = node.GetInts("border")!;
        long left = border[0], top = border[1], right = border[2], bottom = border[3];
        long[] ends = node.GetInts("scale") is [var height, var width]
            ? [top + height, left + width]
            : [bottom == 0 ? long.MaxValue : -bottom, right == 0 ? long.MaxValue : -right];
        OpChain.Replace(node, [new ChainStep("Slice",
        [
            NodeEdits.AddInt64s(node, "starts", [top, left]),
            NodeEdits.AddInt64s(node, "ends", ends),
            NodeEdits.AddInt64s(node, "axes", [2, 3]),
        ])]);
    }
}
