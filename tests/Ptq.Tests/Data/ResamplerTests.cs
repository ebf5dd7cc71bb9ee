using Ptq.Data;
using Ptq.Data.Imaging;
using Ptq.Tests.Data.Golden;

namespace Ptq.Tests.Data;

public class ResamplerTests
{
    // Same generator as Golden/pillow_resize_golden.py: a 31-bit LCG, byte = bits 16..23.
    private static PixelImage Lcg(int w, int h, int c)
    {
        long s = 12345;
        var p = new byte[w * h * c];
        for (int i = 0; i < p.Length; i++)
        {
            s = (s * 1103515245 + 12345) & 0x7fffffff;
            p[i] = (byte)((s >> 16) & 255);
        }
        return new PixelImage(w, h, c, p);
    }

    [Theory]
    [InlineData(ResizeMethod.Linear, 5, 7, "Lin5x7")]
    [InlineData(ResizeMethod.Cubic, 5, 7, "Cub5x7")]
    [InlineData(ResizeMethod.Nearest, 5, 7, "Near5x7")]
    [InlineData(ResizeMethod.Linear, 17, 11, "LinUp17x11")]
    [InlineData(ResizeMethod.Cubic, 17, 11, "CubUp17x11")]
    [InlineData(ResizeMethod.Nearest, 17, 11, "NearUp17x11")]
    public void Resize_matches_Pillow_byte_for_byte(ResizeMethod method, int w, int h, string golden)
    {
        byte[] expected = (byte[])typeof(PillowGolden).GetField(golden)!.GetValue(null)!;
        PixelImage result = Resampler.Resize(Lcg(13, 9, 3), w, h, method);
        Assert.Equal((w, h, 3), (result.Width, result.Height, result.Channels));
        Assert.Equal(expected, result.Pixels);
    }

    [Fact]
    public void Gray_matches_Pillow_L_conversion()
    {
        Assert.Equal(PillowGolden.Gray, Lcg(13, 9, 3).ToGray().Pixels);
        var primaries = new PixelImage(3, 1, 3, [255, 0, 0, 0, 255, 0, 0, 0, 255]);
        Assert.Equal(new byte[] { 76, 150, 29 }, primaries.ToGray().Pixels);
    }

    [Fact]
    public void Linear_downscale_by_two_uses_widened_triangle_weights()
    {
        // Columns 0,70,140,210 constant down each column. Halving widens the triangle to support 2:
        // out0 taps x=0,1,2 with weights 3/7,3/7,1/7 → 50; out1 taps x=1,2,3 with 1/7,3/7,3/7 → 160.
        var img = new PixelImage(4, 4, 1, Enumerable.Range(0, 16).Select(i => (byte)(i % 4 * 70)).ToArray());
        PixelImage r = Resampler.Resize(img, 2, 2, ResizeMethod.Linear);
        Assert.Equal(new byte[] { 50, 160, 50, 160 }, r.Pixels);
    }

    [Fact]
    public void Linear_upscale_by_two_interpolates_quarter_steps()
    {
        var img = new PixelImage(2, 1, 1, [0, 100]);
        Assert.Equal(new byte[] { 0, 25, 75, 100 }, Resampler.Resize(img, 4, 1, ResizeMethod.Linear).Pixels);
    }

    [Fact]
    public void Nearest_downscale_picks_odd_pixels()
    {
        // Pillow samples floor((x + 0.5) * 2): pixels 1 and 3 in each direction.
        var img = new PixelImage(4, 4, 1, Enumerable.Range(0, 16).Select(i => (byte)i).ToArray());
        Assert.Equal(new byte[] { 5, 7, 13, 15 }, Resampler.Resize(img, 2, 2, ResizeMethod.Nearest).Pixels);
    }

    [Fact]
    public void Same_size_is_identity()
    {
        PixelImage img = Lcg(6, 5, 3);
        Assert.Same(img, Resampler.Resize(img, 6, 5, ResizeMethod.Cubic));
    }

    [Fact]
    public void Constant_image_stays_constant_for_every_method_and_size()
    {
        var rnd = new Random(7);
        foreach (ResizeMethod m in Enum.GetValues<ResizeMethod>())
        {
            for (int trial = 0; trial < 20; trial++)
            {
                byte v = (byte)rnd.Next(256);
                int w = rnd.Next(1, 40), h = rnd.Next(1, 40), ow = rnd.Next(1, 40), oh = rnd.Next(1, 40);
                var img = new PixelImage(w, h, 3, Enumerable.Repeat(v, w * h * 3).ToArray());
                Assert.All(Resampler.Resize(img, ow, oh, m).Pixels, p => Assert.Equal(v, p));
            }
        }
    }
}
