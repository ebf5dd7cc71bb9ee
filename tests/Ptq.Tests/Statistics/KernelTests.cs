using Ptq.Statistics.Kernels;

namespace Ptq.Tests.Statistics;

public class KernelTests
{
    private static float[] RandomData(int n, Random rng, double zeroFraction = 0.1)
    {
        var x = new float[n];
        for (int i = 0; i < n; i++)
        {
            x[i] = rng.NextDouble() < zeroFraction ? 0f : (float)((rng.NextDouble() - 0.3) * 10);
        }
        return x;
    }

    [Fact]
    public void SumAndAbsSum_MatchesScalarReference_ForEveryLength()
    {
        var rng = new Random(1234);
        for (int n = 0; n <= 256; n++)
        {
            var x = RandomData(n, rng);
            double sum = 0, abs = 0;
            foreach (float v in x)
            {
                sum += v;
                abs += Math.Abs(v);
            }
            var (s, a) = MomentKernels.SumAndAbsSum(x);
            Assert.Equal(sum, s, 1e-12 * Math.Max(1, abs));
            Assert.Equal(abs, a, 1e-12 * Math.Max(1, abs));
        }
    }

    [Fact]
    public void CenteredSums_MatchesScalarReference_ForEveryLength()
    {
        var rng = new Random(1234);
        for (int n = 0; n <= 256; n++)
        {
            var x = RandomData(n, rng);
            double c = 1.25;
            double sq = 0, abs = 0;
            foreach (float v in x)
            {
                sq += (v - c) * (v - c);
                abs += Math.Abs(v - c);
            }
            var (s, a) = MomentKernels.CenteredSums(x, c);
            Assert.Equal(sq, s, 1e-12 * Math.Max(1, sq));
            Assert.Equal(abs, a, 1e-12 * Math.Max(1, abs));
        }
    }

    [Fact]
    public void CountZeros_MatchesScalarReference_ForEveryLength_AndDetectsNonFiniteAtEveryPosition()
    {
        var rng = new Random(1234);
        for (int n = 0; n <= 256; n++)
        {
            var x = RandomData(n, rng, 0.3);
            if (n > 0)
            {
                x[0] = -0f;
            }
            long zeros = x.Count(v => v == 0f);
            var (z, finite) = MomentKernels.CountZeros(x);
            Assert.Equal(zeros, z);
            Assert.True(finite);
            if (n > 0)
            {
                int pos = rng.Next(n);
                x[pos] = n % 3 == 0 ? float.NaN : n % 3 == 1 ? float.PositiveInfinity : float.NegativeInfinity;
                Assert.False(MomentKernels.CountZeros(x).AllFinite);
            }
        }
    }

    [Fact]
    public void MinMax_IsExactAndFlagsEveryNonFiniteElement_ForEveryLengthAndPosition()
    {
        var rng = new Random(99);
        foreach (int n in new[] { 1, 7, 8, 9, 31, 32, 33, 64, 100 })
        {
            var x = Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 200 - 100)).ToArray();
            var (min, max, finite) = FiniteGuard.MinMax(x);
            Assert.True(finite);
            Assert.Equal(x.Min(), min);
            Assert.Equal(x.Max(), max);
            for (int at = 0; at < n; at++)
            {
                foreach (float bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
                {
                    var y = (float[])x.Clone();
                    y[at] = bad;
                    Assert.False(FiniteGuard.MinMax(y).Finite, $"n={n} at={at} value={bad}");
                }
            }
        }
    }

    [Fact]
    public void HistogramKernel_MatchesScalarIndex_ForEveryLength()
    {
        var rng = new Random(1234);
        const int bins = 64;
        float inv = 1f / 0.25f; // width 2^-2
        float origin = -32;
        foreach (int n in Enumerable.Range(0, 257).Append(1000).Append(4099)) // long ones drain the packed-index buffer
        {
            // Values beyond ±8 (the grid) check the clamp; runs of zeros (ReLU outputs) take the kernel's zero shortcut.
            var x = Enumerable.Range(0, n).Select(j => j % 40 < 20 ? 0f : (float)((rng.NextDouble() - 0.5) * 18)).ToArray();
            var scratch = new int[HistogramKernel.Lanes * bins];
            HistogramKernel.Accumulate(x, inv, origin, bins, scratch);
            var expected = new int[bins];
            foreach (float v in x)
            {
                int i = (int)Math.Clamp(Math.Floor(v / 0.25) + 32, 0, bins - 1);
                expected[i]++;
            }
            var actual = new int[bins];
            for (int lane = 0; lane < HistogramKernel.Lanes; lane++)
            {
                for (int i = 0; i < bins; i++)
                {
                    actual[i] += scratch[lane * bins + i];
                }
            }
            Assert.Equal(expected, actual);
        }
    }

    [Theory]
    [InlineData(-3.0, 5.0, 16, false, 0)]   // w=0.5: floor(10)-floor(-6)=16 > 15; w=1: 5-(-3)=8 fits
    [InlineData(-3.0, 5.0, 16, true, 0)]    // w=0.5: floor(-10) < -8; w=1: -5 >= -8 and 5 <= 7
    [InlineData(0.0, 0.0, 2048, true, HistogramGrid.MinExponent)]
    [InlineData(0.0, 1.0, 2048, true, -9)]  // w=2^-10: floor(1024) > 1023; w=2^-9: 512 fits
    [InlineData(1000.0, 1000.5, 16, false, -4)] // w=2^-5: 32016-32000=16 > 15; w=2^-4: 8 fits
    public void ChooseExponent_IsSmallestFittingPowerOfTwo(double lo, double hi, int bins, bool symmetric, int expected)
    {
        int e = HistogramGrid.ChooseExponent(lo, hi, bins, symmetric);
        Assert.Equal(expected, e);
    }
}
