using Ptq.Calibration;
using Ptq.Onnx;
using Ptq.Recipes;
using Xunit.Abstractions;

namespace Ptq.Tests.Recipes;

/// <summary>
/// ONNX Runtime's calibration extras on MNIST (issue #13): num_bins (<c>histogram-bins</c>), CalibMovingAverageConstant
/// (<c>ema-constant</c>) and MinimumRealRange (<c>min-real-range</c>), each checked on the statistics and scales it sets.
/// </summary>
public class CalibrationExtrasTests(ITestOutputHelper output)
{
    private static readonly QuantizationRecipe Mnist = new()
    {
        Data = [Assets.Get("mnist", "t10k-images-idx3-ubyte.gz")], CalibSize = 32, AccuracyGuard = QuantizationRecipe.AccuracyGuardOff,
    };

    private static Dictionary<string, float> Scales(QuantizationResult result) =>
        result.Run.Result.Tensors.Where(t => t.Kind == "Activation").ToDictionary(t => t.TensorName, t => t.Parameters.Scale);

    [Fact]
    public void HistogramBins_SetTheHistogramsThePercentileReads()
    {
        using var model = ModelIO.Load(Assets.Model("mnist-cnn.onnx"));
        var recipe = Mnist with { Method = CalibrationMethod.Percentile, Percentile = 99.9 };
        var fine = Quantizer.Quantize(model, recipe);
        var coarse = Quantizer.Quantize(model, recipe with { HistogramBins = 16 });
        Assert.All(fine.Run.Result.Statistics.Tensors.Values.Where(t => t.Histogram is not null), t => Assert.Equal(8192, t.Histogram!.BinCount));
        Assert.All(coarse.Run.Result.Statistics.Tensors.Values.Where(t => t.Histogram is not null), t => Assert.Equal(16, t.Histogram!.BinCount));
        var a = Scales(fine);
        var b = Scales(coarse);
        output.WriteLine(string.Join("; ", a.Keys.Select(k => $"{k}: {a[k]:G5} (8192 bins) vs {b[k]:G5} (16 bins)")));
        // 16 bins over [−R, R) leave 8 bins for positive values: the 99.9th percentile falls on a coarse bin edge.
        Assert.Contains(a.Keys, k => Math.Abs(a[k] - b[k]) > 0.05 * a[k]);
        Assert.True(coarse.CheckCosine > 0.99, $"cosine {coarse.CheckCosine}");
    }

    [Fact]
    public void EmaConstant_SetsTheMovingAverage()
    {
        using var model = ModelIO.Load(Assets.Model("mnist-cnn.onnx"));
        var slow = Quantizer.Quantize(model, Mnist with { Method = CalibrationMethod.Ema, EmaConstant = 0.01 });
        var last = Quantizer.Quantize(model, Mnist with { Method = CalibrationMethod.Ema, EmaConstant = 1 });
        foreach (var (name, stats) in last.Run.Result.Statistics.Tensors.Where(t => t.Value.Ema is not null))
        {
            var s = slow.Run.Result.Statistics.Tensors[name];
            output.WriteLine($"{name}: min-max [{stats.Min:G5}, {stats.Max:G5}], EMA c=1 (last batch) [{stats.Ema!.Min:G5}, {stats.Ema.Max:G5}], c=0.01 [{s.Ema!.Min:G5}, {s.Ema.Max:G5}]");
            Assert.Equal(0, stats.Ema.Momentum, 12);
            Assert.Equal(0.99, s.Ema.Momentum, 12);
            // Constant 1 keeps only the last batch, inside the overall range.
            Assert.InRange(stats.Ema.Max, stats.Min, stats.Max);
        }
        var a = Scales(slow);
        var b = Scales(last);
        Assert.Contains(a.Keys, k => Math.Abs(a[k] - b[k]) > 1e-3 * a[k]);
        Assert.Throws<RecipeException>(() => (Mnist with { EmaConstant = 0.5 }).Validate()); // not --method ema
    }

    [Fact]
    public void MinRealRange_WidensNarrowRanges()
    {
        using var model = ModelIO.Load(Assets.Model("mnist-cnn.onnx"));
        var plain = Scales(Quantizer.Quantize(model, Mnist));
        // MNIST's activations span a few hundred to a few thousand: 3000 widens some of them, not all.
        var widened = Quantizer.Quantize(model, Mnist with { MinRealRange = 3000 });
        var scales = Scales(widened);
        foreach (var t in widened.Run.Result.Tensors.Where(t => t.Kind == "Activation"))
        {
            double width = (t.Parameters.Scheme.QMax - t.Parameters.Scheme.QMin) * (double)t.Parameters.Scale;
            output.WriteLine($"{t.TensorName}: scale {plain[t.TensorName]:G5} → {t.Parameters.Scale:G5}, range width {width:G6}");
            Assert.True(width >= 3000 * (1 - 1e-6), $"{t.TensorName}: width {width}");
            Assert.True(t.Parameters.Scale >= plain[t.TensorName] * (1 - 1e-6));
        }
        Assert.Contains(scales.Keys, k => scales[k] > plain[k] * 1.01);
    }
}
