using Ptq.Graph;
using Ptq.Onnx;
using Ptq.Onnx.Proto;
using DT = Ptq.Onnx.Proto.TensorProto.Types.DataType;

namespace Ptq.Data;

/// <summary>Maps a model's runtime inputs (ONNX value infos) onto the <see cref="ModelInputInfo"/> records data sources take.</summary>
internal static class ModelInputs
{
    /// <summary>
    /// The inputs a caller must feed (<see cref="OnnxGraph.RuntimeInputs"/>: graph inputs that are not initializers), in model order.
    /// </summary>
    /// <exception cref="UnsupportedDataTypeException">When an input is not a tensor of a type <see cref="InputElementType"/> covers.</exception>
    /// <exception cref="GraphException">When the graph is malformed (see <see cref="OnnxGraph.FromModel"/>).</exception>
    public static IReadOnlyList<ModelInputInfo> Of(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        // promoteConstants: false — we only read the inputs, and Constant nodes never shadow graph inputs.
        return [.. OnnxGraph.FromModel(model, promoteConstants: false).RuntimeInputs.Select(FromValueInfo)];
    }

    /// <summary>
    /// One input: element type from <c>type.tensor_type.elem_type</c>; each dimension is its <c>dim_value</c> when that is
    /// positive, else dynamic (<c>null</c>: a <c>dim_param</c>, an unset dimension, or a non-positive value). An input without
    /// a shape maps to rank 0.
    /// </summary>
    /// <exception cref="UnsupportedDataTypeException">When the value is not a tensor or its element type has no <see cref="InputElementType"/>.</exception>
    public static ModelInputInfo FromValueInfo(ValueInfoProto info)
    {
        ArgumentNullException.ThrowIfNull(info);
        if (info.Type?.TensorType is not { } tensor)
            throw new UnsupportedDataTypeException(info.Name, 0, $"is not a tensor input ({info.Type?.ValueCase}); Ptq feeds tensor inputs only");
        long?[] shape = tensor.Shape is null
            ? []
            : [.. tensor.Shape.Dim.Select(d => d.HasDimValue && d.DimValue > 0 ? d.DimValue : (long?)null)];
        return new ModelInputInfo(info.Name, ElementType(tensor.ElemType, info.Name), shape);
    }

    /// <summary>The <see cref="InputElementType"/> of ONNX element type <paramref name="dataType"/>.</summary>
    /// <exception cref="UnsupportedDataTypeException">For types data sources cannot produce (strings, bfloat16, 16-bit and 4-bit integers, …).</exception>
    public static InputElementType ElementType(int dataType, string inputName) => (DT)dataType switch
    {
        DT.Float => InputElementType.Float32,
        DT.Float16 => InputElementType.Float16,
        DT.Double => InputElementType.Float64,
        DT.Int64 => InputElementType.Int64,
        DT.Int32 => InputElementType.Int32,
        DT.Uint8 => InputElementType.UInt8,
        DT.Int8 => InputElementType.Int8,
        DT.Bool => InputElementType.Bool,
        _ => throw new UnsupportedDataTypeException(inputName, dataType,
            "data sources cannot produce (supported: float, float16, double, int64, int32, uint8, int8, bool)"),
    };

    /// <summary>The ONNX element type (a <see cref="DT"/> value) of <paramref name="type"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">For an undefined enum value.</exception>
    public static int OnnxDataType(this InputElementType type) => type switch
    {
        InputElementType.Float32 => (int)DT.Float,
        InputElementType.Float16 => (int)DT.Float16,
        InputElementType.Float64 => (int)DT.Double,
        InputElementType.Int64 => (int)DT.Int64,
        InputElementType.Int32 => (int)DT.Int32,
        InputElementType.UInt8 => (int)DT.Uint8,
        InputElementType.Int8 => (int)DT.Int8,
        InputElementType.Bool => (int)DT.Bool,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown element type."),
    };
}
