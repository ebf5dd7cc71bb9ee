using SkiaSharp;

namespace Ptq.Data.Imaging;

/// <summary>Decodes image files with SkiaSharp into 8-bit RGB, like Pillow's <c>Image.open(p).convert("RGB")</c>.</summary>
internal static class ImageDecoder
{
    /// <summary>
    /// Decodes <paramref name="path"/> to unpremultiplied RGBA8888 without colour-space conversion or EXIF rotation
    /// (Pillow applies neither) and drops alpha.
    /// </summary>
    /// <exception cref="CorruptFileException">When the file is not a decodable image, is truncated or too large.</exception>
    public static PixelImage DecodeRgb(string path, long maxPixels = ResourceLimits.MaxImagePixels) => Decode(path, null, maxPixels).Pixels;

    /// <summary>
    /// Decodes <paramref name="path"/> like <see cref="DecodeRgb"/> and passes every row through the transform
    /// <paramref name="rowTransform"/> builds for the image's size: row by row where Skia offers scanline decoding (JPEG;
    /// not PNG), so the full-size image is never held, else whole and then row by row. Returns the transformed image and
    /// the size of the source. The size the header declares is checked against <paramref name="maxPixels"/> before any
    /// pixel buffer exists: a few hundred bytes can declare gigapixels.
    /// </summary>
    /// <exception cref="CorruptFileException">When the file is not a decodable image, is truncated or declares more than <paramref name="maxPixels"/> pixels.</exception>
    public static (PixelImage Pixels, int SourceWidth, int SourceHeight) Decode(string path, Func<int, int, RowTransform>? rowTransform,
        long maxPixels = ResourceLimits.MaxImagePixels)
    {
        if (IO.InputFiles.Problem(path) is { } problem)
            throw new CorruptFileException(path, $"Cannot read image: {problem}.");
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
            long pixelCount = (long)info.Width * info.Height;
            if (pixelCount > maxPixels)
                throw new CorruptFileException(path, string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"Image '{path}' declares {info.Width}x{info.Height} = {pixelCount:N0} pixels, over the limit of {maxPixels:N0} (a decompression bomb?); ") +
                    "raise it with --max-image-pixels if the image is genuine.");
            BufferBytes(info.Width, 4, path); // a row of RGBA must fit one array before Skia is asked for one
            RowTransform transform;
            try { transform = rowTransform?.Invoke(info.Width, info.Height) ?? new RowTransform(info.Width, gray: false, horizontal: null); }
            catch (DataSourceException e) when (e is not CorruptFileException) { throw new CorruptFileException(path, $"Image '{path}': {e.Message}", e); }
            var pixels = rowTransform is not null && codec.StartScanlineDecode(info) == SKCodecResult.Success
                ? DecodeByRows(codec, info, transform, path)
                : DecodeWhole(codec, info, transform, path);
            return (pixels, info.Width, info.Height);
        }
    }

    private static PixelImage DecodeByRows(SKCodec codec, SKImageInfo info, RowTransform transform, string path)
    {
        int rowOut = transform.OutWidth * transform.OutChannels;
        var output = new byte[BufferBytes(rowOut, info.Height, path)];
        var rgba = new byte[BufferBytes(info.Width, 4, path)];
        var rgb = new byte[BufferBytes(info.Width, 3, path)];
        for (int i = 0; i < info.Height; i++)
        {
            int decoded;
            unsafe
            {
                fixed (byte* ptr = rgba) decoded = codec.GetScanlines((IntPtr)ptr, 1, rgba.Length);
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
        var rgba = new byte[BufferBytes(BufferBytes(info.Width, 4, path), info.Height, path)];
        SKCodecResult result;
        unsafe
        {
            fixed (byte* ptr = rgba) result = codec.GetPixels(info, (IntPtr)ptr);
        }
        // Pillow refuses truncated files by default, so an incomplete decode counts as corrupt too.
        if (result != SKCodecResult.Success)
            throw new CorruptFileException(path, $"Cannot decode image '{path}': {result}; the file is corrupt or truncated.");
        int rowOut = transform.OutWidth * transform.OutChannels;
        var output = new byte[BufferBytes(rowOut, info.Height, path)];
        var rgb = new byte[BufferBytes(info.Width, 3, path)];
        for (int y = 0; y < info.Height; y++)
        {
            DropAlpha(rgba.AsSpan(y * info.Width * 4, info.Width * 4), rgb);
            transform.Apply(rgb, output.AsSpan(y * rowOut, rowOut));
        }
        return new PixelImage(transform.OutWidth, info.Height, transform.OutChannels, output);
    }

    /// <summary>
    /// <paramref name="a"/> × <paramref name="b"/> bytes as an array length, computed in 64 bits: Skia's own
    /// <c>int</c> byte counts overflow for large images and a short buffer would be written past.
    /// </summary>
    private static int BufferBytes(long a, long b, string path)
    {
        long bytes = a * b;
        if (a < 0 || b < 0 || bytes > Array.MaxLength || (a != 0 && bytes / a != b))
            throw new CorruptFileException(path, (FormattableString)$"Image '{path}' needs a {a}x{b}-byte buffer, larger than one array can hold; lower {SettingName.MaxImagePixels} or resize it.");
        return (int)bytes;
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
