using System.Collections.Concurrent;
using Ptq.Calibration;
using Ptq.Onnx;
using Ptq.Runtime;

namespace Ptq.Tests.Pipeline;

/// <summary>Plain min/max ranges through the calibration runner: the simplest calibration, for pipeline tests.</summary>
internal static class MinMaxCalibration
{
    public static Func<OnnxModel, IReadOnlyList<string>, IReadOnlyDictionary<string, (float Min, float Max)>> Over(
        IEnumerable<IReadOnlyDictionary<string, TensorValue>> samples) => (model, tensors) =>
    {
        var ranges = new ConcurrentDictionary<string, (float Min, float Max)>();
        CalibrationRunner.Run(model, tensors, samples, (name, value) =>
        {
            var span = value.AsFloatSpan();
            float min = System.Numerics.Tensors.TensorPrimitives.Min(span), max = System.Numerics.Tensors.TensorPrimitives.Max(span);
            ranges.AddOrUpdate(name, (min, max), (_, r) => (Math.Min(r.Min, min), Math.Max(r.Max, max)));
        });
        return ranges;
    };
}
