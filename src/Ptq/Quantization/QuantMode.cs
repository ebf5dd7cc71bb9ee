namespace Ptq.Quantization;

/// <summary>How real values map to integers (Distiller's naming in brackets).</summary>
public enum QuantMode
{
    /// <summary>Signed, zero point 0, range [-max|x|, max|x|] (sym).</summary>
    Symmetric,
    /// <summary>Unsigned integers [0, 2^bits-1] with a zero point (asym_u).</summary>
    AsymmetricUnsigned,
    /// <summary>Signed integers [-2^(bits-1), 2^(bits-1)-1] with a zero point (asym_s).</summary>
    AsymmetricSigned,
}
