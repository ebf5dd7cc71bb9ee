using System.Buffers.Binary;
using System.Text;
using System.Text.RegularExpressions;

namespace Ptq.Data.Readers;

/// <summary>The parsed header of a NumPy .npy stream (format versions 1, 2 and 3).</summary>
/// <param name="ElementType">Element type from 'descr'.</param>
/// <param name="Shape">Dimensions from 'shape' (empty for a scalar).</param>
/// <param name="DataOffset">Byte offset of the first element from the start of the stream.</param>
internal sealed partial record NpyHeader(InputElementType ElementType, int[] Shape, int DataOffset)
{
    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    public long ElementCount => ShapeResolver.Product(Shape);

    /// <summary>Reads and parses the header, leaving <paramref name="stream"/> at the first data byte.</summary>
    /// <exception cref="CorruptFileException">For a bad magic, an unparsable header, an unsupported dtype, Fortran order or object arrays; names <paramref name="name"/>.</exception>
    public static NpyHeader Read(Stream stream, string name)
    {
        Span<byte> pre = stackalloc byte[10];
        if (ReadFully(stream, pre) < 10 || !pre[..6].SequenceEqual(Magic))
            throw new CorruptFileException(name, $"'{name}' is not a .npy array (missing the \\x93NUMPY magic).");
        byte major = pre[6];
        int headerLength, prefix;
        if (major == 1)
        {
            headerLength = BinaryPrimitives.ReadUInt16LittleEndian(pre[8..]);
            prefix = 10;
        }
        else if (major is 2 or 3)
        {
            Span<byte> extra = stackalloc byte[2];
            if (ReadFully(stream, extra) < 2) throw new CorruptFileException(name, $"'{name}': truncated .npy header.");
            headerLength = checked((int)BinaryPrimitives.ReadUInt32LittleEndian([pre[8], pre[9], extra[0], extra[1]]));
            prefix = 12;
        }
        else throw new CorruptFileException(name, $"'{name}': unsupported .npy format version {major}.{pre[7]} (1, 2 and 3 are supported).");

        // A v2/v3 header length is 32-bit: a few bytes could make Ptq allocate gigabytes before finding the file short.
        if (headerLength > ResourceLimits.MaxNpyHeaderBytes)
            throw new CorruptFileException(name, string.Create(System.Globalization.CultureInfo.InvariantCulture, $"'{name}': .npy header claims {headerLength:N0} bytes, over the limit of {ResourceLimits.MaxNpyHeaderBytes:N0} (numpy's own)."));
        var header = new byte[headerLength];
        if (ReadFully(stream, header) < headerLength) throw new CorruptFileException(name, $"'{name}': truncated .npy header.");
        // Version 3 allows UTF-8; versions 1 and 2 are latin-1, which is ASCII for every header numpy writes.
        string dict = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(header);
        return Parse(dict, name, prefix + headerLength);
    }

    /// <summary>Parses the Python dict literal, e.g. <c>{'descr': '&lt;f4', 'fortran_order': False, 'shape': (3, 224, 224), }</c>.</summary>
    internal static NpyHeader Parse(string dict, string name, int dataOffset)
    {
        Match descr = DescrRegex().Match(dict);
        if (!descr.Success)
            throw new CorruptFileException(name, $"'{name}': .npy header has no simple 'descr' (structured dtypes are not supported): {dict.Trim()}");
        Match fortran = FortranRegex().Match(dict);
        if (!fortran.Success) throw new CorruptFileException(name, $"'{name}': .npy header has no 'fortran_order': {dict.Trim()}");
        if (fortran.Groups[1].Value == "True")
            throw new CorruptFileException(name, $"'{name}' is stored in Fortran order; save it in C order (np.ascontiguousarray(a)) and try again.");
        Match shape = ShapeRegex().Match(dict);
        if (!shape.Success) throw new CorruptFileException(name, $"'{name}': .npy header has no 'shape': {dict.Trim()}");
        int[] dims;
        try
        {
            dims = shape.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(s => checked(int.Parse(s.TrimEnd('L'), System.Globalization.CultureInfo.InvariantCulture))).ToArray();
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            throw new CorruptFileException(name, $"'{name}': cannot parse .npy shape '({shape.Groups[1].Value})'.", e);
        }
        return new NpyHeader(ParseDescr(descr.Groups[1].Value, name), dims, dataOffset);
    }

    private static InputElementType ParseDescr(string descr, string name) => descr switch
    {
        "<f4" => InputElementType.Float32,
        "<f2" => InputElementType.Float16,
        "<f8" => InputElementType.Float64,
        "<i8" => InputElementType.Int64,
        "<i4" => InputElementType.Int32,
        "|u1" or "<u1" => InputElementType.UInt8,
        "|i1" or "<i1" => InputElementType.Int8,
        "|b1" => InputElementType.Bool,
        _ when descr.EndsWith('O') => throw new CorruptFileException(name,
            $"'{name}' holds Python objects (dtype '{descr}'); save a numeric array (e.g. a.astype(np.float32)) instead."),
        _ => throw new CorruptFileException(name,
            $"'{name}' has dtype '{descr}'; supported: <f4, <f2, <f8, <i8, <i4, |u1, |i1, |b1 (little-endian). Convert with a.astype(np.float32)."),
    };

    internal static int ReadFully(Stream stream, Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = stream.Read(buffer[total..]);
            if (n == 0) break;
            total += n;
        }
        return total;
    }

    [GeneratedRegex(@"['""]descr['""]\s*:\s*['""]([^'""]*)['""]")]
    private static partial Regex DescrRegex();

    [GeneratedRegex(@"['""]fortran_order['""]\s*:\s*(True|False)")]
    private static partial Regex FortranRegex();

    [GeneratedRegex(@"['""]shape['""]\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapeRegex();
}
