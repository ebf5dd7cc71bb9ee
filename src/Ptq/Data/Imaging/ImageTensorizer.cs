namespace Ptq.Data.Imaging;

/// <summary>Applies an <see cref="ImagePreprocessing"/> to decoded pixels and produces a batch-1 float tensor.</summary>
internal sealed class ImageTensorizer
{
    private readonly ImagePreprocessing _options;
    private readonly float[][] _tables;

    public ImageTensorizer(ImagePreprocessing options)
    {
        _options = options;
        _tables = Enumerable.Range(0, options.Channels).Select(options.ChannelTable).ToArray();
    }

    /// <summary>Size after resizing an image of <paramref name="width"/>×<paramref name="height"/> (torchvision's rule for the short side).</summary>
    /// <exception cref="DataSourceException">When an extreme aspect ratio makes the resized image too large for one array.</exception>
    public static (int Width, int Height) ResizedSize(ImagePreprocessing o, int width, int height)
    {
        if (o.Resize is { } r) return (r.Width, r.Height);
        if (o.ResizeShort is not { } s) return (width, height);
        // torchvision: new_long = int(size * long / short), evaluated left to right in double.
        double longSide = width <= height ? (double)s * height / width : (double)s * width / height;
        if (longSide * s * 4 > Array.MaxLength)
            throw new DataSourceException($"resizing a {width}x{height} image to short side {s} gives a long side of {longSide:F0} pixels, too large to hold; crop or resize it first.");
        return width <= height ? (s, (int)longSide) : ((int)longSide, s);
    }

    /// <summary>
    /// Top-left offset of a centre crop of <paramref name="crop"/> pixels from <paramref name="size"/>:
    /// torchvision's <c>int(round((size - crop) / 2.0))</c> (ties to even like Python), and when the crop is larger,
    /// the negative of torchvision's left/top zero padding <c>(crop - size) // 2</c>.
    /// </summary>
    public static int CropOffset(int size, int crop) =>
        crop <= size ? (int)Math.Round((size - crop) / 2.0, MidpointRounding.ToEven) : -((crop - size) / 2);

    /// <summary>
    /// The row-local steps of <see cref="Apply(PixelImage, int, int)"/> for a <paramref name="width"/>×<paramref name="height"/>
    /// image (grayscale, horizontal resize), for <see cref="ImageDecoder.Decode"/> to run while decoding.
    /// </summary>
    public RowTransform RowTransformFor(int width, int height) =>
        new(width, _options.Color == ColorMode.Gray,
            Resampler.HorizontalPassFor(width, ResizedSize(_options, width, height).Width, _options.ResizeMethod));

    /// <summary>Runs colour conversion, resize, crop, channel order, normalisation and layout; returns dims and values.</summary>
    public (int[] Dims, float[] Values) Apply(PixelImage rgb) => Apply(rgb, rgb.Width, rgb.Height);

    /// <summary>
    /// <see cref="Apply(PixelImage)"/> for pixels that may already have been through <see cref="RowTransformFor"/>:
    /// the resize target comes from the source size, and steps already done are no-ops (a grayscale image stays as it
    /// is; a width already at the target skips the horizontal pass).
    /// </summary>
    public (int[] Dims, float[] Values) Apply(PixelImage pixels, int sourceWidth, int sourceHeight)
    {
        PixelImage img = _options.Color == ColorMode.Gray ? pixels.ToGray() : pixels;
        (int rw, int rh) = ResizedSize(_options, sourceWidth, sourceHeight);
        img = Resampler.Resize(img, rw, rh, _options.ResizeMethod);
        int w = _options.Crop?.Width ?? img.Width, h = _options.Crop?.Height ?? img.Height;
        int left = CropOffset(img.Width, w), top = CropOffset(img.Height, h);
        int channels = _options.Channels;
        var values = new float[channels * w * h];
        bool nchw = _options.Layout == TensorLayout.Nchw;
        for (int c = 0; c < channels; c++)
        {
            int srcC = _options.Color == ColorMode.Bgr ? 2 - c : c;
            float[] table = _tables[c];
            for (int y = 0; y < h; y++)
            {
                int sy = y + top;
                for (int x = 0; x < w; x++)
                {
                    int sx = x + left;
                    // Outside the source only when the crop is larger than the image: torchvision pads with 0 pixels.
                    byte p = sx >= 0 && sx < img.Width && sy >= 0 && sy < img.Height ? img[sx, sy, srcC] : (byte)0;
                    int index = nchw ? (c * h + y) * w + x : ((y * w) + x) * channels + c;
                    values[index] = table[p];
                }
            }
        }
        int[] dims = nchw ? [1, channels, h, w] : [1, h, w, channels];
        return (dims, values);
    }
}
