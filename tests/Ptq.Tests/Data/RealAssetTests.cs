using Ptq.Data;

namespace Ptq.Tests.Data;

public class RealAssetTests
{
    [Fact]
    public void Imagenet_first_three_images_with_squeezenet_preprocessing()
    {
        var input = new ModelInputInfo("data_0", InputElementType.Float32, [1, 3, 224, 224]);
        var o = new DataSourceOptions
        {
            Limit = 3,
            Preprocessing = new ImagePreprocessing(resizeShort: 256, crop: new ImageSize(224, 224), color: ColorMode.Bgr, mean: [104, 117, 123]),
        };
        var source = CalibrationSources.Create([input], [Assets.Get("imagenet", "images")], o);
        Assert.Equal(3, source.Count);
        var samples = source.ToList();
        Assert.Equal("n01440764_tench.JPEG", samples[0].SourceName);
        // Pillow 9.4 (libjpeg-turbo decode, BILINEAR resize, crop) gives these RGB channel sums over the 224x224 crop.
        // Skia's decode + our resampler matched Pillow's crop pixel for pixel on these three images, so the sums must be exact.
        long[][] pillowRgbSums = [[6179935, 6124193, 4887609], [7588916, 7611686, 7720629], [7585443, 6644327, 6093857]];
        float[] mean = [104, 117, 123];
        for (int s = 0; s < 3; s++)
        {
            InputTensor t = samples[s]["data_0"];
            Assert.Equal(new[] { 1, 3, 224, 224 }, t.Dims);
            float[] v = (float[])t.Data;
            Assert.All(v, x => Assert.InRange(x, -123f, 255f - 104f));
            for (int c = 0; c < 3; c++)
            {
                double sum = 0;
                for (int i = c * 224 * 224; i < (c + 1) * 224 * 224; i++) sum += v[i] + mean[c];
                double expected = pillowRgbSums[s][2 - c];  // BGR plane c holds RGB channel 2 - c
                Assert.Equal(expected, sum);
            }
        }
    }

    [Fact]
    public void Mnist_idx_files()
    {
        IdxImages images = IdxReader.ReadImages(Assets.Get("mnist", "t10k-images-idx3-ubyte.gz"));
        byte[] labels = IdxReader.ReadLabels(Assets.Get("mnist", "t10k-labels-idx1-ubyte.gz"));
        Assert.Equal((10000, 28, 28), (images.Count, images.Rows, images.Columns));
        Assert.Equal(10000, labels.Length);
        Assert.Equal(7, labels[0]);
        Assert.Equal(0, images.Pixels.Min());
        Assert.Equal(255, images.Pixels.Max());
        InputTensor first = images.ToTensor(0, "Input3");
        Assert.Equal(new[] { 1, 1, 28, 28 }, first.Dims);
        Assert.InRange(((float[])first.Data).Max(), 200f, 255f);

        var input = new ModelInputInfo("Input3", InputElementType.Float32, [1, 1, 28, 28]);
        var source = CalibrationSources.Create([input], [Assets.Get("mnist")], new DataSourceOptions { Limit = 100 });
        Assert.Equal(100, source.Count);
        CalibrationSample s0 = source.First();
        Assert.Equal(first.Data, s0["Input3"].Data);
        Assert.Equal("t10k-images-idx3-ubyte.gz[0]", s0.SourceName);
    }

    [Fact]
    public void Cifar10_images_are_32x32_rgb()
    {
        var input = new ModelInputInfo("modelInput", InputElementType.Float32, [null, 3, 32, 32]);
        var o = new DataSourceOptions { Recursive = true, Preprocessing = new ImagePreprocessing(mean: [127.5f], std: [127.5f]) };
        var source = CalibrationSources.Create([input], [Assets.Get("cifar10", "test")], o);
        Assert.Equal(3000, source.Count);
        CalibrationSample first = source.First();
        Assert.StartsWith("airplane/", first.SourceName);
        Assert.Equal(new[] { 1, 3, 32, 32 }, first["modelInput"].Dims);
        Assert.All((float[])first["modelInput"].Data, x => Assert.InRange(x, -1f, 1f));
    }
}
