using Ptq.Quantization;

namespace Ptq.Tests.Quantization;

public class AdmmWeightQuantizerTests
{
    [Theory]
    [InlineData(4)]
    [InlineData(8)]
    public void LeastSquaresScalesNeverLoseToMinMax(int bits)
    {
        var random = new Random(33);
        long[] dims = [16, 72];
        var weights = new float[16 * 72];
        for (int i = 0; i < weights.Length; i++)
            weights[i] = (float)(Math.Log(random.NextDouble()) * (random.Next(2) * 2 - 1) * 0.02);
        var scheme = new QuantScheme(bits, QuantMode.Symmetric, NarrowRange: true);

        double Error(QuantizedWeight q)
        {
            var restored = q.Dequantize(dims);
            return weights.Select((w, i) => (double)(w - restored[i]) * (w - restored[i])).Sum();
        }

        double minMax = Error(WeightQuantizer.MinMax("w", weights, dims, scheme, 0));
        double admm = Error(AdmmWeightQuantizer.Quantize("w", weights, dims, scheme, 0));
        Assert.True(admm <= minMax, $"admm {admm} vs minmax {minMax}");
        if (bits == 4)
            Assert.True(admm < 0.95 * minMax, $"at 4 bits the fitted scale should clearly help: admm {admm} vs minmax {minMax}");
    }
}
