namespace Ptq.Inspection;

/// <summary>A graph input or output: name, element type and shape.</summary>
/// <param name="Name">Value name.</param>
/// <param name="ElementType">ONNX element type (FLOAT, INT64, …), or a description for non-tensor types (e.g. "sequence").</param>
/// <param name="Shape">
/// One entry per dimension: the size ("224"), the symbolic name ("batch") or "?" for an unnamed dynamic dimension.
/// Null when the rank is unknown.
/// </param>
internal sealed record ValueReport(string Name, string ElementType, IReadOnlyList<string>? Shape)
{
    /// <summary>The shape as text: "[1,3,224,224]", "[N,3,?,?]", or "?" when the rank is unknown.</summary>
    public string ShapeText => Shape is null ? "?" : "[" + string.Join(",", Shape) + "]";
}
