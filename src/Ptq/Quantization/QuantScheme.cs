using Ptq.Onnx.Proto;

namespace Ptq.Quantization;

/// <summary>
/// A quantization target: bit width (2–16), mode, and range restrictions. Values are stored in the smallest ONNX integer
/// type that holds the bit width (INT4/UINT4 from opset 21, else INT8/UINT8, else INT16/UINT16); narrower widths such
/// as 6 bits use that storage type with the integer range restricted.
/// </summary>
/// <param name="Bits">Bit width, 2–16.</param>
/// <param name="Mode">Symmetric or asymmetric (signed/unsigned).</param>
/// <param name="NarrowRange">Symmetric only: drop the most negative code (int8 uses [-127, 127]) so the range is balanced.</param>
/// <param name="ReduceRange">Use one bit less than <paramref name="Bits"/> (avoids int16 accumulator overflow on CPUs without VNNI).</param>
public readonly record struct QuantScheme(int Bits, QuantMode Mode, bool NarrowRange = false, bool ReduceRange = false)
{
    /// <summary>Default activations: 8-bit asymmetric unsigned.</summary>
    public static QuantScheme ActivationDefault { get; } = new(8, QuantMode.AsymmetricUnsigned);

    /// <summary>Default weights: 8-bit signed symmetric with a narrow range ([-127, 127]).</summary>
    public static QuantScheme WeightDefault { get; } = new(8, QuantMode.Symmetric, NarrowRange: true);

    /// <summary>Bits actually used for codes (one less with <see cref="ReduceRange"/>).</summary>
    public int EffectiveBits => ReduceRange ? Bits - 1 : Bits;

    /// <summary>True when codes are signed.</summary>
    public bool IsSigned => Mode != QuantMode.AsymmetricUnsigned;

    /// <summary>Smallest integer code.</summary>
    public int QMin => Mode switch
    {
        QuantMode.AsymmetricUnsigned => 0,
        QuantMode.Symmetric when NarrowRange => -((1 << (EffectiveBits - 1)) - 1),
        _ => -(1 << (EffectiveBits - 1)),
    };

    /// <summary>Largest integer code.</summary>
    public int QMax => Mode == QuantMode.AsymmetricUnsigned ? (1 << EffectiveBits) - 1 : (1 << (EffectiveBits - 1)) - 1;

    /// <summary>
    /// The ONNX storage type for this scheme at <paramref name="opset"/>: 4-bit types need opset 21 (else 8-bit storage
    /// with a restricted range), 16-bit types need opset 21 for QuantizeLinear.
    /// </summary>
    public TensorProto.Types.DataType StorageType(long opset) => (Bits, IsSigned) switch
    {
        ( <= 4, true) when opset >= 21 => TensorProto.Types.DataType.Int4,
        ( <= 4, false) when opset >= 21 => TensorProto.Types.DataType.Uint4,
        ( <= 8, true) => TensorProto.Types.DataType.Int8,
        ( <= 8, false) => TensorProto.Types.DataType.Uint8,
        (_, true) => TensorProto.Types.DataType.Int16,
        _ => TensorProto.Types.DataType.Uint16,
    };

    /// <summary>Throws <see cref="PtqException"/> naming <paramref name="what"/> when the bit width is outside 2–16.</summary>
    public QuantScheme Validate(string what)
    {
        if (Bits is < 2 or > 16)
            throw new PtqException($"{what}: {Bits} bits is not supported; use 2 to 16");
        if (ReduceRange && Bits < 3)
            throw new PtqException($"{what}: reduce-range needs at least 3 bits, got {Bits}");
        return this;
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Bits}-bit {Mode switch { QuantMode.Symmetric => "sym", QuantMode.AsymmetricUnsigned => "asym_u", _ => "asym_s" }}"
        + (NarrowRange ? " narrow" : "") + (ReduceRange ? " reduce-range" : "");
}
