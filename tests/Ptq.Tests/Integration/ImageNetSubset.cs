using Ptq.Data;
using Ptq.Evaluation;
using Ptq.Onnx;

namespace Ptq.Tests.Integration;

/// <summary>The SqueezeNet reference pipeline over the 500 ImageNet images: first 100 calibrate, the other 400 evaluate.</summary>
internal static class ImageNetSubset
{
    public static ImagePreprocessing Preprocessing { get; } = new(resizeShort: 256, crop: new ImageSize(224, 224),
        color: ColorMode.Bgr, mean: [104f, 117f, 123f]);

    public static List<CalibrationSample> Load(OnnxModel model, int skip, int take)
    {
        var source = CalibrationSources.Create(ModelInputs.Of(model), [Assets.Get("imagenet", "images")],
            new DataSourceOptions { Preprocessing = Preprocessing });
        return source.Skip(skip).Take(take).ToList();
    }

    public static ILabelSource Labels => LabelSources.Parse("prefix:" + Assets.Get("labels", "imagenet_wnids.txt"), null);
}
