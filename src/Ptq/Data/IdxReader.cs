using System.Buffers.Binary;
using System.IO.Compression;

namespace Ptq.Data;

/// <summary>Images of an idx3 file: <see cref="Count"/> images of <see cref="Rows"/>×<see cref="Columns"/> uint8 pixels, row-major.</summary>
/// <param name="Count">Number of images.</param>
/// <param name="Rows">Image height.</param>
/// <param name="Columns">Image width.</param>
/// <param name="Pixels">All pixels, image after image.</param>
internal sealed record IdxImages(int Count, int Rows, int Columns, byte[] Pixels)
{
    /// <summary>Image <paramref name="index"/> as a [1,1,Rows,Columns] tensor of raw pixel values 0–255 in <paramref name="elementType"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="index"/> is outside 0..Count-1.</exception>
    public InputTensor ToTensor(int index, string inputName, InputElementType elementType = InputElementType.Float32)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        int size = Rows * Columns;
        var values = new float[size];
        for (int i = 0; i < size; i++) values[i] = Pixels[(index * size) + i];
        return InputTensor.FromFloats(inputName, elementType, [1, 1, Rows, Columns], values);
    }
}

/// <summary>Reads MNIST-style idx files (optionally gzip-compressed, detected by content): big-endian header, then uint8 data.</summary>
internal static class IdxReader
{
    /// <summary>Magic of an idx3 uint8 file (images).</summary>
    public const int ImagesMagic = 0x00000803;

    /// <summary>Magic of an idx1 uint8 file (labels).</summary>
    public const int LabelsMagic = 0x00000801;

    /// <summary>Reads an idx3 uint8 image file: magic 0x00000803, count, rows, columns (big-endian int32), then the pixels.</summary>
    /// <exception cref="DataSourceException">When the file is missing or unreadable.</exception>
    /// <exception cref="CorruptFileException">When the magic is wrong or the data is truncated; names the file.</exception>
    public static IdxImages ReadImages(string path)
    {
        byte[] bytes = ReadAll(path);
        int[] header = Header(bytes, path, ImagesMagic, 4);
        (int count, int rows, int cols) = (header[1], header[2], header[3]);
        // Three int32 factors can pass long's range: compare against what the file holds before multiplying by the count.
        long perImage = (long)Math.Max(rows, 0) * Math.Max(cols, 0);
        long needed = count >= 0 && perImage > 0 && count <= (bytes.Length - 16) / perImage ? 16 + (count * perImage) : long.MaxValue;
        if (count < 0 || rows <= 0 || cols <= 0 || bytes.Length < needed)
            throw new CorruptFileException(path, $"'{path}' is truncated or malformed: header says {count} images of {rows}x{cols} ({needed} bytes) but the file has {bytes.Length}.");
        return new IdxImages(count, rows, cols, bytes[16..(int)needed]);
    }

    /// <summary>Reads an idx1 uint8 label file: magic 0x00000801, count (big-endian int32), then one byte per label.</summary>
    /// <exception cref="DataSourceException">When the file is missing or unreadable.</exception>
    /// <exception cref="CorruptFileException">When the magic is wrong or the data is truncated; names the file.</exception>
    public static byte[] ReadLabels(string path)
    {
        byte[] bytes = ReadAll(path);
        int count = Header(bytes, path, LabelsMagic, 2)[1];
        if (count < 0 || bytes.Length < 8L + count)
            throw new CorruptFileException(path, $"'{path}' is truncated: header says {count} labels but the file has {bytes.Length - 8} data bytes.");
        return bytes[8..(8 + count)];
    }

    private static int[] Header(byte[] bytes, string path, int magic, int ints)
    {
        if (bytes.Length < ints * 4)
            throw new CorruptFileException(path, $"'{path}' is too short for an idx header.");
        var values = new int[ints];
        for (int i = 0; i < ints; i++) values[i] = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(i * 4));
        if (values[0] != magic)
            throw new CorruptFileException(path, $"'{path}' has idx magic 0x{values[0]:X8}; expected 0x{magic:X8} ({(magic == ImagesMagic ? "uint8 images, idx3" : "uint8 labels, idx1")}).");
        return values;
    }

    private static byte[] ReadAll(string path)
    {
        CorruptFileException.ThrowIfNotReadable(path);
        try
        {
            byte[] raw = File.ReadAllBytes(path);
            if (raw.Length < 2 || raw[0] != 0x1f || raw[1] != 0x8b) return raw;
            using var gz = new GZipStream(new MemoryStream(raw), CompressionMode.Decompress);
            using var output = new MemoryStream();
            gz.CopyTo(output);
            return output.ToArray();
        }
        catch (InvalidDataException e) { throw new CorruptFileException(path, $"'{path}' is not a valid gzip file: {e.Message}", e); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataSourceException($"Cannot read '{path}': {e.Message}", e);
        }
    }
}
