using GrainLimiter.Silo.Observability.TopKeys;

namespace GrainLimiter.Silo.Tests.Observability.TopKeys;

public sealed class MisraGriesSummaryTests
{
    [Fact]
    public void CountsExactlyWhileItHasRoom()
    {
        var summary = new MisraGriesSummary(capacity: 10);
        for (var i = 0; i < 5; i++)
        {
            summary.Add("p", "hot");
        }

        summary.Add("p", "cold");

        Assert.Equal(new Dictionary<(string, string), long> { [("p", "hot")] = 5, [("p", "cold")] = 1 }, Totals(summary));
    }

    [Fact]
    public void AHeavyHitterSurvivesAFloodOfDistinctKeysAndMemoryStaysBounded()
    {
        const int capacity = 100;
        var summary = new MisraGriesSummary(capacity);
        var added = 0;
        for (var i = 0; i < 50_000; i++)
        {
            summary.Add("p", $"unique-{i}");
            added++;
            if (i % 20 == 0)
            {
                summary.Add("p", "attacker");
                added++;
            }
        }

        var totals = Totals(summary);
        Assert.True(summary.Count <= capacity);
        // 2 500 denials of 52 500: kept, and low by at most 52 500 / 101.
        var attacker = totals[("p", "attacker")];
        Assert.InRange(attacker, 2_500 - (added / (capacity + 1)), 2_500);
        Assert.Equal(attacker, totals.Values.Max());
    }

    [Fact]
    public void ClearForgetsEverything()
    {
        var summary = new MisraGriesSummary(capacity: 2);
        summary.Add("p", "a");
        summary.Add("p", "b");

        summary.Clear();
        summary.Add("p", "c");

        Assert.Equal(new Dictionary<(string, string), long> { [("p", "c")] = 1 }, Totals(summary));
    }

    private static Dictionary<(string Policy, string Key), long> Totals(MisraGriesSummary summary)
    {
        var totals = new Dictionary<(string Policy, string Key), long>();
        summary.AddTo(totals);
        return totals;
    }
}
