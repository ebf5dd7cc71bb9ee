namespace Ptq.Data.Imaging;

/// <summary>An 8-bit image with 1 (L) or 3 (RGB) interleaved channels, rows top to bottom.</summary>
internal sealed class PixelImage
{
    public PixelImage(int width, int height, int channels, byte[] pixels)
    {
        if (pixels.Length != width * height * channels)
            throw new ArgumentException($"Pixel buffer has {pixels.Length} bytes, expected {width}x{height}x{channels}.", nameof(pixels));
        Width = width;
        Height = height;
        Channels = channels;
        Pixels = pixels;
    }

    public int Width { get; }
    public int Height { get; }
    public int Channels { get; }
    public byte[] Pixels { get; }

    public byte this[int x, int y, int c] => Pixels[((y * Width) + x) * Channels + c];

    /// <summary>
    /// Pillow's RGB → "L" conversion: <c>(R·19595 + G·38470 + B·7471 + 0x8000) >> 16</c>, i.e. ITU-R 601-2 luma
    /// (0.299, 0.587, 0.114) in 16-bit fixed point, rounded half up.
    /// </summary>
    public PixelImage ToGray()
    {
        if (Channels == 1) return this;
        var l = new byte[Width * Height];
        GrayRow(Pixels, l);
        return new PixelImage(Width, Height, 1, l);
    }

    /// <summary>The conversion of <see cref="ToGray"/> for RGB pixels in <paramref name="rgb"/> into <paramref name="gray"/>.</summary>
    public static void GrayRow(ReadOnlySpan<byte> rgb, Span<byte> gray)
    {
        for (int i = 0, j = 0; i < gray.Length; i++, j += 3)
            gray[i] = (byte)((rgb[j] * 19595 + rgb[j + 1] * 38470 + rgb[j + 2] * 7471 + 0x8000) >> 16);
    }
}
