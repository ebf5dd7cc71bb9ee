using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Ptq.Onnx.Proto;
using DT = Ptq.Onnx.Proto.TensorProto.Types.DataType;

namespace Ptq.Onnx;

/// <summary>
/// Typed access to tensor contents whatever their encoding: <c>raw_data</c> (little-endian), the typed repeated
/// fields (<c>float_data</c>, <c>int32_data</c> for 8/16-bit and float16 types, <c>int64_data</c>, …) or external data.
/// </summary>
internal static class TensorData
{
    /// <summary>
    /// Most elements a tensor may have: its bit count (up to 128 bits an element) must fit in a 64-bit integer, so
    /// byte counts computed from it never overflow.
    /// </summary>
    public const long MaxElementCount = long.MaxValue / 128;

    /// <summary>
    /// Product of the dims (1 for a scalar). Throws <see cref="TensorDataException"/> on a negative dim or a product
    /// above <see cref="MaxElementCount"/>.
    /// </summary>
    public static long ElementCount(TensorProto tensor)
    {
        long count = 1;
        foreach (long dim in tensor.Dims)
        {
            if (dim < 0)
                throw new TensorDataException($"tensor '{tensor.Name}' has negative dim {dim} in {FormatDims(tensor)}");
            if (dim != 0 && count > MaxElementCount / dim)
                throw new TensorDataException($"tensor '{tensor.Name}' dims {FormatDims(tensor)} describe more than {MaxElementCount} elements, more than any tensor can hold");
            count *= dim;
        }
        return count;
    }

    /// <summary>
    /// <see cref="ElementCount"/> for reading values into one .NET array; throws <see cref="TensorDataException"/>
    /// naming the tensor when there are more elements than an array holds.
    /// </summary>
    public static int ElementCountForArray(TensorProto tensor)
    {
        long count = ElementCount(tensor);
        if (count > Array.MaxLength)
            throw new TensorDataException($"tensor '{tensor.Name}' has {count} elements (dims {FormatDims(tensor)}); at most {Array.MaxLength} can be read into memory at once");
        return (int)count;
    }

    /// <summary>Dims as "[a,b,c]" for messages.</summary>
    public static string FormatDims(TensorProto tensor) => "[" + string.Join(",", tensor.Dims) + "]";

    /// <summary>
    /// Checks that the stored contents match dims and type (byte count of raw data, element count of typed fields).
    /// External tensors are checked by <see cref="ExternalDataReader.Locate"/>. Throws <see cref="TensorDataException"/>
    /// or <see cref="UnsupportedDataTypeException"/> naming the tensor.
    /// </summary>
    public static void Validate(TensorProto tensor)
    {
        int bits = OnnxDataType.ElementBits(tensor.DataType, tensor.Name);
        long count = ElementCount(tensor);
        if (ExternalDataInfo.IsExternal(tensor))
        {
            ExternalDataInfo.Parse(tensor);
            return;
        }
        if (tensor.DataType == (int)DT.String)
        {
            if (tensor.StringData.Count != count)
                throw new TensorDataException($"tensor '{tensor.Name}' has {tensor.StringData.Count} strings but dims {FormatDims(tensor)} need {count}");
            return;
        }
        long stored, expected;
        string unit;
        if (!tensor.RawData.IsEmpty || TypedCount(tensor) == 0)
        {
            stored = tensor.RawData.Length;
            expected = (count * bits + 7) / 8; // cannot overflow: count <= MaxElementCount
            unit = "bytes of raw data";
        }
        else
        {
            stored = TypedCount(tensor);
            expected = (DT)tensor.DataType switch
            {
                DT.Int4 or DT.Uint4 or DT.Float4E2M1 => (count + 1) / 2,
                DT.Complex64 or DT.Complex128 => count * 2,
                _ => count,
            };
            unit = "stored values";
        }
        if (stored != expected)
            throw new TensorDataException(
                $"tensor '{tensor.Name}' has {stored} {unit} but dims {FormatDims(tensor)} of {OnnxDataType.Name(tensor.DataType)} need {expected}");
    }

