using Ptq.Graph;
using Ptq.Onnx;
using Ptq.Quantization;

namespace Ptq.Pipeline;

/// <summary>The bit width one layer's weights got from <see cref="WeightBitAllocation"/>.</summary>
/// <param name="Node">The layer (node display name, the name overrides match).</param>
/// <param name="Tensor">Its weight initializer.</param>
/// <param name="Weights">How many weights it holds.</param>
/// <param name="Bits">The fewest bits (2–16) whose relative error is within the allowed one, or 16 when none is.</param>
/// <param name="RelativeError">The relative error at <paramref name="Bits"/> (mean over output channels of ‖w − ŵ‖ / ‖w‖).</param>
internal sealed record LayerBitWidth(string Node, string Tensor, long Weights, int Bits, double RelativeError);

/// <summary>
/// MindSpore Lite's mixed-bit weight quantization (<c>bit_num=0</c> under WEIGHT_QUANT), data-free: each layer's weights
/// get the fewest bits at which their relative quantization error — MindSpore's measure, the mean over output channels of
/// ‖w − ŵ‖ / ‖w‖ — stays within <c>init_scale</c>. MindSpore searches a continuous per-layer scale to that error and stores
/// the codes entropy-coded; ONNX stores integer codes of a bit width, so the search here runs over the bit widths of the
/// scheme that is written (its granularity and range), and the error reported is the error of the model written.
/// MindSpore's variance/mean correction of dequantized weights has no DequantizeLinear counterpart and is not applied.
/// </summary>
internal sealed class WeightBitAllocation
{
    /// <summary>Bit widths searched (DequantizeLinear stores 2–16-bit codes).</summary>
    public const int MinBits = 2, MaxBits = 16;

    private readonly IReadOnlyList<(WeightPlan Plan, long Weights, double[] Errors)> _layers;

    private WeightBitAllocation(IReadOnlyList<(WeightPlan, long, double[])> layers) => _layers = layers;

    /// <summary>How many layers are allocated.</summary>
    public int Count => _layers.Count;

    /// <summary>
    /// Measures, once, the relative error of every weight <paramref name="probe"/> quantized (its plan and prepared float
    /// model) at each bit width of <paramref name="scheme"/> (min-max ranges, the plan's granularity).
    /// </summary>
    public static WeightBitAllocation Measure(StaticQuantizationResult probe, QuantScheme scheme)
    {
        ArgumentNullException.ThrowIfNull(probe);
        var prepared = probe.PreparedFloatModel;
        var graph = OnnxGraph.FromModel(prepared, promoteConstants: false);
        var layers = new List<(WeightPlan, long, double[])>();
        foreach (var plan in probe.Plan.Weights)
        {
            if (graph.Initializer(plan.Initializer) is not { } tensor)
                continue;
            float[] values = TensorData.ToFloats(tensor, prepared.External);
            long[] dims = [.. tensor.Dims];
            int errorAxis = plan.Axis ?? (plan.Node.OpType == "MatMul" ? dims.Length - 1 : OpRules.WeightChannelAxis(plan.Node));
            var errors = new double[MaxBits + 1];
            for (int bits = MinBits; bits <= MaxBits; bits++)
            {
                var quantized = WeightQuantizer.MinMax(plan.Initializer, values, dims, scheme with { Bits = bits, ReduceRange = false }, plan.Axis);
                errors[bits] = RelativeError(values, quantized.Dequantize(dims), dims, errorAxis);
            }
            layers.Add((plan, values.LongLength, errors));
        }
        return new WeightBitAllocation(layers);
    }

    /// <summary>Every layer's bit width for the allowed relative error <paramref name="initScale"/> (MindSpore's init_scale).</summary>
    public IReadOnlyList<LayerBitWidth> For(double initScale)
    {
        if (!(initScale > 0 && initScale < 1))
            throw new PtqException($"init_scale {initScale}: must be in (0, 1), e.g. 0.02");
        return [.. _layers.Select(l =>
        {
            int bits = MinBits;
            while (bits < MaxBits && l.Errors[bits] > initScale)
                bits++;
            return new LayerBitWidth(l.Plan.Node.DisplayName, l.Plan.Initializer, l.Weights, bits, l.Errors[bits]);
        })];
    }

    /// <summary>Overrides giving each layer of <paramref name="layers"/> its bit width in <paramref name="scheme"/>.</summary>
    public static IReadOnlyList<NodeOverride> Overrides(IEnumerable<LayerBitWidth> layers, QuantScheme scheme) =>
        [.. layers.Select(l => new NodeOverride { Pattern = l.Node, Weights = scheme with { Bits = l.Bits } })];

    /// <summary>Total weight bits of an allocation (what MindSpore's compression ratio compares).</summary>
    public static long TotalBits(IEnumerable<LayerBitWidth> layers) => layers.Sum(l => l.Weights * l.Bits);

    /// <summary>
    /// MindSpore's measure: the mean over the slices along <paramref name="axis"/> of ‖w − ŵ‖ / ‖w‖, slices with (near) zero
    /// norm left out.
    /// </summary>
    internal static double RelativeError(ReadOnlySpan<float> original, ReadOnlySpan<float> dequantized, ReadOnlySpan<long> dims, int axis)
    {
        var layout = ChannelLayout.Of(dims, axis >= 0 && axis < dims.Length ? axis : null);
        var norms = new double[layout.Channels];
        var errors = new double[layout.Channels];
        for (int i = 0; i < original.Length; i++)
        {
            int c = layout.ChannelOf(i);
            double w = original[i], d = w - dequantized[i];
            norms[c] += w * w;
            errors[c] += d * d;
        }
        double sum = 0;
        int counted = 0;
        for (int c = 0; c < norms.Length; c++)
        {
            if (norms[c] < 1e-10)
                continue;
            sum += Math.Sqrt(errors[c] / norms[c]);
            counted++;
        }
        return counted == 0 ? 0 : sum / counted;
    }
}
