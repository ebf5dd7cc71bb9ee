namespace Ptq.Calibration;

/// <summary>The integer grid a range is estimated for.</summary>
internal readonly record struct QuantTarget
{
    /// <summary>Creates a target.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bits"/> is outside [2, 16].</exception>
    public QuantTarget(int bits, bool signed, bool symmetric)
    {
        if (bits is < 2 or > 16)
        {
            throw new ArgumentOutOfRangeException(nameof(bits), bits, "Range estimation supports 2 to 16 bits.");
        }
        Bits = bits;
        Signed = signed;
        Symmetric = symmetric;
    }

    /// <summary>Signed symmetric 8-bit (int8 weights / Distiller "sym").</summary>
    public static QuantTarget Int8Symmetric => new(8, true, true);

    /// <summary>Unsigned asymmetric 8-bit (uint8 activations / Distiller "asym_u").</summary>
    public static QuantTarget UInt8Asymmetric => new(8, false, false);

    /// <summary>Bit width in [2, 16].</summary>
    public int Bits { get; }

    /// <summary>True for a signed integer type.</summary>
    public bool Signed { get; }

    /// <summary>True when the zero point is fixed at 0 (range [−a, a] signed, [0, a] unsigned).</summary>
    public bool Symmetric { get; }

    /// <summary>Number of integer levels available for |x| (or for x ≥ 0 when unsigned): 2^(bits−1) signed, 2^bits unsigned.</summary>
    public int MagnitudeLevels => Signed ? 1 << (Bits - 1) : 1 << Bits;
}
