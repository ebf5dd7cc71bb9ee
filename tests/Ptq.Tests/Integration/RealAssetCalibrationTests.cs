using Ptq.Data;
using Ptq.Onnx;
using Ptq.Pipeline;
using Ptq.Runtime;

namespace Ptq.Tests.Integration;

/// <summary>Issue #3: statistics for every activation of real models, with known values pinned.</summary>
public class RealAssetCalibrationTests
{
    [Fact]
    public void MnistOver1000ImagesCoversEveryActivationAndSeesRawPixels()
    {
        using var model = ModelIO.Load(Assets.Model("mnist-cnn.onnx"));
        var source = CalibrationSources.Create(ModelInputs.Of(model), [Assets.Get("mnist", "t10k-images-idx3-ubyte.gz")], new DataSourceOptions { Limit = 1000 });
        var stats = CalibrationJob.Run(model, source.Select(s => (IReadOnlyDictionary<string, TensorValue>)s.ToFeeds()), source.Count, new CalibrationSettings());

        Assert.Equal(1000, stats.Samples);
        // Input + every node output of the prepared model (Conv biases folded, the weight Reshape constant-folded; the
        // 28×28 input is too small for the first Conv's channel padding to pay).
        Assert.Equal(10, stats.Tensors.Count);
        var input = stats.Tensors["Input3"];
        Assert.Equal(0, input.Min);
        Assert.Equal(255, input.Max);
        Assert.Equal(784_000, input.Count);
        Assert.Equal(0, stats.Tensors["ReLU32_Output_0"].Min);
        Assert.All(stats.Tensors.Values, t => Assert.NotNull(t.Histogram));
    }

    [Fact]
    public void SqueezeNetOver100ImagesCoversEveryActivation()
    {
        using var model = ModelIO.Load(Assets.Model("squeezenet1.1.onnx"));
        var samples = ImageNetSubset.Load(model, 0, 100).Select(s => (IReadOnlyDictionary<string, TensorValue>)s.ToFeeds());
        var stats = CalibrationJob.Run(model, samples, 100, new CalibrationSettings());

        Assert.Equal(100, stats.Samples);
        // data_0, its four-channel padding for conv1, and the 65 float node outputs after Dropout removal (the Softmax over
        // [1,1000,1,1] at axis 1 means the same at opset 13, so the upgrade adds no Flatten/Reshape around it).
        Assert.Equal(67, stats.Tensors.Count);
        var input = stats.Tensors["data_0"];
        Assert.Equal(-123, input.Min); // BGR pixels minus the Caffe mean (104, 117, 123)
        Assert.Equal(151, input.Max);
        Assert.Equal(100L * 3 * 224 * 224, input.Count);
        Assert.Equal(1000, stats.Tensors["softmaxout_1"].ChannelMeans!.Means.Length);
        Assert.InRange(stats.Tensors["softmaxout_1"].Max, 0.5, 1.0); // probabilities
    }
}
