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
