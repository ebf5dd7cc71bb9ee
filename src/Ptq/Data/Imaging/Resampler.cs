namespace Ptq.Data.Imaging;

/// <summary>
/// Pillow's <c>Image.resize</c> for 8-bit images (libImaging/Resample.c and Geometry.c), reproduced so that calibration
/// and evaluation see the same pixels as the PIL/torchvision pipelines that published accuracy figures.
/// Linear and cubic are separable: a horizontal pass then a vertical pass, each rounding to 8 bits as Pillow does;
/// when downscaling, the kernel support grows with the scale factor (antialiasing).
/// </summary>
internal static class Resampler
{
    // Pillow's fixed-point precision for 8-bit images: 32 bits - 8 bits of pixel - 2 bits of headroom.
    private const int PrecisionBits = 32 - 8 - 2;

    public static PixelImage Resize(PixelImage src, int width, int height, ResizeMethod method)
    {
        if (width <= 0 || height <= 0) throw new ArgumentOutOfRangeException(nameof(width), $"Target size {width}x{height} must be positive.");
        if (src.Width == width && src.Height == height) return src;
        if (method == ResizeMethod.Nearest) return Nearest(src, width, height);
        PixelImage img = src;
        if (width != src.Width) img = Horizontal(img, width, CoefficientsFor(src.Width, width, method));
        if (height != src.Height) img = Vertical(img, height, CoefficientsFor(src.Height, height, method));
        return img;
    }

    // Linear is Pillow's triangle filter with support 1, cubic its Keys cubic with support 2.
    private static Coefficients CoefficientsFor(int inSize, int outSize, ResizeMethod method) =>
        method == ResizeMethod.Cubic ? Coefficients.Compute(inSize, outSize, Bicubic, 2.0) : Coefficients.Compute(inSize, outSize, Triangle, 1.0);

    private static double Triangle(double x)
    {
        if (x < 0) x = -x;
        return x < 1.0 ? 1.0 - x : 0.0;
    }

    // Keys cubic with a = -0.5, as Pillow's bicubic_filter.
    private static double Bicubic(double x)
    {
        const double a = -0.5;
        if (x < 0) x = -x;
        if (x < 1.0) return (((a + 2.0) * x) - (a + 3.0)) * x * x + 1;
        if (x < 2.0) return ((((x - 5) * x) + 8) * x - 4) * a;
        return 0.0;
    }

    private static byte Clip8(int acc) =>
        acc >= (1 << PrecisionBits << 8) ? (byte)255 : acc <= 0 ? (byte)0 : (byte)(acc >> PrecisionBits);

    /// <summary>
    /// The horizontal pass of <see cref="Resize"/> from <paramref name="inWidth"/> to <paramref name="outWidth"/> pixels,
    /// one row at a time, or null when <see cref="Resize"/> would not run one (same width, or nearest, which is not
    /// separated into passes). Lets the decoder shrink each row as it arrives instead of holding the full-size image.
    /// </summary>
    public static HorizontalPass? HorizontalPassFor(int inWidth, int outWidth, ResizeMethod method) =>
        inWidth == outWidth || method == ResizeMethod.Nearest ? null
        : new HorizontalPass(outWidth, CoefficientsFor(inWidth, outWidth, method));

    private static PixelImage Horizontal(PixelImage src, int outWidth, Coefficients k)
    {
        int ch = src.Channels, rowIn = src.Width * ch, rowOut = outWidth * ch;
        var pass = new HorizontalPass(outWidth, k);
        var dp = new byte[rowOut * src.Height];
        for (int y = 0; y < src.Height; y++)
            pass.Apply(src.Pixels.AsSpan(y * rowIn, rowIn), dp.AsSpan(y * rowOut, rowOut), ch);
        return new PixelImage(outWidth, src.Height, ch, dp);
    }

    /// <summary>Pillow's horizontal resampling of single rows with precomputed coefficients.</summary>
    internal sealed class HorizontalPass(int outWidth, Coefficients k)
    {
        /// <summary>Pixels per output row.</summary>
        public int OutWidth { get; } = outWidth;

        /// <summary>Resamples one row of <paramref name="channels"/>-channel pixels into <paramref name="destination"/>.</summary>
        public void Apply(ReadOnlySpan<byte> source, Span<byte> destination, int channels)
        {
            for (int x = 0; x < OutWidth; x++)
            {
                int start = k.Start[x], size = k.Size[x], kOff = x * k.Stride;
                for (int c = 0; c < channels; c++)
                {
                    int acc = 1 << (PrecisionBits - 1);
                    int p = start * channels + c;
                    for (int i = 0; i < size; i++, p += channels) acc += source[p] * k.Weights[kOff + i];
                    destination[x * channels + c] = Clip8(acc);
                }
            }
        }
    }

