using System.Buffers.Binary;
using System.Text;
using SkiaSharp;

namespace Ptq.Tests.Hostile;

/// <summary>Hostile files made in code: image headers declaring huge sizes, alias bombs, deep nesting.</summary>
internal static class CraftedFiles
{
    /// <summary>A small real PNG whose IHDR declares <paramref name="width"/>×<paramref name="height"/> (CRC fixed, so decoders accept the header).</summary>
    public static byte[] PngDeclaring(uint width, uint height)
    {
        byte[] png = HostileWorkspace.Image(1, SKEncodedImageFormat.Png);
        // Signature (8), IHDR length (4), "IHDR" (4), width (4), height (4), … CRC over type + 13 data bytes.
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(16), width);
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(20), height);
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(29), Crc32(png.AsSpan(12, 17)));
        return png;
    }

    /// <summary>A small real JPEG whose SOF0 declares <paramref name="width"/>×<paramref name="height"/>.</summary>
    public static byte[] JpegDeclaring(ushort width, ushort height)
    {
        byte[] jpeg = HostileWorkspace.Image(1, SKEncodedImageFormat.Jpeg);
        for (int i = 2; i + 9 < jpeg.Length; i++)
        {
            if (jpeg[i] == 0xFF && jpeg[i + 1] is 0xC0 or 0xC2)
            {
                BinaryPrimitives.WriteUInt16BigEndian(jpeg.AsSpan(i + 5), height);
                BinaryPrimitives.WriteUInt16BigEndian(jpeg.AsSpan(i + 7), width);
                return jpeg;
            }
        }
        throw new InvalidOperationException("no SOF marker in the encoded JPEG");
    }

    /// <summary>"Billion laughs": <paramref name="levels"/> anchors, each a list of ten aliases of the one before (10^levels nodes), under <paramref name="key"/>.</summary>
    public static string YamlAliasBomb(int levels = 9, string key = "unknown-key")
    {
        var text = new StringBuilder("a0: &a0 [\"lol\"]\n");
        for (int i = 1; i <= levels; i++)
            text.Append($"a{i}: &a{i} [{string.Join(", ", Enumerable.Repeat($"*a{i - 1}", 10))}]\n");
        text.Append($"{key}: *a{levels}\n");
        return text.ToString();
    }

    /// <summary>A YAML flow sequence nested <paramref name="depth"/> deep under key <c>skip</c>.</summary>
    public static string YamlNested(int depth) => "skip: " + new string('[', depth) + new string(']', depth) + "\n";

    /// <summary>A JSON recipe with arrays nested <paramref name="depth"/> deep.</summary>
    public static string JsonNested(int depth) => "{\"skip\": " + new string('[', depth) + new string(']', depth) + "}";

    private static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
        }
        return ~crc;
    }
}
