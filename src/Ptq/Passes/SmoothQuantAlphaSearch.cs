using System.Numerics.Tensors;
using Ptq.Graph;
using Ptq.Onnx;
using Ptq.Quantization;
using Ptq.Quantization.Reconstruction;
using Ptq.Statistics;

namespace Ptq.Passes;

/// <summary>
/// Rows of one activation (row-major, the channel last) from several samples, <see cref="RowsPerSample"/> of each in order:
/// dynamic quantization takes its range per sample.
/// </summary>
internal sealed record ActivationRows(float[] Values, int[] RowsPerSample);

/// <summary>
/// SmoothQuant's α chosen per activation against its readers' output: for each group of <see cref="SmoothQuant.Find"/>,
/// the activation rows of calibration samples go through every reader twice, in float and quantized as the static
/// quantizer will (the divided activation per tensor on its smoothed calibration range, the scaled weights with the
/// weight scheme), and the α of <see cref="Candidates"/> with the smallest squared output error wins; leaving the group
/// unsmoothed is a candidate too. One α for the whole model is a compromise between layers whose outliers differ. With
/// dynamic ranges the activation is quantized on each sample's own range instead, as ONNX Runtime's dynamic quantization does.
/// </summary>
internal static class SmoothQuantAlphaSearch
{
    /// <summary>
    /// The α values tried for each group, besides leaving it unsmoothed. α 1 (the activation flattened completely, every
    /// outlier moved into the weights) is left out: the layer's own error can favour it while the model's loss suffers
    /// (char-gpt: perplexity +0.81 % with it in the grid, +0.49 % without).
    /// </summary>
    public static IReadOnlyList<double> Candidates { get; } = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

    /// <summary>
    /// The chosen α of each group of <paramref name="plan"/> that has extents and rows (null: best left unsmoothed), from
    /// <paramref name="rowsOf"/>'s activation rows. <paramref name="activationScheme"/> gives each activation's scheme, quantized
    /// on its calibration range or, with <paramref name="dynamicRanges"/>, on each sample's own; <paramref name="weights"/> is
    /// the weights' scheme (per output column when <paramref name="perChannelWeights"/>).
    /// </summary>
    public static Dictionary<string, double?> Choose(OnnxGraph graph, SmoothingPlan plan, Func<string, PerChannelRange?> extentsOf,
        Func<string, ActivationRows?> rowsOf, Func<string, QuantScheme> activationScheme, QuantScheme weights, bool perChannelWeights,
        bool dynamicRanges, ExternalDataReader? external)
    {
        var chosen = new Dictionary<string, double?>(StringComparer.Ordinal);
        foreach (var group in plan.Groups)
        {
            if (extentsOf(group.Activation) is not { } extents || rowsOf(group.Activation) is not { Values.Length: > 0 } x)
                continue;
            int n = extents.Max.Count;
            var readers = group.Consumers.Select(c => SmoothQuant.WeightMatrix(graph, c, external)).ToList();
            var layer = new Layer(x, n, dynamicRanges ? null : extents, readers, activationScheme(group.Activation), weights, perChannelWeights);
            var weightMax = SmoothQuant.WeightMaxima(graph, group, n, external);
            double? best = null;
            double bestError = layer.Error(Enumerable.Repeat(1f, n).ToArray());
            foreach (double alpha in Candidates)
            {
                double error = layer.Error(SmoothQuant.Scales(extents, weightMax, alpha));
                if (error < bestError)
                    (best, bestError) = (alpha, error);
            }
            chosen[group.Activation] = best;
        }
        return chosen;
    }

    /// <summary>One group's rows and readers, with their float outputs.</summary>
    private sealed class Layer
    {
        private readonly float[] _x;
        private readonly int[] _rowsPerSample;
        private readonly int _rows, _channels;
        private readonly PerChannelRange? _extents;
        private readonly List<(float[] Matrix, int Rows, int Columns)> _readers;
        private readonly List<float[]> _reference;
        private readonly QuantScheme _activation, _weights;
        private readonly bool _perChannel;

        // extents: the calibration extents the activation's range comes from, or null for a range per sample.
        public Layer(ActivationRows x, int channels, PerChannelRange? extents, List<(float[] Matrix, int Rows, int Columns)> readers,
            QuantScheme activation, QuantScheme weights, bool perChannel)
        {
            (_x, _rowsPerSample, _channels, _extents, _readers, _activation, _weights, _perChannel) = (x.Values, x.RowsPerSample, channels, extents, readers, activation, weights, perChannel);
            _rows = _x.Length / channels;
            _reference = [.. readers.Select(r =>
            {
                var y = new float[_rows * r.Columns];
                MatrixKernels.Multiply(_x, r.Matrix, y, _rows, channels, r.Columns);
                return y;
            })];
        }

        /// <summary>Σ over readers of ‖X·W − Q(X/s)·Q(s·W)‖².</summary>
        public double Error(float[] scales)
        {
            var xq = new float[_x.Length];
            for (int i = 0; i < xq.Length; i++)
                xq[i] = _x[i] / scales[i % _channels];
            if (_extents is not null)
                Quantize(xq, SmoothQuant.SmoothedRange(_extents, scales));
            else
                for (int s = 0, start = 0; s < _rowsPerSample.Length; start += _rowsPerSample[s++] * _channels)
                {
                    var block = xq.AsSpan(start, _rowsPerSample[s] * _channels);
                    if (!block.IsEmpty)
                        Quantize(block, new FloatRange(Math.Min(0, TensorPrimitives.Min(block)), Math.Max(0, TensorPrimitives.Max(block))));
                }
            double total = 0;
            for (int r = 0; r < _readers.Count; r++)
            {
                var (matrix, rows, columns) = _readers[r];
                var scaled = new float[matrix.Length];
                for (int i = 0; i < scaled.Length; i++)
                    scaled[i] = matrix[i] * scales[i / columns];
                var quantized = WeightQuantizer.MinMax("smoothing candidate", scaled, [rows, columns], _weights, _perChannel ? 1 : null);
                var wq = quantized.Dequantize([rows, columns]);
                var y = new float[_rows * columns];
                MatrixKernels.Multiply(xq, wq, y, _rows, rows, columns);
                var reference = _reference[r];
                for (int i = 0; i < y.Length; i++)
                {
                    double d = y[i] - reference[i];
                    total += d * d;
                }
            }
            return total;
        }

        private void Quantize(Span<float> values, FloatRange range)
        {
            var p = QuantParams.FromRange(range.Min, range.Max, _activation);
            foreach (ref float v in values)
                v = p.Dequantize(p.Quantize(v));
        }
    }
}
