using Ptq.Reports;

namespace Ptq.Tests.Reports;

/// <summary>The debug statistics against hand-computed values.</summary>
public sealed class DebugMetricsTests
{
    [Theory]
    [InlineData(new float[] { 9, 1, 8, 2, 7, 3, 6, 4, 5 }, 3.0, 5.0, 7.0)]
    [InlineData(new float[] { 4, 3, 2, 1 }, 1.75, 2.5, 3.25)] // numpy: h = q·(n−1) → 0.75, 1.5, 2.25
    [InlineData(new float[] { -2 }, -2.0, -2.0, -2.0)]
    public void QuartilesOfAKnownListAreExact(float[] values, double q1, double median, double q3)
    {
        var accumulator = new TensorAccumulator();
        accumulator.Add(values);

        var s = accumulator.ToSummary();

        Assert.Equal(q1, s.Q1, 12);
        Assert.Equal(median, s.Median, 12);
        Assert.Equal(q3, s.Q3, 12);
        Assert.True(s.QuartilesExact);
    }

    [Fact]
    public void SummaryMomentsAndSparsityMatchHandComputedValues()
    {
        var accumulator = new TensorAccumulator();
        accumulator.Add([0, 0, 1]);
        accumulator.Add([2, 3, 4]); // streamed in two samples

        var s = accumulator.ToSummary();

        Assert.Equal(6, s.Count);
        Assert.Equal(0, s.Min);
        Assert.Equal(4, s.Max);
        Assert.Equal(10.0 / 6, s.Mean, 12);
        Assert.Equal((30.0 / 6) - (100.0 / 36), s.Var, 12); // E[x²] − mean²
        Assert.Equal(2.0 / 6, s.Sparsity, 12);
    }

    [Fact]
    public void ReservoirKeepsBoundedMemoryAndIsReproducible()
    {
        var a = new QuantileReservoir(capacity: 1000);
        var b = new QuantileReservoir(capacity: 1000);
        var values = Enumerable.Range(0, 100_000).Select(i => i / 100_000f).ToArray();
        for (int i = 0; i < values.Length; i += 7919)
        {
            var chunk = values.AsSpan(i, Math.Min(7919, values.Length - i));
            a.Add(chunk);
            b.Add(chunk);
        }

        Assert.False(a.IsExact);
        Assert.Equal(100_000, a.Seen);
        Assert.Equal(1000, a.Sample.Length);
        Assert.True(a.Sample.SequenceEqual(b.Sample));
        double[] q = a.Quantiles(0.25, 0.5, 0.75);
        Assert.InRange(q[0], 0.20, 0.30);
        Assert.InRange(q[1], 0.45, 0.55);
        Assert.InRange(q[2], 0.70, 0.80);
    }

    [Fact]
    public void ClipCountsValuesQuantizeLinearSaturates()
    {
        // uint8, scale 0.1, zero point 0: range [0, 25.5]; 25.54 rounds to code 255 (kept), 25.56 to 256 (clipped).
        var link = Link(QdqLinkKind.Activation, [0.1f], [0], 0, 255);
        float[] values = [-1, 0, 10, 25.5f, 25.54f, 25.56f, 30, float.NaN];

        Assert.Equal(4, ClipCounter.Count(values, [8], link));
        Assert.Equal(new FloatRange(0f, 25.5f), link.RangeOf(0));
    }

    [Fact]
    public void PerChannelClipUsesEachChannelsScale()
    {
        // int8 per-channel on axis 0: channel 0 scale 1 → [−128, 127]; channel 1 scale 0.5 → [−64, 63.5].
        var link = Link(QdqLinkKind.Weight, [1f, 0.5f], [0, 0], -128, 127) with { Axis = 0, Dims = [2, 3] };
        float[] values = [0, 127, 200, 63.5f, 64, -70];

        Assert.Equal(3, ClipCounter.Count(values, [2, 3], link)); // 200; 64 → code 128; −70 → code −140
    }

    [Fact]
    public void IdenticalTensorsHaveCosineOneAndInfiniteSqnr()
    {
        var pair = new PairAccumulator();
        pair.Add([1, 2, 3], [1, 2, 3]);
        pair.Add([0, 5, 7], [0, 5, 7]);

        Assert.Equal(1.0, pair.Cosine);
        Assert.Equal(double.PositiveInfinity, pair.SqnrDb);
    }

    [Fact]
    public void SqnrAndCosineOfAKnownPair()
    {
        var pair = new PairAccumulator();
        pair.Add([3, 4], [3, 3]); // signal 25, noise 1 → 10·log10(25) dB; cos = 21 / (5 · √18)

        Assert.Equal(10 * Math.Log10(25), pair.SqnrDb, 12);
        Assert.Equal(21 / (5 * Math.Sqrt(18)), pair.Cosine, 12);
    }

