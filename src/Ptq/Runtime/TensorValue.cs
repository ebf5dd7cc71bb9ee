using System.Runtime.InteropServices;
using Ptq.Onnx;
using Ptq.Onnx.Proto;
using DT = Ptq.Onnx.Proto.TensorProto.Types.DataType;

namespace Ptq.Runtime;

/// <summary>
/// A dense tensor passed to or returned by <see cref="OrtRunner"/>: ONNX element type, shape, and contents as packed
/// little-endian bytes (or strings for STRING tensors). Immutable by convention; the arrays are not copied.
/// </summary>
internal sealed class TensorValue
{
    /// <summary>Wraps raw bytes of a fixed-size element type.</summary>
    public TensorValue(int dataType, long[] shape, byte[] raw)
    {
        DataType = dataType;
        Shape = shape;
        Raw = raw;
    }

    /// <summary>Wraps a STRING tensor.</summary>
    public TensorValue(long[] shape, string[] strings)
    {
        DataType = (int)DT.String;
        Shape = shape;
        Strings = strings;
    }

    /// <summary>ONNX element type (a <see cref="DT"/> value).</summary>
    public int DataType { get; }

    /// <summary>Dimensions.</summary>
    public long[] Shape { get; }

    /// <summary>Packed little-endian contents; null for STRING tensors.</summary>
    public byte[]? Raw { get; }

    /// <summary>Contents of a STRING tensor; null otherwise.</summary>
    public string[]? Strings { get; }

    /// <summary>Number of elements.</summary>
    public long ElementCount => Shape.Aggregate(1L, (a, d) => a * d);

    /// <summary>A FLOAT tensor over a copy of <paramref name="values"/>.</summary>
    public static TensorValue FromFloats(long[] shape, ReadOnlySpan<float> values) =>
        new((int)DT.Float, shape, MemoryMarshal.AsBytes(values).ToArray());

    /// <summary>An INT64 tensor over a copy of <paramref name="values"/>.</summary>
    public static TensorValue FromInt64s(long[] shape, ReadOnlySpan<long> values) =>
        new((int)DT.Int64, shape, MemoryMarshal.AsBytes(values).ToArray());

    /// <summary>The contents of a tensor message (inline or external through <paramref name="external"/>).</summary>
    public static TensorValue FromProto(TensorProto tensor, ExternalDataReader? external = null)
    {
        long[] shape = [.. tensor.Dims];
        if (tensor.DataType == (int)DT.String)
            return new TensorValue(shape, [.. tensor.StringData.Select(s => s.ToStringUtf8())]);
        return new TensorValue(tensor.DataType, shape, TensorData.GetRawBytes(tensor, external));
    }

    /// <summary>The values as float32 (FLOAT only; other types are converted through <see cref="TensorData.ToFloats"/>).</summary>
    public float[] ToFloats()
    {
        if (DataType == (int)DT.Float)
            return MemoryMarshal.Cast<byte, float>(Raw).ToArray();
        var proto = new TensorProto { DataType = DataType, RawData = Google.Protobuf.ByteString.CopyFrom(Raw) };
        proto.Dims.AddRange(Shape);
        return TensorData.ToFloats(proto);
    }

    /// <summary>Read-only float view of a FLOAT tensor without copying.</summary>
    public ReadOnlySpan<float> AsFloatSpan() =>
        DataType == (int)DT.Float
            ? MemoryMarshal.Cast<byte, float>(Raw)
            : throw new UnsupportedDataTypeException("(tensor value)", DataType, "is not FLOAT");
}
