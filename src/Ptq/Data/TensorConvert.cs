using System.Buffers.Binary;

namespace Ptq.Data;

/// <summary>Conversions between typed element arrays, floats and little-endian bytes.</summary>
internal static class TensorConvert
{
    public static float[] ToFloat(Array data) => data switch
    {
        float[] f => f,
        Half[] h => Array.ConvertAll(h, v => (float)v),
        double[] d => Array.ConvertAll(d, v => (float)v),
        long[] l => Array.ConvertAll(l, v => (float)v),
        int[] i => Array.ConvertAll(i, v => (float)v),
        byte[] b => Array.ConvertAll(b, v => (float)v),
        sbyte[] s => Array.ConvertAll(s, v => (float)v),
        bool[] z => Array.ConvertAll(z, v => v ? 1f : 0f),
        _ => throw new ArgumentException($"Unsupported tensor array {data.GetType().Name}.", nameof(data)),
    };

    public static Array FromFloat(float[] v, InputElementType type) => type switch
    {
        InputElementType.Float32 => v,
        InputElementType.Float16 => Array.ConvertAll(v, x => (Half)x),
        InputElementType.Float64 => Array.ConvertAll(v, x => (double)x),
        InputElementType.Int64 => Array.ConvertAll(v, x => (long)Saturate(x, long.MinValue, long.MaxValue)),
        InputElementType.Int32 => Array.ConvertAll(v, x => (int)Saturate(x, int.MinValue, int.MaxValue)),
        InputElementType.UInt8 => Array.ConvertAll(v, x => (byte)Saturate(x, 0, 255)),
        InputElementType.Int8 => Array.ConvertAll(v, x => (sbyte)Saturate(x, -128, 127)),
        InputElementType.Bool => Array.ConvertAll(v, x => x != 0f),
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    // Rounds half to even like numpy's rint and clamps so that out-of-range pixels do not wrap around.
    private static double Saturate(float x, double lo, double hi)
    {
        if (float.IsNaN(x)) return 0;
        double r = Math.Round((double)x, MidpointRounding.ToEven);
        return r < lo ? lo : r > hi ? hi : r;
    }

    /// <summary>Decodes <paramref name="count"/> little-endian elements of <paramref name="type"/>.</summary>
    public static Array FromLittleEndian(ReadOnlySpan<byte> bytes, InputElementType type, int count)
    {
        switch (type)
        {
            case InputElementType.Float32:
                { var a = new float[count]; for (int i = 0; i < count; i++) a[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(i * 4)..]); return a; }
            case InputElementType.Float16:
                { var a = new Half[count]; for (int i = 0; i < count; i++) a[i] = BinaryPrimitives.ReadHalfLittleEndian(bytes[(i * 2)..]); return a; }
            case InputElementType.Float64:
                { var a = new double[count]; for (int i = 0; i < count; i++) a[i] = BinaryPrimitives.ReadDoubleLittleEndian(bytes[(i * 8)..]); return a; }
            case InputElementType.Int64:
                { var a = new long[count]; for (int i = 0; i < count; i++) a[i] = BinaryPrimitives.ReadInt64LittleEndian(bytes[(i * 8)..]); return a; }
            case InputElementType.Int32:
                { var a = new int[count]; for (int i = 0; i < count; i++) a[i] = BinaryPrimitives.ReadInt32LittleEndian(bytes[(i * 4)..]); return a; }
            case InputElementType.UInt8:
                return bytes[..count].ToArray();
            case InputElementType.Int8:
                { var a = new sbyte[count]; for (int i = 0; i < count; i++) a[i] = (sbyte)bytes[i]; return a; }
            case InputElementType.Bool:
                { var a = new bool[count]; for (int i = 0; i < count; i++) a[i] = bytes[i] != 0; return a; }
            default:
                throw new ArgumentOutOfRangeException(nameof(type), type, null);
        }
    }

    /// <summary>
    /// Converts file data to the model's element type. Exact conversions only: any numeric type to a float type,
    /// integer to integer when every value fits, bool to bool. Returns null when the conversion is not allowed or a value does not fit.
    /// </summary>
    public static Array? TryConvert(Array data, InputElementType from, InputElementType to)
    {
        if (from == to) return data;
        if (to.IsFloatingPoint())
        {
            if (from == InputElementType.Bool) return null;
            if (to == InputElementType.Float32) return ToFloat(data);
            double[] d = ToDouble(data);
            return to == InputElementType.Float64 ? d : Array.ConvertAll(d, x => (Half)x);
        }
        if (from.IsFloatingPoint() || from == InputElementType.Bool || to == InputElementType.Bool) return null;
        long[] l = data switch
        {
            long[] x => x,
            int[] x => Array.ConvertAll(x, v => (long)v),
            byte[] x => Array.ConvertAll(x, v => (long)v),
            sbyte[] x => Array.ConvertAll(x, v => (long)v),
            _ => throw new ArgumentException($"Unexpected array {data.GetType().Name}.", nameof(data)),
        };
        (long lo, long hi) = to switch
        {
            InputElementType.Int64 => (long.MinValue, long.MaxValue),
            InputElementType.Int32 => (int.MinValue, int.MaxValue),
            InputElementType.UInt8 => (0, 255),
            _ => (-128, 127),
        };
        foreach (long v in l) if (v < lo || v > hi) return null;
        return to switch
        {
            InputElementType.Int64 => l,
            InputElementType.Int32 => Array.ConvertAll(l, v => (int)v),
            InputElementType.UInt8 => Array.ConvertAll(l, v => (byte)v),
            _ => Array.ConvertAll(l, v => (sbyte)v),
        };
    }

    private static double[] ToDouble(Array data) => data switch
    {
        double[] d => d,
        float[] f => Array.ConvertAll(f, v => (double)v),
        Half[] h => Array.ConvertAll(h, v => (double)v),
        long[] l => Array.ConvertAll(l, v => (double)v),
        int[] i => Array.ConvertAll(i, v => (double)v),
        byte[] b => Array.ConvertAll(b, v => (double)v),
        sbyte[] s => Array.ConvertAll(s, v => (double)v),
        _ => throw new ArgumentException($"Unexpected array {data.GetType().Name}.", nameof(data)),
    };
}
