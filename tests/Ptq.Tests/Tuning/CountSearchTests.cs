using Ptq.Tuning;

namespace Ptq.Tests.Tuning;

/// <summary><see cref="CountSearch.Find"/> on cosine curves made up to exercise doubling, bisection and refusals.</summary>
public sealed class CountSearchTests
{
    [Fact]
    public void DoublingThenBisectionFindsTheSmallestCountThatHolds()
    {
        var (chosen, steps) = CountSearch.Find(100, 0.9, count => Step(count, count >= 37 ? 0.95 : 0.5));

        Assert.Equal(37, chosen.Count);
        Assert.Equal([1, 2, 4, 8, 16, 32, 64, 48, 40, 36, 38, 37], steps.Select(s => s.Count));
    }

    /// <summary>Counts from 90 on leave nothing quantized (refused): the search looks below them and finds 70.</summary>
    [Fact]
    public void ARefusedStepBoundsTheSearchFromAbove()
    {
        var (chosen, _) = CountSearch.Find(100, 0.9, count => Step(count, count >= 90 ? double.NegativeInfinity : count >= 70 ? 0.95 : 0.5));

        Assert.Equal(70, chosen.Count);
    }

    [Fact]
    public void OutOfReachReturnsTheBestCosineThatWasNotRefused()
    {
        var (chosen, steps) = CountSearch.Find(10, 0.99, count => Step(count, count == 10 ? double.NegativeInfinity : count / 20.0));

        Assert.Equal(9, chosen.Count);
        Assert.Equal(0.45, chosen.Cosine);
        Assert.Contains(steps, s => s.Count == 10);
    }

    [Fact]
    public void RelaxedGivesEachNodeTheCosineOfTheFirstStepThatIncludedIt()
    {
        var steps = new[] { Step(1, 0.5), Step(2, 0.6), Step(4, 0.9), Step(3, 0.8) };

        var relaxed = CountSearch.Relaxed(["a", "b", "c", "d", "e"], steps[3], steps);

        Assert.Equal([("a", 0.5), ("b", 0.6), ("c", 0.8)], relaxed);
    }

    private static CountStep<string> Step(int count, double cosine) => new(count, $"k={count}", cosine);
}
