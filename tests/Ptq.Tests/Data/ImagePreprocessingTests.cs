using Ptq.Data;

namespace Ptq.Tests.Data;

public class ImagePreprocessingTests
{
    private static string OptionOf(Func<ImagePreprocessing> create) =>
        Assert.Throws<PreprocessingOptionException>(() => create()).Key;

    [Fact]
    public void Invalid_combinations_name_the_option()
    {
        Assert.Equal("scale", OptionOf(() => new ImagePreprocessing(mean: [1, 2, 3], std: [1, 1, 1], scale: [1, 1, 1])));
        Assert.Equal("mean", OptionOf(() => new ImagePreprocessing(mean: [1, 2])));
        Assert.Equal("mean", OptionOf(() => new ImagePreprocessing(color: ColorMode.Gray, mean: [1, 2, 3])));
        Assert.Equal("std", OptionOf(() => new ImagePreprocessing(std: [1, 0, 1])));
        Assert.Equal("resize", OptionOf(() => new ImagePreprocessing(resize: new ImageSize(0, 4))));
        Assert.Equal("crop", OptionOf(() => new ImagePreprocessing(crop: new ImageSize(4, -1))));
        Assert.Equal("resize-short", OptionOf(() => new ImagePreprocessing(resizeShort: 0)));
        Assert.Equal("resize-short", OptionOf(() => new ImagePreprocessing(resize: new ImageSize(2, 2), resizeShort: 2)));
        Assert.Equal("multiply", OptionOf(() => new ImagePreprocessing(multiply: float.NaN)));
    }

    [Fact]
    public void Messages_carry_the_offending_values()
    {
        var e = Assert.Throws<PreprocessingOptionException>(() => new ImagePreprocessing(mean: [1, 2]));
        Assert.Contains("2 values", e.Message);
        Assert.Contains("3 channel", e.Message);
    }

    [Fact]
    public void Cli_text_parses()
    {
        Assert.Equal(new ImageSize(224, 200), ImageSize.Parse("224,200", "--crop"));
        Assert.Equal(new ImageSize(32, 32), ImageSize.Parse("32", "--resize"));
        Assert.Equal(new[] { 104f, 117f, 123.5f }, OptionText.ParseFloats("104, 117,123.5", "--mean"));
        Assert.Equal(ResizeMethod.Cubic, OptionText.ParseEnum<ResizeMethod>("cubic", "--resize-method"));
        Assert.Equal(ColorMode.Bgr, OptionText.ParseEnum<ColorMode>("BGR", "--color"));
        Assert.Equal(TensorLayout.Nhwc, OptionText.ParseEnum<TensorLayout>("NHWC", "--layout"));
        var e = Assert.Throws<PreprocessingOptionException>(() => OptionText.ParseEnum<ResizeMethod>("area", "--resize-method"));
        Assert.Contains("linear|nearest|cubic", e.Message);
        Assert.Equal("--mean", Assert.Throws<PreprocessingOptionException>(() => OptionText.ParseFloats("1,x,3", "--mean")).Key);
        Assert.Throws<PreprocessingOptionException>(() => OptionText.ParseEnum<ColorMode>("1", "--color"));
    }
}
