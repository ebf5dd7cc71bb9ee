using System.Globalization;
using Ptq.Graph;
using Ptq.Onnx;
using Ptq.Passes;
using Ptq.Quantization.Blockwise;
using Ptq.Runtime;

namespace Ptq.Pipeline.Reconstruction;

/// <summary>
/// AWQ (Lin et al., activation-aware weight quantization) for block-wise weights: the input channels that carry large
/// activations matter most, so their weight rows are scaled up by s_j = m_j^α before rounding (and the activation
/// divided by s_j, folded into the producing LayerNormalization or linear layer as <see cref="SmoothQuant"/> folds),
/// which gives them relatively finer codes. m_j is channel j's RMS on the calibration samples; α is searched per
/// activation on a grid of 0 … 1 for the least output error Σ (Ŵ − W)·H·(Ŵ − W)ᵀ of its readers with round-to-nearest
/// blocks, where H = Σ x·xᵀ is the Gram matrix of the inputs (α = 0 is plain round to nearest, so the search never
/// does worse on the samples). Then every layer's blocks get AWQ's clip search (<see cref="BlockClipSearch"/>) on the
/// inputs as scaled. One pass over the float model: scaling keeps the float function, so the inputs of later layers do
/// not change.
/// </summary>
internal static class AwqPass
{
    private const int GridPoints = 20;

    /// <summary>
    /// Scales the weights and producers of every activation of <paramref name="graph"/> (the model's; edited in place)
    /// that <see cref="SmoothQuant.Find"/> can fold, searching α on <paramref name="samples"/>. Readers whose scheme
    /// <paramref name="schemeOf"/> gives as null (kept float, or quantized elsewhere) do not count in the error; an
    /// activation with none counted is left alone. Returns the codes of every counted reader and other MatMul/Gemm with a
    /// scheme, by node name.
    /// </summary>
    public static Dictionary<string, BlockQuantizedRows> Apply(OnnxModel model, OnnxGraph graph, Func<Node, BlockScheme?> schemeOf,
        IReadOnlyList<IReadOnlyDictionary<string, TensorValue>> samples, IProgress<string>? log, CancellationToken cancellationToken = default)
    {
        if (samples.Count == 0)
            throw new SettingException(SettingName.WeightMethod, $"{SettingName.WeightMethod} awq searches weight scales on calibration samples; give {SettingName.Data}");
        var plan = SmoothQuant.Find(graph);
        var groups = plan.Groups.Where(g => g.Consumers.Any(c => schemeOf(c) is not null)).ToList();
        var layers = graph.TopologicalOrder().Where(n => n.IsStandard && n.OpType is "MatMul" or "Gemm" && schemeOf(n) is not null)
            .Select(n => (Node: n, Weight: BlockMatMulWeight.Read(graph, n, model.External))).Where(l => l.Weight is not null).ToList();
        var widths = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (node, weight) in layers)
            widths[node.Inputs[0]] = weight!.K;
        var grams = BlockGptqPass.Collect(model, [.. widths.Keys], widths, samples, cancellationToken);
        foreach (var group in groups)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int k = widths[group.Activation];
            var hessian = grams[group.Activation];
            var magnitude = Enumerable.Range(0, k).Select(j => Math.Sqrt(Math.Max(hessian[j * k + j], 0))).ToArray();
            var readers = group.Consumers.Where(c => schemeOf(c) is not null)
                .Select(c => (Weight: BlockMatMulWeight.Read(graph, c, model.External)!, Scheme: schemeOf(c)!.Value)).ToList();
            double best = double.PositiveInfinity, nearest = 0, bestAlpha = 0;
            float[] bestScales = [];
            for (int step = 0; step <= GridPoints; step++)
            {
                double alpha = (double)step / GridPoints;
                var scales = Scales(magnitude, alpha);
                double error = readers.Sum(l => Error(l.Weight, l.Scheme, scales, hessian));
                if (step == 0)
                    nearest = error;
                if (error < best)
                    (best, bestAlpha, bestScales) = (error, alpha, scales);
            }
            if (bestAlpha > 0)
            {
                SmoothQuant.Migrate(graph, group, bestScales, model.External);
                // The readers now see x / s: their Gram matrix is diag(1/s)·H·diag(1/s).
                for (int i = 0; i < k; i++)
                    for (int j = 0; j < k; j++)
                        hessian[i * k + j] /= (double)bestScales[i] * bestScales[j];
            }
            log?.Report(string.Create(CultureInfo.InvariantCulture,
                $"awq '{group.Activation}' ({group.Consumers.Count} reader(s)): α {bestAlpha:0.00}, output error {(nearest > 0 ? best / nearest : 1):P0} of round-to-nearest"));
        }
        foreach (var refusal in plan.Refused)
            log?.Report($"awq left '{refusal.Activation}' unscaled: {refusal.Reason}");
        var codes = new Dictionary<string, BlockQuantizedRows>(StringComparer.Ordinal);
        foreach (var (node, _) in layers)
        {
            var weight = BlockMatMulWeight.Read(graph, node, model.External)!; // as scaled
            codes[node.Name] = BlockClipSearch.Quantize(weight.Rows, weight.N, weight.K, schemeOf(node)!.Value, grams[node.Inputs[0]], weight.Name);
        }
        return codes;
    }

    /// <summary>s_j = m_j^α, normalized so that the largest and smallest multiply to 1 (the reference implementation's).</summary>
    private static float[] Scales(double[] magnitude, double alpha)
    {
        var s = magnitude.Select(m => Math.Pow(Math.Max(m, 1e-8), alpha)).ToArray();
        double norm = Math.Sqrt(s.Max() * s.Min());
        return [.. s.Select(v => (float)(v / norm))];
    }

    /// <summary>The output error of a reader when its rows are scaled by s, rounded to nearest in blocks, and scaled back.</summary>
    private static double Error(BlockMatMulWeight weight, BlockScheme scheme, float[] scales, double[] hessian)
    {
        int k = weight.K;
        var scaled = new float[weight.Rows.Length];
        for (int i = 0; i < scaled.Length; i++)
            scaled[i] = weight.Rows[i] * scales[i % k];
        var dequantized = BlockQuantizer.Quantize(scaled, weight.N, k, scheme, BlockMethod.Rtn, weight.Name).Dequantize();
        for (int i = 0; i < dequantized.Length; i++)
            dequantized[i] /= scales[i % k];
        return BlockGptqPass.OutputError(weight.Rows, dequantized, hessian, k);
    }
}
