using Ptq.Onnx.Proto;

namespace Ptq.Quantization;

/// <summary>
/// A quantization target: bit width (2–16), mode, and range restrictions. Codes are stored in an ONNX integer type at
/// least as wide as the bit width, with the integer range restricted to [<see cref="QMin"/>, <see cref="QMax"/>]:
/// weights (constants behind DequantizeLinear) in the smallest such type (<see cref="StorageType"/>: INT4/UINT4 from
/// opset 21), activations in INT8/UINT8 or INT16/UINT16 (<see cref="ActivationStorageType"/>), the types QuantizeLinear
/// writes and the QLinear* kernels read.
/// </summary>
/// <param name="Bits">Bit width, 2–16.</param>
/// <param name="Mode">Symmetric or asymmetric (signed/unsigned).</param>
/// <param name="NarrowRange">Symmetric only: drop the most negative code (int8 uses [-127, 127]) so the range is balanced.</param>
/// <param name="ReduceRange">Use one bit less than <paramref name="Bits"/> (avoids int16 accumulator overflow on CPUs without VNNI).</param>
internal readonly record struct QuantScheme(int Bits, QuantMode Mode, bool NarrowRange = false, bool ReduceRange = false)
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
    /// The ONNX type of constant codes behind a DequantizeLinear (weights) at <paramref name="opset"/>: INT4/UINT4 up
    /// to 4 bits from opset 21 (else 8-bit), INT8/UINT8 up to 8 bits, INT16/UINT16 above (opset 21).
    /// </summary>
    public TensorProto.Types.DataType StorageType(long opset) =>
        Bits <= 4 && opset >= 21 ? (IsSigned ? TensorProto.Types.DataType.Int4 : TensorProto.Types.DataType.Uint4) : ActivationStorageType;

    /// <summary>
    /// The ONNX type of activation codes (QuantizeLinear outputs, their zero points, and constants read in their place):
    /// INT8/UINT8 up to 8 bits, INT16/UINT16 above (opset 21). Never 4-bit: ONNX Runtime's QLinear* kernels, which
    /// its QDQ fusions create, take 8-bit codes only and refuse a model with 4-bit ones at load time.
    /// </summary>
    public TensorProto.Types.DataType ActivationStorageType => (Bits <= 8, IsSigned) switch
    {
        (true, true) => TensorProto.Types.DataType.Int8,
        (true, false) => TensorProto.Types.DataType.Uint8,
        (false, true) => TensorProto.Types.DataType.Int16,
        (false, false) => TensorProto.Types.DataType.Uint16,
    };

    /// <summary>
    /// True when <see cref="EffectiveBits"/> is fewer than the bits of <see cref="ActivationStorageType"/> (e.g. 4 bits in
    /// UINT8, or reduce-range): QuantizeLinear saturates only at the type's limits, so the codes it writes need an
    /// explicit clamp to [<see cref="QMin"/>, <see cref="QMax"/>]. Narrow range alone needs none: its one extra code is
    /// reached only by values more than half a step beyond the range.
    /// </summary>
    public bool NarrowerThanActivationStorage => EffectiveBits < (Bits <= 8 ? 8 : 16);

    /// <summary>True when weights of this scheme need opset 21 (4-bit and 16-bit DequantizeLinear).</summary>
    public bool WeightsNeedOpset21 => Bits <= 4 || Bits > 8;

    /// <summary>True when activations of this scheme need opset 21 (16-bit QuantizeLinear).</summary>
    public bool ActivationsNeedOpset21 => Bits > 8;

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
