using Ptq.Evaluation;

namespace Ptq.Tests.Evaluation;

public class OutputComparisonTests
{
    [Fact]
    public void Aggregates_over_samples()
    {
        var c = new OutputComparison(new Dictionary<string, Func<ReadOnlySpan<float>, ReadOnlySpan<float>, double>>
        {
            ["first-diff"] = (r, x) => x[0] - r[0],
        });
        c.Add([3, 4], [3, 4.5f]);          // cosine (9+18)/(5·√29.25), SQNR 20 dB, argmax agrees
        c.Add([1, 0], [1, 1]);             // cosine 1/√2, SQNR 0 dB, argmax: ref 0, actual 0 (tie → first) agrees
        c.Add([0, 1], [1, 0]);             // cosine 0, argmax disagrees
        ComparisonSummary s = c.ToSummary();

        double cos1 = 27 / (5 * Math.Sqrt(29.25));
        Assert.Equal(3, s.Samples);
        Assert.Equal((cos1 + (1 / Math.Sqrt(2)) + 0) / 3, s.MeanCosine, 14);
        Assert.Equal(0, s.MinCosine);
        Assert.Equal(cos1, s.Cosine.Max, 14);
        // Overall SQNR from summed energies: signal 25+1+1 = 27, noise 0.25+1+2 = 3.25.
        Assert.Equal(10 * Math.Log10(27 / 3.25), s.SqnrDb, 12);
        Assert.Equal((20 + 0 + (10 * Math.Log10(1 / 2.0))) / 3, s.SampleSqnrDb.Mean, 12);
        Assert.Equal((0.5 + 1 + 2) / 6, s.MeanAbsError, 14);
        Assert.Equal(1, s.MaxAbsError);
        Assert.Equal((3L, 2L), (s.ArgmaxRows, s.ArgmaxAgreements));
        Assert.Equal(200.0 / 3, s.AgreementPercent, 12);
        Assert.Equal(new MetricSummary(3, (0 + 0 + 1) / 3.0, 0, 1), s.Custom["first-diff"]);
    }

    [Fact]
    public void Agreement_is_counted_per_row_of_the_class_axis()
    {
        var c = new OutputComparison();
        // Two rows of three classes: row 0 agrees (class 2), row 1 does not (0 vs 1).
        c.Add([0, 1, 2, 5, 1, 0], [0, 1, 3, 1, 5, 0], rowLength: 3);
        Assert.Equal((2L, 1L), (c.ToSummary().ArgmaxRows, c.ToSummary().ArgmaxAgreements));
    }

    /// <summary>
    /// Where the argmax differs, the reference's gap between its class and the chosen one, as a share of its score spread;
    /// and the share of all rows whose own top-1/top-2 margin is as small as the largest such gap.
    /// </summary>
    [Fact]
    public void Disagreements_are_measured_against_the_references_own_margins()
    {
        var c = new OutputComparison();
        c.Add([0.5f, 0.45f, 0.05f], [0.4f, 0.5f, 0.1f]);   // disagrees: gap (0.5 − 0.45) / (0.5 − 0.05) = 1/9; margin 1/9
        c.Add([0.9f, 0.05f, 0.05f], [0.9f, 0.05f, 0.05f]); // agrees: margin 1
        c.Add([0.6f, 0.3f, 0.1f], [0.6f, 0.3f, 0.1f]);     // agrees: margin 0.6
        c.Add([0.4f, 0.35f, 0.25f], [0.3f, 0.3f, 0.4f]);   // disagrees, chose the lowest: gap 1; margin 1/3
        var s = c.ToSummary();
        Assert.Equal(2, s.DisagreementGap.Count);
        Assert.Equal(1.0 / 9, s.DisagreementGap.Min, 6);
        Assert.Equal(1, s.DisagreementGap.Max, 6);
        Assert.Equal(1.0, s.CloseRows, 6); // every margin is at most 1

        var close = new OutputComparison();
        close.Add([0.5f, 0.45f, 0.05f], [0.4f, 0.5f, 0.1f]); // gap 1/9
        close.Add([0.5f, 0.46f, 0.04f], [0.5f, 0.46f, 0.04f]); // margin 0.04/0.46 ≈ 0.087: as close
        close.Add([0.6f, 0.3f, 0.1f], [0.6f, 0.3f, 0.1f]);     // margin 0.6: not
        close.Add([0.9f, 0.05f, 0.05f], [0.9f, 0.05f, 0.05f]); // margin 1: not
        Assert.Equal(0.5, close.ToSummary().CloseRows, 6);
        Assert.True(double.IsNaN(new OutputComparison().ToSummary().CloseRows));
    }

    [Fact]
    public void Identical_outputs_are_perfect_and_empty_is_NaN()
    {
        var c = new OutputComparison();
        Assert.True(double.IsNaN(c.ToSummary().SqnrDb));
        Assert.True(double.IsNaN(c.ToSummary().AgreementPercent));
        c.Add([1, 2, 3], [1, 2, 3]);
        ComparisonSummary s = c.ToSummary();
        Assert.Equal(double.PositiveInfinity, s.SqnrDb);
        Assert.Equal(1, s.MinCosine);
        Assert.Equal(0, s.MaxAbsError);
        Assert.Equal(100, s.AgreementPercent);
    }
}
