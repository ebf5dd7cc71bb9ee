using Google.Protobuf;
using Ptq.Data;
using Ptq.Onnx;
using Ptq.Pipeline;
using Ptq.Recipes;
using Ptq.Tests.Cli;

namespace Ptq.Tests.Pipeline;

/// <summary>
/// The staged pipeline's promise: one run prepares the model once and streams the calibration data once, also when the
/// accuracy guard's search runs (it reuses the preparation and the statistics), and the statistics collected for the
/// search leave the plain model unchanged.
/// </summary>
public sealed class StagedRunTests
{
    [Fact]
    public void ADefaultRunWhoseGuardSearchesPreparesOnceAndCalibratesOnce()
    {
        using var temp = new TempDirectory();
        var (modelPath, data) = MixedActivationBitsCommandTests.Setup(temp);
        using var model = ModelIO.Load(modelPath);
        RecipeQuantizationResult? run = null;

        var counters = PipelineCounters.Count(() => run = RecipeQuantizer.Run(model, QuantizationRecipe.Default with { Data = [data] }));

        Assert.NotNull(run!.Guard?.Search); // the plain cosine 0.9938 is below the guard: the search ran
        Assert.True(run.Guard!.Passed, $"cosine {run.Guard.Cosine}");
        Assert.Equal(1, counters.Preparations);
        Assert.Equal(1, counters.CalibrationPasses);
    }

    [Fact]
    public void StatisticsWidenedForSearchesGiveTheSamePlainModel()
    {
        using var temp = new TempDirectory();
        var (modelPath, data) = MixedActivationBitsCommandTests.Setup(temp);
        using var model = ModelIO.Load(modelPath);
        var samples = CalibrationSources.Create(ModelInputs.Of(model), [data]).Select(s => (IReadOnlyDictionary<string, Ptq.Runtime.TensorValue>)s.ToFeeds()).ToList();
        var input = new CalibrationInput.FromSamples(samples, samples.Count, new CalibrationSettings());

        var narrow = StaticRun.Create(model, new StaticQuantizationSettings(), input, forVariants: false);
        var wide = StaticRun.Create(model, new StaticQuantizationSettings(), input, forVariants: true);

        Assert.True(wide.Stats.Tensors.Count > narrow.Stats.Tensors.Count, $"{wide.Stats.Tensors.Count} vs {narrow.Stats.Tensors.Count} tensors");
        Assert.Equal(narrow.Plain.Model.Proto.ToByteArray(), wide.Plain.Model.Proto.ToByteArray());
    }
}
