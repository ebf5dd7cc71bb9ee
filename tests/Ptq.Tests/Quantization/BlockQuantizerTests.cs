using Ptq.Quantization.Blockwise;

namespace Ptq.Tests.Quantization;

/// <summary>The block kernels: round to nearest (ORT's MLAS parameters) and HQQ's zero-point fit.</summary>
public sealed class BlockQuantizerTests
{
    [Fact]
    public void SymmetricBlocksPutTheLargestMagnitudeOnTheMostNegativeCode()
    {
        var scheme = new BlockScheme(4, 16, Symmetric: true);
        float[] values = [0.5f, -0.25f, 2f, 0.125f, 1f, -1f, 0.75f, 0, 0, 0, 0, 0, 0, 0, 0, 0.3f];
        var codes = new byte[16];

        var (scale, zero) = RtnBlock.Quantize(values, scheme, codes);

        Assert.Equal((-0.25f, 8f), (scale, zero)); // 2 / −8: the extreme is positive, so the scale is negative
        Assert.Equal(0, codes[2]); // 2 = (0 − 8) · −0.25 exactly
        for (int i = 0; i < values.Length; i++)
            Assert.InRange(Math.Abs((codes[i] - zero) * scale - values[i]), 0, 0.125f + 1e-6f);
        Assert.Equal(RtnBlock.MinScale, RtnBlock.Quantize(new float[16], scheme, codes).Scale); // all zero: a valid scale
    }

    [Fact]
    public void AsymmetricBlocksCoverTheirRangeWithZeroExact()
    {
        var scheme = new BlockScheme(4, 32, Symmetric: false);
        var random = new Random(7);
        float[] values = [.. Enumerable.Range(0, 20).Select(_ => (float)random.NextDouble() * 3 - 0.5f)];
        var codes = new byte[32];

        var (scale, zero) = RtnBlock.Quantize(values, scheme, codes);

        Assert.Equal((values.Max() - Math.Min(values.Min(), 0)) / 15, scale, 6);
        Assert.Equal(zero, MathF.Round(zero));
        for (int i = 0; i < values.Length; i++)
            Assert.InRange(Math.Abs((codes[i] - zero) * scale - values[i]), 0, scale / 2 + 1e-6f);
        Assert.All(codes[20..], c => Assert.Equal((byte)zero, c)); // padding past the values dequantizes to 0
    }

    [Fact]
    public void HqqLowersTheLpErrorOfBlocksWithOutliers()
    {
        // Laplace-like weights with an occasional outlier, the case HQQ's sparse error norm is for; p = 0.7 as in HQQ.
        var scheme = new BlockScheme(4, 32, Symmetric: false);
        var random = new Random(11);
        double rtn = 0, hqq = 0;
        int fractional = 0;
        for (int block = 0; block < 400; block++)
        {
            float[] values = [.. Enumerable.Range(0, 32).Select(_ => (float)(Math.Log(random.NextDouble()) * (random.Next(2) * 2 - 1) * 0.02))];
            values[random.Next(32)] *= 6;
            var codes = new byte[32];
            var (s1, z1) = RtnBlock.Quantize(values, scheme, codes);
            rtn += LpError(values, codes, s1, z1);
            var (s2, z2) = HqqBlock.Quantize(values, scheme, codes);
            hqq += LpError(values, codes, s2, z2);
            Assert.Equal(s1, s2); // HQQ keeps the min-max scale
            if (z2 != MathF.Round(z2)) fractional++;
        }
        Assert.True(hqq < 0.97 * rtn, $"HQQ lp error {hqq:G4} vs RTN {rtn:G4}");
        Assert.True(fractional > 300, $"{fractional} of 400 zero points are fractional");
        Assert.Throws<ArgumentException>(() => HqqBlock.Quantize(new float[16], new BlockScheme(4, 16, true), new byte[16]));
    }

    [Fact]
    public void RowsAreQuantizedBlockByBlockWithTheLastBlockPadded()
    {
        var random = new Random(3);
        float[] values = [.. Enumerable.Range(0, 3 * 40).Select(_ => (float)random.NextDouble() - 0.5f)];

        var q = BlockQuantizer.Quantize(values, 3, 40, new BlockScheme(8, 16, Symmetric: false), BlockMethod.Rtn, "w");

        Assert.Equal((3, 48, 9), (q.BlockCount, q.Codes.Length / 3, q.Scales.Length));
        float[] back = q.Dequantize();
        for (int i = 0; i < values.Length; i++)
            Assert.InRange(Math.Abs(back[i] - values[i]), 0, q.Scales[(i / 40) * 3 + (i % 40) / 16] / 2 + 1e-6);
        var bad = (float[])values.Clone();
        bad[5] = float.NaN;
        Assert.Contains("'w' holds NaN at element 5", Assert.Throws<PtqException>(() => BlockQuantizer.Quantize(bad, 3, 40, new BlockScheme(4, 16, false), BlockMethod.Rtn, "w")).Message);
        Assert.Throws<PtqException>(() => new BlockScheme(3, 32, false).Validate());
        Assert.Throws<PtqException>(() => new BlockScheme(4, 24, false).Validate());
    }

    private static double LpError(float[] values, byte[] codes, float scale, float zero) =>
        values.Select((v, i) => Math.Pow(Math.Abs(v - (codes[i] - zero) * scale), 0.7)).Sum();
}
