using Ptq.Calibration;
using Ptq.Data;
using Ptq.Onnx;
using Ptq.Pipeline;
using Ptq.Quantization;
using Ptq.Runtime;

namespace Ptq.Tests.Pipeline;

/// <summary>
/// A static run reconstructs its weights once: the accuracy guard's and the searches' variants
/// (<see cref="StaticRun.Quantize"/>) write back the codes the plain quantization chose instead of rounding again.
/// </summary>
public class ReconstructionReuseTests
{
    [Fact]
    public void Variants_write_back_the_plain_runs_reconstructed_codes()
    {
        using var model = ModelIO.Load(Assets.Model("mnist-cnn.onnx"));
        var samples = CalibrationSources.Create(ModelInputs.Of(model), [Assets.Get("mnist", "t10k-images-idx3-ubyte.gz")], new DataSourceOptions { Limit = 64 })
            .Select(s => (IReadOnlyDictionary<string, TensorValue>)s.ToFeeds()).ToList();
        var settings = new StaticQuantizationSettings { Weights = QuantScheme.WeightDefault with { Bits = 4 }, WeightMethod = WeightMethod.Gptq };
        var run = StaticRun.Create(model, settings, new CalibrationInput.FromSamples(samples, samples.Count, new CalibrationSettings()), forVariants: true);
        var plain = Weights(run.Plain.Model);
        var nearest = Weights(run.Quantize(settings with { WeightMethod = WeightMethod.MinMax }).Model);

        var same = Weights(run.Quantize(settings).Model);
        string first = run.Plain.Plan.Weights[0].Node.Name;
        var withFirstFloat = Weights(run.Quantize(settings with { Overrides = [new NodeOverride { Pattern = first, Skip = true }] }).Model);

        Assert.NotNull(run.Plain.Reconstruction);
        Assert.Equal(plain.Keys.Order(), same.Keys.Order());
        foreach (var (name, codes) in plain)
        {
            Assert.Equal(codes, same[name]);
            if (withFirstFloat.TryGetValue(name, out var kept))
                Assert.Equal(codes, kept);
        }
        // The first layer float (and whatever only it fed in int8), the others keep their reconstructed codes.
        Assert.InRange(withFirstFloat.Count, 1, plain.Count - 1);
        // Round-to-nearest codes differ: the reconstruction was written back, not recomputed as rounding.
        Assert.Contains(plain, p => !p.Value.SequenceEqual(nearest[p.Key]));
    }

    /// <summary>The integer weight initializers (4-bit codes) of a QDQ model, by name.</summary>
    private static Dictionary<string, float[]> Weights(OnnxModel model) =>
        model.Proto.Graph.Initializer.Where(t => t.DataType is (int)Ptq.Onnx.Proto.TensorProto.Types.DataType.Int4 or (int)Ptq.Onnx.Proto.TensorProto.Types.DataType.Int8)
            .ToDictionary(t => t.Name, t => TensorData.ToFloats(t));
}
