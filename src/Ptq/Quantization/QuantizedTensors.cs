using System.Buffers.Binary;
using Ptq.Onnx;
using Ptq.Onnx.Proto;
using DT = Ptq.Onnx.Proto.TensorProto.Types.DataType;

namespace Ptq.Quantization;

/// <summary>Builds initializers holding integer codes, scales and zero points in a given ONNX storage type.</summary>
internal static class QuantizedTensors
{
    /// <summary>
    /// Packs <paramref name="codes"/> into a tensor of <paramref name="storage"/> (INT4/UINT4 two per byte, low nibble
    /// first; INT8/UINT8; INT16/UINT16; INT32). Throws <see cref="PtqException"/> when a code does not fit the type.
    /// </summary>
    public static TensorProto Create(string name, DT storage, ReadOnlySpan<long> dims, ReadOnlySpan<int> codes)
    {
        int bits = OnnxDataType.ElementBits((int)storage, name);
        var raw = new byte[(codes.Length * (long)bits + 7) / 8];
        var (min, max) = Range(storage);
        for (int i = 0; i < codes.Length; i++)
        {
            int code = codes[i];
            if (code < min || code > max)
                throw new PtqException($"tensor '{name}': code {code} at index {i} does not fit {OnnxDataType.Name((int)storage)} [{min}, {max}]");
            switch (bits)
            {
                case 4: raw[i >> 1] |= (byte)((code & 0xF) << ((i & 1) * 4)); break;
                case 8: raw[i] = (byte)code; break;
                case 16: BinaryPrimitives.WriteInt16LittleEndian(raw.AsSpan(i * 2), (short)code); break;
                case 32: BinaryPrimitives.WriteInt32LittleEndian(raw.AsSpan(i * 4), code); break;
                default: throw new UnsupportedDataTypeException(name, (int)storage, "is not an integer storage type for quantized values");
            }
        }
        return TensorData.FromRaw(name, storage, dims, raw);
    }

    /// <summary>Scale initializer: a scalar for per-tensor parameters, a 1-D tensor for per-channel ones.</summary>
    public static TensorProto Scales(string name, QuantParams parameters) =>
        TensorData.FromFloats(name, parameters.IsPerChannel ? [parameters.Scales.Length] : [], parameters.Scales);

    /// <summary>Zero-point initializer in <paramref name="storage"/>, the type of the codes it goes with.</summary>
    public static TensorProto ZeroPoints(string name, QuantParams parameters, DT storage) =>
        Create(name, storage, parameters.IsPerChannel ? [parameters.ZeroPoints.Length] : [], parameters.ZeroPoints);

    /// <summary>Smallest and largest value of an integer storage type.</summary>
    public static (int Min, int Max) Range(DT storage) => storage switch
    {
        DT.Int4 => (-8, 7),
        DT.Uint4 => (0, 15),
        DT.Int8 => (sbyte.MinValue, sbyte.MaxValue),
        DT.Uint8 => (0, byte.MaxValue),
        DT.Int16 => (short.MinValue, short.MaxValue),
        DT.Uint16 => (0, ushort.MaxValue),
        DT.Int32 => (int.MinValue, int.MaxValue),
        _ => throw new UnsupportedDataTypeException("(quantized tensor)", (int)storage, "is not an integer storage type"),
    };
}
