using Ptq.Evaluation;

namespace Ptq.Reports;

/// <summary>
/// The error an activation's own QuantizeLinear → DequantizeLinear adds, measured on its float values: what the pair does
/// when every earlier layer is float. Each value becomes <c>(clamp(round(x / scale) + zp, qmin, qmax) − zp) · scale</c> of
/// its channel (rounding half to even, as the runtime does); streams Σ x², Σ (x − q(x))², the part of that error from
/// saturated values (see <see cref="ClipCounter"/>), and the counts. NaN values count as saturated and add no energy.
/// </summary>
internal sealed class OwnQuantizationError(QdqLink link)
{
    private double _signal, _error, _clipError;
    private long _count, _clipped;

    /// <summary>Adds one sample; <paramref name="shape"/> locates each value's channel for per-channel parameters.</summary>
    public void Add(ReadOnlySpan<float> values, IReadOnlyList<long> shape) => ClipCounter.ForEachChannel(values, shape, link, AddChannel);

    /// <summary>SQNR of the float values against their own quantization, in dB; NaN when empty.</summary>
    public double SqnrDb => _count == 0 ? double.NaN : Sqnr.FromEnergies(_signal, _error);

    /// <summary>Fraction of values saturated (NaN when empty).</summary>
    public double Clip => _count == 0 ? double.NaN : (double)_clipped / _count;

    /// <summary>Share of the error energy that saturated values cause (0 when there is no error).</summary>
    public double ClipErrorShare => _error > 0 ? _clipError / _error : 0;

    private void AddChannel(ReadOnlySpan<float> values, int channel)
    {
        float scale = link.Scales[channel];
        double zeroPoint = link.ZeroPoints[channel];
        foreach (float v in values)
        {
            _count++;
            double code = MathF.Round(v / scale, MidpointRounding.ToEven) + zeroPoint;
            if (code >= link.QMin && code <= link.QMax)
            {
                double e = v - (float)((code - zeroPoint) * scale);
                _error += e * e;
            }
            else
            {
                _clipped++;
                if (float.IsNaN(v)) continue;
                double e = v - (float)((Math.Clamp(code, link.QMin, link.QMax) - zeroPoint) * scale);
                _error += e * e;
                _clipError += e * e;
            }
            _signal += (double)v * v;
        }
    }
}
