namespace Ptq.Inspection;

/// <summary>Stored tensors of one kind (initializers or Constant-node weights), split by element type.</summary>
/// <param name="ByDataType">One entry per element type present, most elements first.</param>
internal sealed record ParameterTotals(IReadOnlyList<DataTypeTotal> ByDataType)
{
    /// <summary>No tensors.</summary>
    public static ParameterTotals Empty { get; } = new([]);

    /// <summary>Number of tensors.</summary>
    public int Tensors => ByDataType.Sum(t => t.Tensors);

    /// <summary>Number of elements over all data types.</summary>
    public long Elements => ByDataType.Sum(t => t.Elements);

    /// <summary>Bytes over all data types (as stored: 4-bit types packed two per byte, strings by their length).</summary>
    public long Bytes => ByDataType.Sum(t => t.Bytes);
}

/// <summary>Tensors of one element type.</summary>
/// <param name="DataType">ONNX element type name (FLOAT, INT64, …).</param>
/// <param name="Tensors">Number of tensors.</param>
/// <param name="Elements">Number of elements.</param>
/// <param name="Bytes">Bytes their data occupies.</param>
internal sealed record DataTypeTotal(string DataType, int Tensors, long Elements, long Bytes);
