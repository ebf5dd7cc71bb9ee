namespace Ptq.Data;

/// <summary>Element type of a model input as far as calibration data is concerned.</summary>
public enum InputElementType
{
    /// <summary>32-bit IEEE float; the data array is <c>float[]</c>.</summary>
    Float32,
    /// <summary>16-bit IEEE float; the data array is <c>Half[]</c>.</summary>
    Float16,
    /// <summary>64-bit IEEE float; the data array is <c>double[]</c>.</summary>
    Float64,
    /// <summary>Signed 64-bit integer; the data array is <c>long[]</c>.</summary>
    Int64,
    /// <summary>Signed 32-bit integer; the data array is <c>int[]</c>.</summary>
    Int32,
    /// <summary>Unsigned 8-bit integer; the data array is <c>byte[]</c>.</summary>
    UInt8,
    /// <summary>Signed 8-bit integer; the data array is <c>sbyte[]</c>.</summary>
    Int8,
    /// <summary>Boolean; the data array is <c>bool[]</c>.</summary>
    Bool,
}

/// <summary>Facts about <see cref="InputElementType"/> values.</summary>
internal static class InputElementTypes
{
    /// <summary>Bytes one element occupies in a raw little-endian file.</summary>
    /// <exception cref="ArgumentOutOfRangeException">For an undefined enum value.</exception>
    public static int SizeInBytes(this InputElementType type) => type switch
    {
        InputElementType.Float32 => 4,
        InputElementType.Float16 => 2,
        InputElementType.Float64 => 8,
        InputElementType.Int64 => 8,
        InputElementType.Int32 => 4,
        InputElementType.UInt8 => 1,
        InputElementType.Int8 => 1,
        InputElementType.Bool => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown element type."),
    };

    /// <summary>The CLR element type of the array that holds data of this type (e.g. <c>float</c> for <see cref="InputElementType.Float32"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">For an undefined enum value.</exception>
    public static Type ClrType(this InputElementType type) => type switch
    {
        InputElementType.Float32 => typeof(float),
        InputElementType.Float16 => typeof(Half),
        InputElementType.Float64 => typeof(double),
        InputElementType.Int64 => typeof(long),
        InputElementType.Int32 => typeof(int),
        InputElementType.UInt8 => typeof(byte),
        InputElementType.Int8 => typeof(sbyte),
        InputElementType.Bool => typeof(bool),
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown element type."),
    };

    /// <summary>True for the floating-point types (float16, float32, float64).</summary>
    public static bool IsFloatingPoint(this InputElementType type) =>
        type is InputElementType.Float32 or InputElementType.Float16 or InputElementType.Float64;
}
