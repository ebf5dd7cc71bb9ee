using Ptq.Statistics;

namespace Ptq.Tests.Calibration;

internal static class EstimatorTestData
{
    public static TensorStats Collect(string name, IEnumerable<float[]> batches, int bins = 2048, HistogramRangeMode mode = HistogramRangeMode.Symmetric)
    {
        var s = new TensorStatistics(name, new StatisticsOptions { HistogramBins = bins, HistogramMode = mode });
        foreach (var b in batches)
        {
            s.Observe(b);
        }
        return s.ToStats();
    }

    public static IEnumerable<float[]> Chunks(float[] all, int size = 10_000)
    {
        for (int i = 0; i < all.Length; i += size)
        {
            yield return all[i..Math.Min(all.Length, i + size)];
        }
    }

    public static float[] Laplace(int n, double b, Random rng) => Enumerable.Range(0, n).Select(_ =>
    {
        double u = rng.NextDouble() - 0.5;
        return (float)(-b * Math.Sign(u) * Math.Log(1 - 2 * Math.Abs(u)));
    }).ToArray();

    public static float[] Gauss(int n, double sigma, Random rng) => Enumerable.Range(0, n).Select(_ =>
    {
        double u1 = 1 - rng.NextDouble(), u2 = rng.NextDouble();
        return (float)(sigma * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
    }).ToArray();

    /// <summary>Independent 1-D minimizer (ternary search) for analytic optima.</summary>
    public static double ArgMin(Func<double, double> f, double a, double b)
    {
        for (int k = 0; k < 300; k++)
        {
            double m1 = a + (b - a) / 3, m2 = b - (b - a) / 3;
            if (f(m1) < f(m2)) b = m2; else a = m1;
        }
        return (a + b) / 2;
    }
}
