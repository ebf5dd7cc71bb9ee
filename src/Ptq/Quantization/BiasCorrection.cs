using Ptq.Graph;
using Ptq.Onnx;
using Ptq.Quantization;
using Ptq.Statistics;

namespace Ptq.Quantization;

/// <summary>How much bias correction moved one layer's bias.</summary>
/// <param name="Node">The Conv or Gemm.</param>
/// <param name="Bias">The bias initializer written.</param>
/// <param name="MeanShift">Mean over output channels of |correction|.</param>
/// <param name="MaxShift">Largest |correction| of any output channel.</param>
internal sealed record BiasCorrectionRecord(string Node, string Bias, double MeanShift, double MaxShift);

/// <summary>
/// Removes the systematic output shift that weight rounding causes: for output channel o,
/// E[(W_q − W)·x]_o = Σ_c Σ_k (W_q − W)[o, c, k] · E[x_c], using the per-channel means of the layer's float input from
/// calibration, and subtracts it from the bias (adding a bias when the layer has none). Border padding is ignored, so
/// the correction is exact for Gemm and for Conv away from the borders.
/// </summary>
internal static class BiasCorrection
{
    /// <summary>The activations whose channel means <see cref="Apply"/> reads for <paramref name="plan"/>: inputs of Conv and Gemm with quantized weights.</summary>
    public static IEnumerable<string> MeasuredInputs(QuantizationPlan plan) =>
        (plan ?? throw new ArgumentNullException(nameof(plan))).Weights
            .Where(w => w.Node.OpType is "Conv" or "Gemm" && w.InputIndex == 1)
            .Select(w => w.Node.Inputs[0]);

    /// <summary>
    /// Corrects the bias of every Conv and Gemm in <paramref name="weights"/> whose input has channel means
    /// (<paramref name="meansOf"/>). Edits <paramref name="graph"/>; returns one record per corrected layer.
    /// </summary>
    public static IReadOnlyList<BiasCorrectionRecord> Apply(OnnxGraph graph, IReadOnlyDictionary<WeightPlan, QuantizedWeight> weights,
        Func<string, ChannelMeans?> meansOf, ExternalDataReader? external = null)
    {
        var records = new List<BiasCorrectionRecord>();
        foreach (var (plan, quantized) in weights)
        {
            var node = plan.Node;
            if (node.OpType is not ("Conv" or "Gemm") || plan.InputIndex != 1 || meansOf(node.Inputs[0]) is not { } means)
                continue;
            if (node.OpType == "Gemm" && node.GetInt("transA", 0) != 0)
                continue;
            var scope = node.Graph; // the layer's own graph: the main graph or an If/Loop/Scan body
            var weightTensor = scope.VisibleInitializer(plan.Initializer)!;
            long[] dims = [.. weightTensor.Dims];
            var error = quantized.Dequantize(dims);
            var original = TensorData.ToFloats(weightTensor, external);
            for (int i = 0; i < error.Length; i++)
                error[i] -= original[i];
            var shift = node.OpType == "Conv" ? ConvShift(error, dims, means.Means, (int)node.GetInt("group", 1)) : GemmShift(error, dims, means.Means, node);
            if (shift is null)
                continue;

            int outputs = shift.Length;
            bool hasBias = node.Inputs.Count > 2 && node.Inputs[2].Length > 0;
            var biasTensor = hasBias ? scope.VisibleInitializer(node.Inputs[2]) : null;
            if (hasBias && (biasTensor is null || TensorData.ElementCount(biasTensor) != outputs || scope.Consumers(node.Inputs[2]).Count != 1))
                continue; // a computed, broadcast or shared bias is left alone
            var bias = biasTensor is null ? new float[outputs] : TensorData.ToFloats(biasTensor, external);
            for (int o = 0; o < outputs; o++)
                bias[o] -= (float)shift[o];
            string name = scope.UniqueName((hasBias ? node.Inputs[2] : node.DisplayName + "_bias") + "_corrected");
            scope.AddInitializer(TensorData.FromFloats(name, [outputs], bias));
            var inputs = node.Inputs.ToList();
            if (inputs.Count < 3) inputs.Add(name);
            else inputs[2] = name;
            scope.SetInputs(node, inputs);
            records.Add(new BiasCorrectionRecord(node.DisplayName, name, shift.Average(Math.Abs), shift.Max(Math.Abs)));
        }
        foreach (var g in graph.AllGraphs().ToList())
            g.RemoveUnusedInitializers();
        return records;
    }

    private static double[]? ConvShift(float[] error, long[] dims, double[] means, int group)
    {
        if (dims.Length < 3)
            return null;
        int outputs = (int)dims[0], inPerGroup = (int)dims[1];
        long kernel = error.Length / ((long)outputs * inPerGroup);
        if (inPerGroup * group != means.Length)
            return null;
        int outPerGroup = outputs / group;
        var shift = new double[outputs];
        for (int o = 0; o < outputs; o++)
        {
            int firstChannel = o / outPerGroup * inPerGroup;
            double sum = 0;
            for (int c = 0; c < inPerGroup; c++)
            {
                long offset = ((long)o * inPerGroup + c) * kernel;
                double e = 0;
                for (long k = 0; k < kernel; k++)
                    e += error[offset + k];
                sum += e * means[firstChannel + c];
            }
            shift[o] = sum;
        }
        return shift;
    }

    private static double[]? GemmShift(float[] error, long[] dims, double[] means, Node node)
    {
        if (dims.Length != 2 || node.GetFloat("beta", 1f) == 0)
            return null;
        bool transB = node.GetInt("transB", 0) == 1;
        int k = (int)(transB ? dims[1] : dims[0]), n = (int)(transB ? dims[0] : dims[1]);
        if (k != means.Length)
            return null;
        // Gemm computes alpha·A·B + beta·C, so a shift in A·B moves C by alpha/beta times as much.
        double factor = node.GetFloat("alpha", 1f) / node.GetFloat("beta", 1f);
        var shift = new double[n];
        for (int j = 0; j < n; j++)
        {
            double sum = 0;
            for (int i = 0; i < k; i++)
                sum += error[transB ? j * k + i : i * n + j] * means[i];
            shift[j] = sum * factor;
        }
        return shift;
    }
}
