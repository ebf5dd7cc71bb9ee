using Ptq.Graph;
using Ptq.Onnx;
using Ptq.Onnx.Proto;
using Ptq.Runtime;

namespace Ptq.Tests;

/// <summary>Seeded random feeds for a model's inputs; dynamic dims get small fixed sizes chosen per input name.</summary>
internal static class SampleFeeds
{
    public static Dictionary<string, TensorValue> For(OnnxModel model, int seed, Func<string, int, long>? dynamicDim = null)
    {
        var random = new Random(seed);
        var graph = OnnxGraph.FromModel(model, promoteConstants: false);
        var feeds = new Dictionary<string, TensorValue>(StringComparer.Ordinal);
        foreach (var input in graph.RuntimeInputs)
        {
            var tensorType = input.Type.TensorType;
            long[] shape = [.. tensorType.Shape.Dim.Select((d, axis) =>
                d.HasDimValue && d.DimValue > 0 ? d.DimValue : dynamicDim?.Invoke(input.Name, axis) ?? DefaultDynamic(tensorType.Shape.Dim.Count, axis))];
            long count = shape.Aggregate(1L, (a, d) => a * d);
            feeds[input.Name] = (TensorProto.Types.DataType)tensorType.ElemType switch
            {
                TensorProto.Types.DataType.Float => TensorValue.FromFloats(shape, Enumerable.Range(0, (int)count).Select(_ => (float)random.NextDouble() * 2 - 1).ToArray()),
                TensorProto.Types.DataType.Int64 => TensorValue.FromInt64s(shape, Enumerable.Repeat(16000L, (int)count).ToArray()),
                var other => throw new NotSupportedException($"input '{input.Name}' of type {other}"),
            };
        }
        return feeds;
    }

    // Batch 1; spatial dims 64 (multiples of 32 for the OCR detector); rank-2 audio gets 512 samples (silero's window).
    private static long DefaultDynamic(int rank, int axis) => (rank, axis) switch
    {
        (_, 0) => 1,
        (2, 1) => 512,
        (3, 1) => 1, // silero's state [2, B, 128]
        _ => 64,
    };
}
