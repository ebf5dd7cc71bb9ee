using Ptq.Graph;
using Ptq.Onnx;
using Ptq.Quantization;
using DT = Ptq.Onnx.Proto.TensorProto.Types.DataType;

namespace Ptq.Passes;

/// <summary>One layer's requantization scales approximated as integer multiplier and shift.</summary>
/// <param name="Node">The Conv, Gemm or MatMul.</param>
/// <param name="Channels">Output channels (one multiplier each).</param>
/// <param name="MaxRelativeError">Largest |m·2^−shift − M| / M over the channels.</param>
/// <param name="MeanRelativeError">Mean of the same over the channels.</param>
/// <param name="Multipliers">m per channel (at most 2^bits − 1).</param>
/// <param name="Shifts">The right shift per channel.</param>
internal sealed record ScaleApproximationRecord(string Node, int Channels, double MaxRelativeError, double MeanRelativeError, long[] Multipliers, int[] Shifts);

/// <summary>
/// Distiller's scale approximation (<c>--qe-scale-approx-bits N</c>): integer-only runtimes requantize a layer's int32
/// accumulator with M = s_x · s_w / s_y as an N-bit integer multiplier m and a right shift, M ≈ m · 2^−shift with
/// shift = ⌊log2((2^N − 1) / M)⌋ and m = round(M · 2^shift) (Distiller's <c>approx_scale_as_mult_and_shift</c>).
/// <see cref="Analyse"/> reports the error per layer; <see cref="Bake"/> rewrites each weight scale to
/// s_w' = m · 2^−shift · s_y / s_x (and the int32 bias to the new bias scale s_x · s_w'), so that ONNX Runtime's float
/// requantization computes the approximated multiplier: the QDQ model then computes what the integer-only runtime would.
/// Layers are those whose activation input, weight and output all have Q/DQ parameters (the ones ORT runs as QLinearConv,
/// QLinearMatMul or QGemm).
/// </summary>
internal static class ScaleApproximation
{
    private sealed record Layer(Node Node, Node WeightDq, Node? BiasDq, float InputScale, float[] WeightScales, float OutputScale);

    /// <summary>The approximation of every requantizing layer of <paramref name="model"/> with <paramref name="bits"/>-bit multipliers.</summary>
    public static IReadOnlyList<ScaleApproximationRecord> Analyse(OnnxModel model, int bits) =>
        [.. Layers(OnnxGraph.FromModel(model, promoteConstants: false), model).Select(l => Record(l, bits))];

    /// <summary>
    /// <paramref name="model"/> with every requantizing layer's weight scales (and bias) rewritten so the multiplier ONNX
    /// Runtime computes is the <paramref name="bits"/>-bit approximation; also returns the records.
    /// </summary>
    public static (OnnxModel Model, IReadOnlyList<ScaleApproximationRecord> Records) Bake(OnnxModel model, int bits)
    {
        var graph = OnnxGraph.FromModel(model, promoteConstants: false);
        var records = new List<ScaleApproximationRecord>();
        foreach (var layer in Layers(graph, model).ToList())
        {
            var record = Record(layer, bits);
            records.Add(record);
            var scales = new float[layer.WeightScales.Length];
            for (int c = 0; c < scales.Length; c++)
                scales[c] = (float)(record.Multipliers[c] * Math.Pow(2, -record.Shifts[c]) * layer.OutputScale / layer.InputScale);
            string weightScale = graph.UniqueName(layer.WeightDq.Inputs[1] + "_approx");
            graph.AddInitializer(TensorData.FromFloats(weightScale, Dims(graph, layer.WeightDq.Inputs[1]), scales));
            graph.ReplaceInput(layer.WeightDq, 1, weightScale);
            if (layer.BiasDq is { } biasDq && graph.Initializer(biasDq.Inputs[0]) is { } biasCodes && graph.Initializer(biasDq.Inputs[1]) is { } biasScaleTensor)
            {
                float[] oldScales = TensorData.ToFloats(biasScaleTensor, model.External);
                long[] codes = TensorData.ToInt64s(biasCodes, model.External);
                var newScales = scales.Select(s => layer.InputScale * s).ToArray();
                var newCodes = new int[codes.Length];
                for (int c = 0; c < codes.Length; c++)
                {
                    float old = oldScales[oldScales.Length == 1 ? 0 : c], now = newScales[newScales.Length == 1 ? 0 : c];
                    newCodes[c] = (int)Math.Clamp(Math.Round(codes[c] * (double)old / now, MidpointRounding.ToEven), int.MinValue, int.MaxValue);
                }
                string biasName = graph.UniqueName(biasDq.Inputs[0] + "_approx"), biasScale = graph.UniqueName(biasDq.Inputs[1] + "_approx");
                graph.AddInitializer(QuantizedTensors.Create(biasName, DT.Int32, [.. biasCodes.Dims], newCodes));
                graph.AddInitializer(TensorData.FromFloats(biasScale, Dims(graph, biasDq.Inputs[1]), newScales.Length == oldScales.Length ? newScales : [newScales[0]]));
                graph.ReplaceInput(biasDq, 0, biasName);
                graph.ReplaceInput(biasDq, 1, biasScale);
            }
        }
        graph.RemoveUnusedInitializers();
        var proto = model.Proto.Clone();
        proto.Graph = graph.ToProto();
        return (model.Derive(proto), records);
    }