    private static PixelImage Vertical(PixelImage src, int outHeight, Coefficients k)
    {
        int ch = src.Channels, rowLen = src.Width * ch;
        byte[] sp = src.Pixels;
        var dp = new byte[rowLen * outHeight];
        var acc = new int[rowLen];
        for (int y = 0; y < outHeight; y++)
        {
            int start = k.Start[y], size = k.Size[y], kOff = y * k.Stride;
            Array.Fill(acc, 1 << (PrecisionBits - 1));
            // Row-wise accumulation keeps the inner loop contiguous; the sum per pixel is the same as Pillow's.
            for (int i = 0; i < size; i++)
            {
                int w = k.Weights[kOff + i], row = (start + i) * rowLen;
                for (int j = 0; j < rowLen; j++) acc[j] += sp[row + j] * w;
            }
            int dst = y * rowLen;
            for (int j = 0; j < rowLen; j++) dp[dst + j] = Clip8(acc[j]);
        }
        return new PixelImage(src.Width, outHeight, ch, dp);
    }

    // Pillow's ImagingScaleAffine with NEAREST: source coordinate accumulated in double from (0.5 * scale), truncated.
    private static PixelImage Nearest(PixelImage src, int width, int height)
    {
        int ch = src.Channels;
        double sx = (double)src.Width / width, sy = (double)src.Height / height;
        var xin = new int[width];
        double xo = sx * 0.5;
        for (int x = 0; x < width; x++, xo += sx) xin[x] = Math.Min((int)xo, src.Width - 1);
        var dp = new byte[width * height * ch];
        double yo = sy * 0.5;
        for (int y = 0; y < height; y++, yo += sy)
        {
            int yi = Math.Min((int)yo, src.Height - 1);
            int srcRow = yi * src.Width * ch, dstRow = y * width * ch;
            for (int x = 0; x < width; x++)
                for (int c = 0; c < ch; c++) dp[dstRow + x * ch + c] = src.Pixels[srcRow + xin[x] * ch + c];
        }
        return new PixelImage(width, height, ch, dp);
    }

    /// <summary>Per output pixel: first source index, tap count and fixed-point weights (Pillow's precompute_coeffs + normalize_coeffs_8bpc).</summary>
    internal sealed class Coefficients
    {
        private Coefficients(int[] start, int[] size, int[] weights, int stride, double[] real)
        {
            Start = start;
            Size = size;
            Weights = weights;
            Stride = stride;
            RealWeights = real;
        }

        public int[] Start { get; }
        public int[] Size { get; }
        public int[] Weights { get; }
        public double[] RealWeights { get; }
        public int Stride { get; }

        public static Coefficients Compute(int inSize, int outSize, Func<double, double> filter, double filterSupport)
        {
            double scale = (double)inSize / outSize;
            double filterScale = Math.Max(scale, 1.0);
            double support = filterSupport * filterScale;
            int stride = ((int)Math.Ceiling(support) * 2) + 1;
            var start = new int[outSize];
            var size = new int[outSize];
            var real = new double[outSize * stride];
            var fixedW = new int[outSize * stride];
            double ss = 1.0 / filterScale;
            for (int xx = 0; xx < outSize; xx++)
            {
                double center = (xx + 0.5) * scale;
                int xmin = (int)(center - support + 0.5);
                if (xmin < 0) xmin = 0;
                int xmax = (int)(center + support + 0.5);
                if (xmax > inSize) xmax = inSize;
                xmax -= xmin;
                double ww = 0;
                int off = xx * stride;
                for (int x = 0; x < xmax; x++)
                {
                    double w = filter((x + xmin - center + 0.5) * ss);
                    real[off + x] = w;
                    ww += w;
                }
                for (int x = 0; x < xmax; x++)
                {
                    if (ww != 0.0) real[off + x] /= ww;
                    double k = real[off + x] * (1 << PrecisionBits);
                    fixedW[off + x] = (int)(k < 0 ? k - 0.5 : k + 0.5);
                }
                start[xx] = xmin;
                size[xx] = xmax;
            }
            return new Coefficients(start, size, fixedW, stride, real);
        }
    }
}
