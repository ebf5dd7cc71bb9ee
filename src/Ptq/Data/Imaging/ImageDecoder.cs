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
    public static PixelImage DecodeRgb(string path)
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
            var rgba = new byte[info.BytesSize];
            SKCodecResult result;
            unsafe
            {
                fixed (byte* ptr = rgba) result = codec.GetPixels(info, (IntPtr)ptr);
            }
            // Pillow refuses truncated files by default, so an incomplete decode counts as corrupt too.
            if (result != SKCodecResult.Success)
                throw new CorruptFileException(path, $"Cannot decode image '{path}': {result}; the file is corrupt or truncated.");
            int n = info.Width * info.Height;
            var rgb = new byte[n * 3];
            for (int i = 0, j = 0; i < n * 3; i += 3, j += 4)
            {
                rgb[i] = rgba[j];
                rgb[i + 1] = rgba[j + 1];
                rgb[i + 2] = rgba[j + 2];
            }
            return new PixelImage(info.Width, info.Height, 3, rgb);
        }
    }
}