    /// <summary>
    /// The tensor's contents as packed little-endian bytes (the <c>raw_data</c> layout), read from whichever field
    /// holds them; <paramref name="external"/> is needed for EXTERNAL tensors. STRING tensors have no such layout.
    /// </summary>
    public static byte[] GetRawBytes(TensorProto tensor, ExternalDataReader? external = null)
    {
        if (ExternalDataInfo.IsExternal(tensor))
        {
            if (external is null)
                throw new ExternalDataException($"tensor '{tensor.Name}' stores its data externally but no model folder is known to read it from");
            return external.ReadBytes(tensor);
        }
        Validate(tensor);
        if (!tensor.RawData.IsEmpty)
            return tensor.RawData.ToByteArray();
        long byteCount = OnnxDataType.RawByteCount(tensor.DataType, ElementCount(tensor), tensor.Name);
        if (byteCount > Array.MaxLength)
            throw new TensorDataException($"tensor '{tensor.Name}' holds {byteCount} bytes; at most {Array.MaxLength} can be read into memory at once");
        var bytes = new byte[byteCount];
        switch ((DT)tensor.DataType)
        {
            case DT.Float or DT.Complex64:
                MemoryMarshal.AsBytes(CollectionsMarshal.AsSpan(tensor.FloatData.ToList())).CopyTo(bytes);
                break;
            case DT.Double or DT.Complex128:
                MemoryMarshal.AsBytes(CollectionsMarshal.AsSpan(tensor.DoubleData.ToList())).CopyTo(bytes);
                break;
            case DT.Int64:
                MemoryMarshal.AsBytes(CollectionsMarshal.AsSpan(tensor.Int64Data.ToList())).CopyTo(bytes);
                break;
            case DT.Uint64:
                MemoryMarshal.AsBytes(CollectionsMarshal.AsSpan(tensor.Uint64Data.ToList())).CopyTo(bytes);
                break;
            case DT.Uint32:
                for (int i = 0; i < tensor.Uint64Data.Count; i++)
                    BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(i * 4), (uint)tensor.Uint64Data[i]);
                break;
            case DT.Int32:
                MemoryMarshal.AsBytes(CollectionsMarshal.AsSpan(tensor.Int32Data.ToList())).CopyTo(bytes);
                break;
            case DT.Int16 or DT.Uint16 or DT.Float16 or DT.Bfloat16:
                for (int i = 0; i < tensor.Int32Data.Count; i++)
                    BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(i * 2), (ushort)tensor.Int32Data[i]);
                break;
            default:
                // 8-bit types hold one value per int32; 4-bit types hold one packed byte (two values) per int32.
                for (int i = 0; i < tensor.Int32Data.Count; i++)
                    bytes[i] = (byte)tensor.Int32Data[i];
                break;
        }
        return bytes;
    }

    /// <summary>
    /// <paramref name="count"/> values of a FLOAT tensor from flat index <paramref name="start"/>, read straight from the
    /// raw or external bytes into the returned array (no intermediate byte copy).
    /// </summary>
    public static float[] ReadFloatRows(TensorProto tensor, long start, int count, ExternalDataReader? external = null)
    {
        var result = new float[count];
        ReadFloatRows(tensor, start, result, external);
        return result;
    }

    /// <summary>As <see cref="ReadFloatRows(TensorProto, long, int, ExternalDataReader?)"/>, into <paramref name="destination"/> (its length is the count).</summary>
    public static void ReadFloatRows(TensorProto tensor, long start, Span<float> destination, ExternalDataReader? external = null)
    {
        if (tensor.DataType != (int)DT.Float)
            throw new TensorDataException($"tensor '{tensor.Name}' is {OnnxDataType.Name(tensor.DataType)}, not FLOAT");
        var bytes = MemoryMarshal.AsBytes(destination);
        if (ExternalDataInfo.IsExternal(tensor))
        {
            if (external is null)
                throw new ExternalDataException($"tensor '{tensor.Name}' stores its data externally but no model folder is known to read it from");
            external.ReadBytes(tensor, start * sizeof(float), bytes);
            return;
        }
        Validate(tensor);
        if (!tensor.RawData.IsEmpty)
            tensor.RawData.Span.Slice(checked((int)(start * sizeof(float))), bytes.Length).CopyTo(bytes);
        else
            for (int i = 0; i < destination.Length; i++)
                destination[i] = tensor.FloatData[checked((int)(start + i))];
    }

    /// <summary>
    /// The transpose ([C, R]) of a 2-D FLOAT tensor [R, C], read in slices of rows so that only the transposed array is
    /// held whole: a weight of the size of the largest layer costs its own size, not two or three copies of it.
    /// </summary>
    public static float[] ToFloatsTransposed(TensorProto tensor, ExternalDataReader? external = null)
    {
        if (tensor.Dims.Count != 2)
            throw new TensorDataException($"tensor '{tensor.Name}' has dims {FormatDims(tensor)}; a transpose needs two");
        long rows = tensor.Dims[0], cols = tensor.Dims[1];
        var transposed = new float[ElementCountForArray(tensor)];
        long sliceRows = Math.Max(1, (1L << 20) / Math.Max(1, cols));
        // One slice buffer for all slices: a fresh array per slice would leave the weight's size again in garbage.
        var slice = new float[checked((int)(Math.Min(sliceRows, rows) * cols))];
        for (long r0 = 0; r0 < rows; r0 += sliceRows)
        {
            long n = Math.Min(sliceRows, rows - r0);
            ReadFloatRows(tensor, r0 * cols, slice.AsSpan(0, checked((int)(n * cols))), external);
            for (long r = 0; r < n; r++)
                for (long c = 0; c < cols; c++)
                    transposed[c * rows + r0 + r] = slice[r * cols + c];
        }
        return transposed;
    }

    /// <summary>
    /// The tensor's values converted to float32 (from float, double, float16, bfloat16 and the integer types;
    /// 4-bit values sign-extended for INT4). Throws <see cref="UnsupportedDataTypeException"/> for strings, complex and float8.
    /// </summary>
    public static float[] ToFloats(TensorProto tensor, ExternalDataReader? external = null)
    {
        if (tensor.DataType == (int)DT.Float && tensor.RawData.IsEmpty && !ExternalDataInfo.IsExternal(tensor) && tensor.FloatData.Count > 0)
        {
            Validate(tensor);
            return [.. tensor.FloatData];
        }
        if (tensor.DataType == (int)DT.Float)
            return ReadFloatRows(tensor, 0, ElementCountForArray(tensor), external);
        var raw = GetRawBytes(tensor, external);
        int count = ElementCountForArray(tensor);
        var result = new float[count];
        switch ((DT)tensor.DataType)
        {
            case DT.Float: MemoryMarshal.Cast<byte, float>(raw).CopyTo(result); break;
            case DT.Double: Convert(MemoryMarshal.Cast<byte, double>(raw), result, v => (float)v); break;
            case DT.Float16: Convert(MemoryMarshal.Cast<byte, Half>(raw), result, v => (float)v); break;
            case DT.Bfloat16: Convert(MemoryMarshal.Cast<byte, ushort>(raw), result, v => BitConverter.Int32BitsToSingle(v << 16)); break;
            case DT.Int8: Convert(MemoryMarshal.Cast<byte, sbyte>(raw), result, v => v); break;
            case DT.Uint8 or DT.Bool: Convert<byte>(raw, result, v => v); break;
            case DT.Int16: Convert(MemoryMarshal.Cast<byte, short>(raw), result, v => v); break;
            case DT.Uint16: Convert(MemoryMarshal.Cast<byte, ushort>(raw), result, v => v); break;
            case DT.Int32: Convert(MemoryMarshal.Cast<byte, int>(raw), result, v => v); break;
            case DT.Uint32: Convert(MemoryMarshal.Cast<byte, uint>(raw), result, v => v); break;
            case DT.Int64: Convert(MemoryMarshal.Cast<byte, long>(raw), result, v => v); break;
            case DT.Uint64: Convert(MemoryMarshal.Cast<byte, ulong>(raw), result, v => v); break;
            case DT.Int4 or DT.Uint4:
                bool signed = tensor.DataType == (int)DT.Int4;
                for (int i = 0; i < count; i++)
                {
                    int nibble = (raw[i >> 1] >> ((i & 1) * 4)) & 0xF;
                    result[i] = signed && nibble >= 8 ? nibble - 16 : nibble;
                }
                break;
            default:
                throw new UnsupportedDataTypeException(tensor.Name, tensor.DataType, "cannot be read as float values");
        }
        return result;
    }

    /// <summary>Integer contents as int64 (for shape, axes and index tensors). Float types are refused.</summary>
    public static long[] ToInt64s(TensorProto tensor, ExternalDataReader? external = null)
    {
        var raw = GetRawBytes(tensor, external);
        int count = ElementCountForArray(tensor);
        var result = new long[count];
        switch ((DT)tensor.DataType)
        {
            case DT.Int64: MemoryMarshal.Cast<byte, long>(raw).CopyTo(result); break;
            case DT.Int32: Convert(MemoryMarshal.Cast<byte, int>(raw), result, v => v); break;
            case DT.Int16: Convert(MemoryMarshal.Cast<byte, short>(raw), result, v => v); break;
            case DT.Int8: Convert(MemoryMarshal.Cast<byte, sbyte>(raw), result, v => v); break;
            case DT.Uint8 or DT.Bool: Convert<byte>(raw, result, v => v); break;
            case DT.Uint16: Convert(MemoryMarshal.Cast<byte, ushort>(raw), result, v => v); break;
            case DT.Uint32: Convert(MemoryMarshal.Cast<byte, uint>(raw), result, v => v); break;
            case DT.Uint64: Convert(MemoryMarshal.Cast<byte, ulong>(raw), result, v => (long)v); break;
            default: throw new UnsupportedDataTypeException(tensor.Name, tensor.DataType, "is not an integer type");
        }
        return result;
    }

    /// <summary>Creates a FLOAT tensor with <c>raw_data</c>.</summary>
    public static TensorProto FromFloats(string name, ReadOnlySpan<long> dims, ReadOnlySpan<float> values) =>
        FromRaw(name, DT.Float, dims, MemoryMarshal.AsBytes(values));

    /// <summary>Creates an INT64 tensor with <c>raw_data</c>.</summary>
    public static TensorProto FromInt64s(string name, ReadOnlySpan<long> dims, ReadOnlySpan<long> values) =>
        FromRaw(name, DT.Int64, dims, MemoryMarshal.AsBytes(values));

    /// <summary>Creates a tensor of any fixed-size type from packed little-endian bytes; checks the byte count.</summary>
    public static TensorProto FromRaw(string name, DT dataType, ReadOnlySpan<long> dims, ReadOnlySpan<byte> raw)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)dataType, RawData = ByteString.CopyFrom(raw) };
        foreach (long d in dims)
            tensor.Dims.Add(d);
        Validate(tensor);
        return tensor;
    }

    private static long TypedCount(TensorProto t) =>
        (long)t.FloatData.Count + t.Int32Data.Count + t.Int64Data.Count + t.DoubleData.Count + t.Uint64Data.Count + t.StringData.Count;

    private static void Convert<TIn>(ReadOnlySpan<TIn> source, Span<float> destination, Func<TIn, float> convert)
    {
        for (int i = 0; i < destination.Length; i++)
            destination[i] = convert(source[i]);
    }

    private static void Convert<TIn>(ReadOnlySpan<TIn> source, Span<long> destination, Func<TIn, long> convert)
    {
        for (int i = 0; i < destination.Length; i++)
            destination[i] = convert(source[i]);
    }
}
