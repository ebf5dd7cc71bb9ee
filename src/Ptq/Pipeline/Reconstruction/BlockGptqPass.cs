using System.Diagnostics;
using System.Globalization;
using Ptq.Graph;
using Ptq.Onnx;
using Ptq.Quantization.Blockwise;
using Ptq.Quantization.Reconstruction;
using Ptq.Runtime;

namespace Ptq.Pipeline.Reconstruction;

/// <summary>A MatMul/Gemm to quantize block-wise with GPTQ: its node, weight and block scheme.</summary>
internal sealed record BlockGptqLayer(Node Node, BlockMatMulWeight Weight, BlockScheme Scheme);

/// <summary>
/// GPTQ for block-wise (MatMulNBits) weights with calibration samples, streamed stage by stage in graph order: a stage's
/// layers (none feeding another) get the Gram matrix H = Σ x·xᵀ of their inputs from the model in which every earlier
/// stage already holds its dequantized codes, so each layer also makes up for the rounding upstream; then
/// <see cref="BlockGptq"/> chooses their codes. Beyond the model, memory is one K × K Gram matrix per layer of the stage
/// and one sample's activations.
/// </summary>
internal static class BlockGptqPass
{
    private const int ChunkRows = 256;

    /// <summary>
    /// The codes of every layer of <paramref name="layers"/> (nodes of <paramref name="graph"/>, the prepared model's;
    /// not modified), by node name, from <paramref name="samples"/>. Reports each layer's output error relative to round
    /// to nearest on the same inputs to <paramref name="log"/>.
    /// </summary>
    public static Dictionary<string, BlockQuantizedRows> Run(OnnxModel model, OnnxGraph graph, IReadOnlyList<BlockGptqLayer> layers,
        IReadOnlyList<IReadOnlyDictionary<string, TensorValue>> samples, bool actOrder, IProgress<string>? log, CancellationToken cancellationToken = default)
    {
        if (samples.Count == 0)
            throw new SettingException(SettingName.WeightMethod, $"{SettingName.WeightMethod} gptq reconstructs weights from calibration samples; give {SettingName.Data}");
        var work = OnnxGraph.FromModel(model, promoteConstants: false);
        var results = new Dictionary<string, BlockQuantizedRows>(StringComparer.Ordinal);
        foreach (var stage in WeightReconstruction.Stages(graph, layers, l => l.Node))
        {
            var inputs = stage.Select(l => l.Node.Inputs[0]).Distinct(StringComparer.Ordinal).ToList();
            var grams = Collect(WithGraph(model, work), inputs, stage.ToDictionary(l => l.Node.Inputs[0], l => l.Weight.K, StringComparer.Ordinal), samples, cancellationToken);
            foreach (var layer in stage)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var clock = Stopwatch.StartNew();
                var (weight, scheme) = (layer.Weight, layer.Scheme);
                var hessian = grams[layer.Node.Inputs[0]];
                var q = BlockGptq.Quantize(weight.Rows, weight.N, weight.K, scheme, GptqKernel.Factor(hessian, weight.K, actOrder), weight.Name);
                results[layer.Node.Name] = q;
                var dequantized = q.Dequantize();
                work.ReplaceInitializer(weight.InLayoutOf(layer.Node, dequantized));
                var nearest = BlockQuantizer.Quantize(weight.Rows, weight.N, weight.K, scheme, BlockMethod.Rtn, weight.Name).Dequantize();
                double error = OutputError(weight.Rows, dequantized, hessian, weight.K), nearestError = OutputError(weight.Rows, nearest, hessian, weight.K);
                log?.Report(string.Create(CultureInfo.InvariantCulture,
                    $"gptq {layer.Node.Name}: {weight.N}×{weight.K} in blocks of {scheme.BlockSize}, output error {(nearestError > 0 ? error / nearestError : 0):P0} of round-to-nearest ({clock.ElapsedMilliseconds} ms)"));
            }
        }
        return results;
    }

    /// <summary>Σ x·xᵀ of each input (its last axis, <paramref name="widths"/> values) over every position of every sample.</summary>
    internal static Dictionary<string, double[]> Collect(OnnxModel model, List<string> inputs, Dictionary<string, int> widths,
        IReadOnlyList<IReadOnlyDictionary<string, TensorValue>> samples, CancellationToken cancellationToken)
    {
        var slice = ModelSlice.Upstream(model, inputs);
        using var runner = slice.Proto.Graph.Output.Count == 0 ? null : new OrtRunner(slice, new RunnerOptions { IntraOpSpinning = false });
        var grams = inputs.ToDictionary(i => i, i => new double[widths[i] * widths[i]], StringComparer.Ordinal);
        foreach (var feeds in samples)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var outputs = runner?.RunBorrowed(feeds, inputs.Where(i => !feeds.ContainsKey(i)).ToList());
            foreach (string input in inputs)
            {
                var values = feeds.TryGetValue(input, out var fed) ? fed.ToFloats() : outputs![input].AsFloatSpan().ToArray();
                Accumulate(values, widths[input], grams[input]);
            }
        }
        return grams;
    }

    private static void Accumulate(float[] values, int width, double[] gram)
    {
        if (values.Length % width != 0)
            throw new PtqException($"gptq: a layer input of {values.Length} values is not a whole number of rows of {width}");
        var product = new float[width * width];
        var scratch = new float[ChunkRows * width];
        var chunk = new float[ChunkRows * width];
        int rows = values.Length / width;
        for (int start = 0; start < rows; start += ChunkRows)
        {
            int count = Math.Min(ChunkRows, rows - start);
            values.AsSpan(start * width, count * width).CopyTo(chunk);
            Array.Clear(product);
            MatrixKernels.MultiplyTransposedLeft(chunk, chunk, product, count, width, width, scratch);
            for (int i = 0; i < product.Length; i++)
                gram[i] += product[i];
        }
    }

    /// <summary>Σ over rows of (ŵ − w)·H·(ŵ − w)ᵀ: the squared output error on the collected inputs.</summary>
    internal static double OutputError(float[] weights, float[] quantized, double[] hessian, int k)
    {
        double total = 0;
        var d = new double[k];
        for (int r = 0; r < weights.Length / k; r++)
        {
            for (int i = 0; i < k; i++)
                d[i] = quantized[r * k + i] - weights[r * k + i];
            for (int i = 0; i < k; i++)
            {
                double s = 0;
                for (int j = 0; j < k; j++)
                    s += hessian[i * k + j] * d[j];
                total += d[i] * s;
            }
        }
        return total;
    }

    private static OnnxModel WithGraph(OnnxModel source, OnnxGraph graph)
    {
        var proto = source.Proto.Clone();
        proto.Graph = graph.ToProto();
        return new OnnxModel(proto, source.External?.BaseDirectory, source.SourcePath);
    }
}
