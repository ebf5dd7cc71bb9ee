using SkiaSharp;

namespace Ptq.Data.Imaging;

/// <summary>Decodes image files with SkiaSharp into 8-bit RGB, like Pillow's <c>Image.open(p).convert("RGB")</c>.</summary>
internal static class ImageDecoder
{
    /// <summary>
    /// Decodes <paramref name="path"/> to unpremultiplied RGBA8888 without colour-space conversion or EXIF rotation
    /// (Pillow applies neither) and drops alpha.
    /// </summary>
    /// <exception cref="CorruptFileException">When the file is not a decodable image or is truncated.</exception>
    public static PixelImage DecodeRgb(string path) => Decode(path, null).Pixels;

    /// <summary>
    /// Decodes <paramref name="path"/> like <see cref="DecodeRgb"/> and passes every row through the transform
    /// <paramref name="rowTransform"/> builds for the image's size: row by row where Skia offers scanline decoding (JPEG;
    /// not PNG), so the full-size image is never held, else whole and then row by row. Returns the transformed image and
    /// the size of the source.
    /// </summary>
    /// <exception cref="CorruptFileException">When the file is not a decodable image or is truncated.</exception>
    public static (PixelImage Pixels, int SourceWidth, int SourceHeight) Decode(string path, Func<int, int, RowTransform>? rowTransform)
    {
        SKCodec? codec;
        try
        {
            codec = SKCodec.Create(path, out SKCodecResult createResult);
            if (codec is null)
                throw new CorruptFileException(path, $"Cannot decode image '{path}' ({createResult}): the file is corrupt or not a jpg/png/bmp image.");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CorruptFileException(path, $"Cannot read image '{path}': {e.Message}", e);
        }

        using (codec)
        {
            var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
            if (info.Width <= 0 || info.Height <= 0)
                throw new CorruptFileException(path, $"Image '{path}' has no pixels ({info.Width}x{info.Height}).");
            var transform = rowTransform?.Invoke(info.Width, info.Height) ?? new RowTransform(info.Width, gray: false, horizontal: null);
            var pixels = rowTransform is not null && codec.StartScanlineDecode(info) == SKCodecResult.Success
                ? DecodeByRows(codec, info, transform, path)
                : DecodeWhole(codec, info, transform, path);
            return (pixels, info.Width, info.Height);
        }
    }

    private static PixelImage DecodeByRows(SKCodec codec, SKImageInfo info, RowTransform transform, string path)
    {
        int rowOut = transform.OutWidth * transform.OutChannels;
        var output = new byte[rowOut * info.Height];
        var rgba = new byte[info.RowBytes];
        var rgb = new byte[info.Width * 3];
        for (int i = 0; i < info.Height; i++)
        {
            int decoded;
            unsafe
            {
                fixed (byte* ptr = rgba) decoded = codec.GetScanlines((IntPtr)ptr, 1, info.RowBytes);
            }
            // Pillow refuses truncated files by default, so an incomplete decode counts as corrupt too.
            if (decoded != 1)
                throw new CorruptFileException(path, $"Cannot decode image '{path}': row {i} of {info.Height} is missing; the file is corrupt or truncated.");
            DropAlpha(rgba, rgb);
            int y = codec.GetOutputScanline(i); // bottom-up BMPs deliver their last row first
            transform.Apply(rgb, output.AsSpan(y * rowOut, rowOut));
        }
        return new PixelImage(transform.OutWidth, info.Height, transform.OutChannels, output);
    }

    private static PixelImage DecodeWhole(SKCodec codec, SKImageInfo info, RowTransform transform, string path)
    {
        var rgba = new byte[info.BytesSize];
        SKCodecResult result;
        unsafe
        {
            fixed (byte* ptr = rgba) result = codec.GetPixels(info, (IntPtr)ptr);
        }
        // Pillow refuses truncated files by default, so an incomplete decode counts as corrupt too.
        if (result != SKCodecResult.Success)
            throw new CorruptFileException(path, $"Cannot decode image '{path}': {result}; the file is corrupt or truncated.");
        int rowOut = transform.OutWidth * transform.OutChannels;
        var output = new byte[rowOut * info.Height];
        var rgb = new byte[info.Width * 3];
        for (int y = 0; y < info.Height; y++)
        {
            DropAlpha(rgba.AsSpan(y * info.RowBytes, info.Width * 4), rgb);
            transform.Apply(rgb, output.AsSpan(y * rowOut, rowOut));
        }
        return new PixelImage(transform.OutWidth, info.Height, transform.OutChannels, output);
    }

    private static void DropAlpha(ReadOnlySpan<byte> rgba, Span<byte> rgb)
    {
        for (int i = 0, j = 0; i < rgb.Length; i += 3, j += 4)
        {
            rgb[i] = rgba[j];
            rgb[i + 1] = rgba[j + 1];
            rgb[i + 2] = rgba[j + 2];
        }
    }
}
