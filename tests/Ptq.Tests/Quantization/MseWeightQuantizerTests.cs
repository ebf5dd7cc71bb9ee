using Ptq.Quantization;

namespace Ptq.Tests.Quantization;

public class MseWeightQuantizerTests
{
    private static double SquaredError(float[] weights, QuantizedWeight q, long[] dims)
    {
        var restored = q.Dequantize(dims);
        return weights.Select((w, i) => (double)(w - restored[i]) * (w - restored[i])).Sum();
    }

    [Theory]
    [InlineData(4)]
    [InlineData(8)]
    public void ClippingOutliersLowersTheErrorAndNeverRaisesIt(int bits)
    {
        var random = new Random(21);
        long[] dims = [8, 64];
        var weights = new float[8 * 64];
        for (int i = 0; i < weights.Length; i++)
            weights[i] = (float)(Math.Log(random.NextDouble()) * (random.Next(2) * 2 - 1) * 0.05); // Laplace, b = 0.05
        for (int c = 0; c < 8; c++)
            weights[c * 64] = 1.0f; // one outlier per channel, 20 b out
        var scheme = new QuantScheme(bits, QuantMode.Symmetric, NarrowRange: true);

        var minMax = WeightQuantizer.MinMax("w", weights, dims, scheme, axis: 0);
        var mse = MseWeightQuantizer.Quantize("w", weights, dims, scheme, axis: 0);
        double minMaxError = SquaredError(weights, minMax, dims), mseError = SquaredError(weights, mse, dims);

        Assert.True(mseError <= minMaxError, $"mse {mseError} vs minmax {minMaxError}");
        if (bits == 4)
        {
            Assert.True(mseError < 0.97 * minMaxError, $"at 4 bits clipping the outlier should pay: mse {mseError} vs minmax {minMaxError}");
            Assert.All(mse.Parameters.Scales.Zip(minMax.Parameters.Scales), p => Assert.True(p.First < p.Second));
        }
    }
}
