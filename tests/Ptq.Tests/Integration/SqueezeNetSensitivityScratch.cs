using Ptq.Calibration;
using Ptq.Data;
using Ptq.Evaluation;
using Ptq.Onnx;
using Ptq.Pipeline;
using Ptq.Runtime;
using Xunit.Abstractions;

namespace Ptq.Tests.Integration;

public class SqueezeNetSensitivityScratch(ITestOutputHelper output)
{
    [Fact]
    public void PerTensorSqnr()
    {
        using var model = ModelIO.Load(Assets.Model("squeezenet1.1.onnx"));
        var calibration = ImageNetSubset.Load(model, 0, 100);
        var result = StaticQuantizer.Quantize(model, new StaticQuantizationSettings(),
            new CalibrationInput.FromSamples(calibration.Select(s => (IReadOnlyDictionary<string, TensorValue>)s.ToFeeds()).ToList(), 100,
                new CalibrationSettings { Method = CalibrationMethod.MinMax }));
        var tensors = result.Plan.CalibratedTensors.ToList();
        using var f = OrtRunner.WithOutputs(result.PreparedFloatModel, tensors);
        using var q = OrtRunner.WithOutputs(result.Model, tensors.Select(t => t + "_dequantized"));
        var signal = new Dictionary<string, double>(); var noise = new Dictionary<string, double>();
        foreach (var s in ImageNetSubset.Load(model, 100, 20))
        {
            var feeds = s.ToFeeds();
            var a = f.Run(feeds, tensors);
            var b = q.Run(feeds, tensors.Select(t => t + "_dequantized").ToList());
            foreach (var t in tensors)
            {
                var x = a[t].AsFloatSpan(); var y = b[t + "_dequantized"].AsFloatSpan();
                double sg = 0, ns = 0;
                for (int i = 0; i < x.Length; i++) { sg += (double)x[i] * x[i]; ns += (double)(x[i] - y[i]) * (x[i] - y[i]); }
                signal[t] = signal.GetValueOrDefault(t) + sg; noise[t] = noise.GetValueOrDefault(t) + ns;
            }
        }
        foreach (var t in tensors)
        {
            var st = result.Statistics.Tensors[t];
            output.WriteLine($"{t,-40} sqnr {10 * Math.Log10(signal[t] / noise[t]),7:F2} dB  range [{st.Min:F2}, {st.Max:F2}]");
        }
    }
}
