using System.Runtime.InteropServices;
using Ptq.Onnx;
using Ptq.Onnx.Proto;

namespace Ptq.Runtime;

/// <summary>
/// A borrowed, read-only look at a dense tensor owned by someone else (ONNX Runtime's output buffer during
/// calibration): element type, shape and packed little-endian contents. Valid only for the call that receives it; copy
/// what must outlive it.
/// </summary>
internal readonly ref struct TensorView
{
    /// <summary>Wraps borrowed memory.</summary>
    public TensorView(int dataType, ReadOnlySpan<long> shape, ReadOnlySpan<byte> raw)
    {
        DataType = dataType;
        Shape = shape;
        Raw = raw;
    }

    /// <summary>ONNX element type (a <see cref="TensorProto.Types.DataType"/> value).</summary>
    public int DataType { get; }

    /// <summary>Dimensions.</summary>
    public ReadOnlySpan<long> Shape { get; }

    /// <summary>Packed little-endian contents.</summary>
    public ReadOnlySpan<byte> Raw { get; }

    /// <summary>The contents as float32; throws <see cref="UnsupportedDataTypeException"/> unless the tensor is FLOAT.</summary>
    public ReadOnlySpan<float> AsFloatSpan() =>
        DataType == (int)TensorProto.Types.DataType.Float
            ? MemoryMarshal.Cast<byte, float>(Raw)
            : throw new UnsupportedDataTypeException("(tensor view)", DataType, "is not FLOAT");
}

/// <summary>Receives one borrowed tensor; see <see cref="TensorView"/> for how long it stays valid.</summary>
/// <param name="name">Tensor name.</param>
/// <param name="value">The borrowed contents.</param>
internal delegate void TensorViewAction(string name, TensorView value);
