using Ptq.Data;
using Ptq.Onnx;
using Ptq.Runtime;

namespace Ptq.Bench;

/// <summary>SqueezeNet's ImageNet images with its Caffe preprocessing, streamed or preloaded.</summary>
internal static class SqueezeNetData
{
    public static ICalibrationSource Source(OnnxModel model, int count) =>
        CalibrationSources.Create(ModelInputs.Of(model), [BenchAssets.Get("imagenet", "images")], new DataSourceOptions
        {
            Limit = count,
            Preprocessing = new ImagePreprocessing(resizeShort: 256, crop: new ImageSize(224, 224), color: ColorMode.Bgr, mean: [104f, 117f, 123f]),
        });

    public static IEnumerable<IReadOnlyDictionary<string, TensorValue>> Stream(OnnxModel model, int count) =>
        Source(model, count).Select(s => (IReadOnlyDictionary<string, TensorValue>)s.ToFeeds());
}