    [Fact]
    public void RankingPutsLowestLocalSqnrFirstNaNLastAndLeavesBiasesOut()
    {
        var summary = new TensorSummary(0, 0, 0, 0, 0, 0, 0, 0, 0, true);
        TensorDebugRecord R(string name, TensorRole role, double local, double accumulated) =>
            new("n", "Conv", name, false, role, summary, summary, 0, 1, accumulated, 0, 1, 1, null, null, local, 0);

        // "a" has the lowest accumulated SQNR (it sits deep in the network) but adds little error itself.
        var ranked = Debugger.Rank([R("a", TensorRole.Activation, 40, 12), R("b", TensorRole.Weight, double.NaN, double.NaN),
            R("c", TensorRole.Weight, 5, 5), R("d", TensorRole.Bias, -30, -30), R("e", TensorRole.Activation, double.PositiveInfinity, 30),
            R("f", TensorRole.Activation, 20, 25), R("g", TensorRole.Activation, 20, 22)]);

        Assert.Equal(["c", "g", "f", "a", "e", "b"], ranked.Select(l => l.TensorName)); // equal local SQNR: lower accumulated first
        Assert.Equal([1, 2, 3, 4, 5, 6], ranked.Select(l => l.Rank));
        Assert.Equal((40.0, 12.0), (ranked[3].LocalSqnrDb, ranked[3].SqnrDb));
    }

    [Fact]
    public void LocalErrorRoundsAndSaturatesTheFloatValuesAsQuantizeLinearDoes()
    {
        // uint8, scale 0.5, zero point 10: range [−5, 122.5]. 1.3 → code 13 → 1.5 (error 0.2); 1.25 → 12.5 rounds to even 12 → 1.0
        // (error 0.25); 130 saturates at 122.5 (error 7.5); −6 saturates at −5 (error 1); 4 is exact.
        var own = new OwnQuantizationError(Link(QdqLinkKind.Activation, [0.5f], [10], 0, 255));
        own.Add([1.3f, 1.25f, 130, -6, 4], [5]);

        double signal = (1.3 * 1.3) + (1.25 * 1.25) + (130 * 130) + 36 + 16;
        double rounding = Math.Pow(1.3f - 1.5, 2) + (0.25 * 0.25), clipping = (7.5 * 7.5) + 1;
        Assert.Equal(10 * Math.Log10(signal / (rounding + clipping)), own.SqnrDb, 6);
        Assert.Equal(2.0 / 5, own.Clip, 12);
        Assert.Equal(clipping / (rounding + clipping), own.ClipErrorShare, 6);
    }

    [Fact]
    public void LocalErrorUsesEachChannelsParameters()
    {
        // Per-channel on axis 1 of [1, 2, 2]: channel 0 scale 1 (2.4 → 2), channel 1 scale 0.1 (2.4 exact).
        var own = new OwnQuantizationError(Link(QdqLinkKind.Activation, [1f, 0.1f], [0, 0], -128, 127) with { Axis = 1 });
        own.Add([2.4f, 0, 2.4f, 0], [1, 2, 2]);

        Assert.Equal(10 * Math.Log10((2 * 2.4 * 2.4) / Math.Pow(2.4f - 2, 2)), own.SqnrDb, 4);
        Assert.Equal(0, own.Clip);
    }

    [Fact]
    public void ChannelExtentsTrackAxisOneOverSamples()
    {
        var extents = new ChannelExtents();
        extents.Add([1, 2, -3, 4], [1, 2, 2]);   // channel 0: 1, 2; channel 1: −3, 4
        extents.Add([0, 9, 5, 5], [1, 2, 2]);

        var ranges = extents.ToRanges(-10, 10)!;
        Assert.Equal([new ChannelRange(0, 9, -10, 10), new ChannelRange(-3, 5, -10, 10)], ranges);
        var flat = new ChannelExtents();
        flat.Add([1, 2, 3], [3]);
        Assert.Null(flat.ToRanges(0, 1)); // no channel axis
    }

    [Fact]
    public void ChannelExtentsOfSequenceActivationsTrackTheLastAxis()
    {
        // [1, T=2, C=3]: features on the last axis; axis 1 would be the two positions.
        var sequence = new ChannelExtents(sequenceLayout: true);
        sequence.Add([1, -2, 3, 4, 5, -6], [1, 2, 3]);
        Assert.Equal([new ChannelRange(1, 4, -8, 8), new ChannelRange(-2, 5, -8, 8), new ChannelRange(-6, 3, -8, 8)], sequence.ToRanges(-8, 8)!);
        // Rank 4 keeps axis 1 even in sequence layout (attention scores [N, heads, T, T]).
        var scores = new ChannelExtents(sequenceLayout: true);
        scores.Add([1, 2, 3, 4], [1, 2, 2, 1]);
        Assert.Equal([new ChannelRange(1, 2, 0, 4), new ChannelRange(3, 4, 0, 4)], scores.ToRanges(0, 4)!);
        Assert.True(ChannelExtents.IsSequenceLayout(["MatMul", "LayerNormalization"]));
        Assert.False(ChannelExtents.IsSequenceLayout(["MatMul", "Conv"]));
    }

    private static QdqLink Link(QdqLinkKind kind, float[] scales, long[] zeroPoints, long qmin, long qmax) =>
        new(kind, "x_dq", kind == QdqLinkKind.Activation ? "x" : null, kind == QdqLinkKind.Activation ? null : "x_q", [], scales, zeroPoints, null, qmin, qmax);
}
