using Ptq.Onnx.Proto;

namespace Ptq.Onnx;

/// <summary>Facts about ONNX tensor element types (<see cref="TensorProto.Types.DataType"/>).</summary>
internal static class OnnxDataType
{
    /// <summary>True when <paramref name="dataType"/> is one of the element types the ONNX IR defines (1–24).</summary>
    public static bool IsKnown(int dataType) => dataType is > 0 and <= (int)TensorProto.Types.DataType.Float8E8M0;

    /// <summary>
    /// Bits one element occupies in <c>raw_data</c>: 4 for INT4/UINT4/FLOAT4E2M1 (two per byte, low nibble first),
    /// 0 for STRING (variable length). Throws <see cref="UnsupportedDataTypeException"/> for unknown types.
    /// </summary>
    public static int ElementBits(int dataType, string tensorName) => (TensorProto.Types.DataType)dataType switch
    {
        TensorProto.Types.DataType.Float or TensorProto.Types.DataType.Int32 or TensorProto.Types.DataType.Uint32 => 32,
        TensorProto.Types.DataType.Double or TensorProto.Types.DataType.Int64 or TensorProto.Types.DataType.Uint64
            or TensorProto.Types.DataType.Complex64 => 64,
        TensorProto.Types.DataType.Complex128 => 128,
        TensorProto.Types.DataType.Float16 or TensorProto.Types.DataType.Bfloat16 or TensorProto.Types.DataType.Int16
            or TensorProto.Types.DataType.Uint16 => 16,
        TensorProto.Types.DataType.Int8 or TensorProto.Types.DataType.Uint8 or TensorProto.Types.DataType.Bool
            or TensorProto.Types.DataType.Float8E4M3Fn or TensorProto.Types.DataType.Float8E4M3Fnuz
            or TensorProto.Types.DataType.Float8E5M2 or TensorProto.Types.DataType.Float8E5M2Fnuz
            or TensorProto.Types.DataType.Float8E8M0 => 8,
        TensorProto.Types.DataType.Int4 or TensorProto.Types.DataType.Uint4 or TensorProto.Types.DataType.Float4E2M1 => 4,
        TensorProto.Types.DataType.String => 0,
        _ => throw new UnsupportedDataTypeException(tensorName, dataType),
    };

    /// <summary>
    /// Bytes that <paramref name="elementCount"/> elements occupy in <c>raw_data</c> (4-bit types round up). Throws
    /// <see cref="TensorDataException"/> when the count is negative or above <see cref="TensorData.MaxElementCount"/>.
    /// </summary>
    public static long RawByteCount(int dataType, long elementCount, string tensorName)
    {
        int bits = ElementBits(dataType, tensorName);
        if (elementCount is < 0 or > TensorData.MaxElementCount)
            throw new TensorDataException($"tensor '{tensorName}' has {elementCount} elements, outside 0..{TensorData.MaxElementCount}");
        return (elementCount * bits + 7) / 8;
    }

    /// <summary>The ONNX spelling of a data type (FLOAT, INT8, …), or "type N" for unknown values.</summary>
    public static string Name(int dataType) =>
        IsKnown(dataType) ? ((TensorProto.Types.DataType)dataType).ToString().ToUpperInvariant() : $"type {dataType}";
}