    /// <summary>M ≈ m · 2^−shift with an N-bit m (Distiller's approx_scale_as_mult_and_shift).</summary>
    public static (long Multiplier, int Shift) Approximate(double scale, int bits)
    {
        if (!(scale > 0) || !double.IsFinite(scale))
            throw new ArgumentOutOfRangeException(nameof(scale), scale, "A requantization scale is positive and finite.");
        double top = Math.Pow(2, bits) - 1;
        int shift = (int)Math.Floor(Math.Log2(top / scale));
        long multiplier = (long)Math.Round(scale * Math.Pow(2, shift), MidpointRounding.AwayFromZero);
        return (multiplier, shift);
    }

    private static ScaleApproximationRecord Record(Layer layer, int bits)
    {
        int n = layer.WeightScales.Length;
        var multipliers = new long[n];
        var shifts = new int[n];
        var errors = new double[n];
        for (int c = 0; c < n; c++)
        {
            double m = (double)layer.InputScale * layer.WeightScales[c] / layer.OutputScale;
            (multipliers[c], shifts[c]) = Approximate(m, bits);
            errors[c] = Math.Abs(multipliers[c] * Math.Pow(2, -shifts[c]) - m) / m;
        }
        return new ScaleApproximationRecord(layer.Node.Name, n, errors.Max(), errors.Average(), multipliers, shifts);
    }

    private static long[] Dims(OnnxGraph graph, string name) => [.. graph.Initializer(name)!.Dims];

    /// <summary>Conv, Gemm and MatMul reading a dequantized activation and dequantized constant weights and writing one QuantizeLinear.</summary>
    private static IEnumerable<Layer> Layers(OnnxGraph graph, OnnxModel model)
    {
        foreach (var node in graph.Nodes.Where(n => n.IsStandard && n.OpType is "Conv" or "Gemm" or "MatMul" && n.Inputs.Count >= 2).ToList())
        {
            if (graph.Producer(node.Inputs[0]) is not { OpType: "DequantizeLinear" } inputDq || graph.Initializer(inputDq.Inputs[1]) is not { } inputScale
                || graph.Producer(node.Inputs[1]) is not { OpType: "DequantizeLinear" } weightDq || !graph.IsInitializer(weightDq.Inputs[0])
                || graph.Initializer(weightDq.Inputs[1]) is not { } weightScale)
                continue;
            var consumers = graph.Consumers(node.Outputs[0]);
            if (consumers.Count != 1 || consumers[0].Node is not { OpType: "QuantizeLinear" } outputQ || graph.Initializer(outputQ.Inputs[1]) is not { } outputScale)
                continue;
            float[] x = TensorData.ToFloats(inputScale, model.External), y = TensorData.ToFloats(outputScale, model.External);
            if (x.Length != 1 || y.Length != 1)
                continue;
            Node? biasDq = node.Inputs.Count > 2 && node.Inputs[2].Length > 0 && graph.Producer(node.Inputs[2]) is { OpType: "DequantizeLinear" } b && graph.IsInitializer(b.Inputs[0]) ? b : null;
            yield return new Layer(node, weightDq, biasDq, x[0], TensorData.ToFloats(weightScale, model.External), y[0]);
        }
    }
}
