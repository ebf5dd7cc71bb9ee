namespace Ptq.Data;

/// <summary>
/// What a data source needs to know about one model input: its name, element type and shape.
/// The integrator maps ONNX value infos onto this record.
/// </summary>
/// <param name="Name">The graph input name.</param>
/// <param name="ElementType">The element type the model expects.</param>
/// <param name="Shape">One entry per dimension; <c>null</c> or a negative value marks a dynamic dimension.</param>
public sealed record ModelInputInfo(string Name, InputElementType ElementType, long?[] Shape)
{
    /// <summary>Rank of the input.</summary>
    public int Rank => Shape.Length;

    /// <summary>True when dimension <paramref name="axis"/> is dynamic (null or negative).</summary>
    public bool IsDynamic(int axis) => Shape[axis] is null or < 0;

    /// <summary>Shape as text, dynamic dimensions shown as <c>?</c>, e.g. <c>[?,3,224,224]</c>.</summary>
    public string ShapeText => "[" + string.Join(",", Shape.Select(d => d is null or < 0 ? "?" : d.Value.ToString())) + "]";
}
