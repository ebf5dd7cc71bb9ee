using Ptq.Data;
using Ptq.Data.Imaging;

namespace Ptq.Tests.Data;

public class ImageTensorizerTests
{
    private static readonly PixelImage TwoPixels = new(2, 1, 3, [10, 20, 30, 40, 50, 60]);

    [Theory]
    [InlineData(256, 224, 16)]
    [InlineData(5, 2, 2)]   // round(1.5) = 2
    [InlineData(7, 2, 2)]   // round(2.5) = 2: Python rounds ties to even
    [InlineData(4, 4, 0)]
    [InlineData(3, 5, -1)]  // crop larger: torchvision pads (5-3)//2 = 1 on the left/top
    [InlineData(2, 5, -1)]
    public void Crop_offset_follows_torchvision(int size, int crop, int expected) =>
        Assert.Equal(expected, ImageTensorizer.CropOffset(size, crop));

    [Theory]
    [InlineData(500, 375, 341, 256)]
    [InlineData(333, 500, 256, 384)]
    [InlineData(256, 256, 256, 256)]
    public void Resize_short_keeps_aspect_with_truncation(int w, int h, int ew, int eh) =>
        Assert.Equal((ew, eh), ImageTensorizer.ResizedSize(new ImagePreprocessing(resizeShort: 256), w, h));

    [Fact]
    public void Rgb_nchw_orders_planes()
    {
        var (dims, v) = new ImageTensorizer(ImagePreprocessing.Default).Apply(TwoPixels);
        Assert.Equal(new[] { 1, 3, 1, 2 }, dims);
        Assert.Equal(new float[] { 10, 40, 20, 50, 30, 60 }, v);
    }

    [Fact]
    public void Bgr_swaps_red_and_blue()
    {
        var (_, v) = new ImageTensorizer(new ImagePreprocessing(color: ColorMode.Bgr)).Apply(TwoPixels);
        Assert.Equal(new float[] { 30, 60, 20, 50, 10, 40 }, v);
    }

    [Fact]
    public void Nhwc_interleaves_channels()
    {
        var (dims, v) = new ImageTensorizer(new ImagePreprocessing(layout: TensorLayout.Nhwc, color: ColorMode.Bgr)).Apply(TwoPixels);
        Assert.Equal(new[] { 1, 1, 2, 3 }, dims);
        Assert.Equal(new float[] { 30, 20, 10, 60, 50, 40 }, v);
    }

    [Fact]
    public void Gray_gives_one_channel()
    {
        var (dims, v) = new ImageTensorizer(new ImagePreprocessing(color: ColorMode.Gray)).Apply(new PixelImage(1, 1, 3, [255, 0, 0]));
        Assert.Equal(new[] { 1, 1, 1, 1 }, dims);
        Assert.Equal(new float[] { 76 }, v);
    }

    [Fact]
    public void Mean_std_divides()
    {
        var o = new ImagePreprocessing(mean: [1, 2, 3], std: [2, 4, 6]);
        var (_, v) = new ImageTensorizer(o).Apply(TwoPixels);
        Assert.Equal(new[] { 4.5f, 19.5f, 4.5f, 12f, 4.5f, 9.5f }, v);
    }

    [Fact]
    public void Mean_scale_multiplies_like_TNN()
    {
        var o = new ImagePreprocessing(mean: [1, 2, 3], scale: [0.5f, 0.25f, 2]);
        var (_, v) = new ImageTensorizer(o).Apply(TwoPixels);
        Assert.Equal(new[] { 4.5f, 19.5f, 4.5f, 12f, 54f, 114f }, v);
    }

    [Fact]
    public void Multiply_applies_after_mean_and_std()
    {
        var o = new ImagePreprocessing(mean: [127.5f], std: [127.5f], multiply: 2);
        var (_, v) = new ImageTensorizer(o).Apply(new PixelImage(1, 1, 3, [0, 255, 51]));
        Assert.Equal(-2f, v[0], 6);
        Assert.Equal(2f, v[1], 6);
        Assert.Equal((51 - 127.5f) / 127.5f * 2, v[2], 6);
    }

    [Fact]
    public void Cifar_style_normalisation_matches_formula_for_every_byte()
    {
        // (x/255 - 0.5)/0.5 written as mean 127.5, std 127.5.
        var o = new ImagePreprocessing(mean: [127.5f], std: [127.5f]);
        var pixels = Enumerable.Range(0, 256).SelectMany(p => new[] { (byte)p, (byte)p, (byte)p }).ToArray();
        var (_, v) = new ImageTensorizer(o).Apply(new PixelImage(256, 1, 3, pixels));
        for (int p = 0; p < 256; p++) Assert.Equal((p / 255.0 - 0.5) / 0.5, v[p], 1e-6);
    }

    [Fact]
    public void Crop_larger_than_image_pads_with_zero_pixels()
    {
        var o = new ImagePreprocessing(crop: new ImageSize(4, 1));
        var (dims, v) = new ImageTensorizer(o).Apply(TwoPixels);
        Assert.Equal(new[] { 1, 3, 1, 4 }, dims);
        Assert.Equal(new float[] { 0, 10, 40, 0, 0, 20, 50, 0, 0, 30, 60, 0 }, v);
    }

    [Fact]
    public void Centre_crop_takes_middle_pixels()
    {
        var img = new PixelImage(5, 1, 1, [0, 1, 2, 3, 4]);
        var (_, v) = new ImageTensorizer(new ImagePreprocessing(crop: new ImageSize(2, 1), color: ColorMode.Gray)).Apply(img.ToRgbForTest());
        Assert.Equal(new float[] { 2, 3 }, v); // left = round(1.5) = 2
    }
}

internal static class PixelImageTestExtensions
{
    public static PixelImage ToRgbForTest(this PixelImage gray) =>
        new(gray.Width, gray.Height, 3, gray.Pixels.SelectMany(p => new[] { p, p, p }).ToArray());
}
