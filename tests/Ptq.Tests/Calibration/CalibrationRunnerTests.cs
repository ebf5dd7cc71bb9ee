using System.Collections.Concurrent;
using Ptq.Calibration;
using Ptq.Graph;
using Ptq.Onnx;
using Ptq.Runtime;

namespace Ptq.Tests.Calibration;

public class CalibrationRunnerTests
{
    [Fact]
    public void EveryTensorOfEverySampleIsObservedInSampleOrder()
    {
        using var model = ModelIO.Load(Assets.Model("mnist-cnn.onnx"));
        var graph = OnnxGraph.FromModel(model);
        var tensors = graph.Nodes.SelectMany(n => n.Outputs).ToList();
        var samples = Enumerable.Range(0, 5).Select(i => (IReadOnlyDictionary<string, TensorValue>)SampleFeeds.For(model, seed: i)).ToList();
        var maxima = new ConcurrentDictionary<string, List<float>>();
        var reports = new List<CalibrationProgress>();

        int count = CalibrationRunner.Run(model, tensors, samples,
            (name, value) => maxima.GetOrAdd(name, _ => []).Add(value.AsFloatSpan().ToArray().Max()),
            samplesTotal: 5, progress: new SynchronousProgress(reports.Add));

        Assert.Equal(5, count);
        Assert.Equal(tensors.Count, maxima.Count);
        Assert.Equal([1, 2, 3, 4, 5], reports.Select(r => r.SamplesDone));
        // Per-sample maxima arrive in sample order: compare with a direct run of each sample.
        string output = tensors[^1];
        using var runner = new OrtRunner(model);
        var expected = samples.Select(s => runner.Run(s)[output].AsFloatSpan().ToArray().Max()).ToList();
        Assert.Equal(expected, maxima[output]);
    }

    [Fact]
    public void ObserverFailureStopsTheRunAndSurfaces()
    {
        using var model = ModelIO.Load(Assets.Model("mnist-cnn.onnx"));
        var samples = Enumerable.Range(0, 50).Select(i => (IReadOnlyDictionary<string, TensorValue>)SampleFeeds.For(model, seed: i));
        var ex = Assert.Throws<PtqException>(() => CalibrationRunner.Run(model, ["Plus214_Output_0"], samples,
            (_, _) => throw new PtqException("observer says no")));
        Assert.Equal("observer says no", ex.Message);
    }

    [Fact]
    public void EmptySourceIsAnError()
    {
        using var model = ModelIO.Load(Assets.Model("mnist-cnn.onnx"));
        var ex = Assert.Throws<PtqException>(() => CalibrationRunner.Run(model, ["Plus214_Output_0"], [], (_, _) => { }));
        Assert.Contains("empty", ex.Message, StringComparison.Ordinal);
    }

    private sealed class SynchronousProgress(Action<CalibrationProgress> report) : IProgress<CalibrationProgress>
    {
        public void Report(CalibrationProgress value) => report(value);
    }
}
