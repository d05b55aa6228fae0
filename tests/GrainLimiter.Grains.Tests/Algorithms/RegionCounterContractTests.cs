using CsCheck;
using GrainLimiter.Grains.Algorithms;

namespace GrainLimiter.Grains.Tests.Algorithms;

/// <summary>The G-counter's contract: merging is order-free, repeat-free and never loses a higher count.</summary>
public sealed class RegionCounterContractTests
{
    private static readonly string[] Regions = ["eu", "us", "ap"];

    private static readonly Gen<(string Region, long Window, long Count)> Report =
        Gen.Select(Gen.Int[0, Regions.Length - 1], Gen.Long[0, 4], Gen.Long[0, 50], (r, w, c) => (Regions[r], w * 100, c));

    private static RegionCounter Merged(IEnumerable<(string Region, long Window, long Count)> reports)
    {
        var counter = new RegionCounter();
        foreach (var (region, window, count) in reports)
        {
            counter.Merge(region, window, count);
        }

        return counter;
    }

    private static string Canonical(RegionCounter counter) =>
        string.Join(";", counter.Counts.OrderBy(c => c.Region, StringComparer.Ordinal).ThenBy(c => c.Window).Select(c => $"{c.Region}@{c.Window}={c.Count}"));

    [Fact]
    public void AnyOrderAndRepetitionOfTheSameReportsEndsInTheSameCounter()
    {
        Gen.Select(Report.Array[0, 30], Gen.Int, (reports, seed) => (reports, seed)).Sample(t =>
        {
            var random = new Random(t.seed);
            // Shuffled, with some reports delivered twice.
            var delivered = t.reports.Concat(t.reports.Where(_ => random.Next(2) == 0)).OrderBy(_ => random.Next()).ToArray();
            Assert.Equal(Canonical(Merged(t.reports)), Canonical(Merged(delivered)));
        });
    }

    [Fact]
    public void EachRegionKeepsTheHighestCountOfItsTwoNewestWindows()
    {
        Report.Array[0, 30].Sample(reports =>
        {
            var counter = Merged(reports);
            foreach (var region in Regions)
            {
                var windows = reports.Where(r => r.Region == region && r.Count > 0)
                    .Select(r => r.Window).Distinct().OrderDescending().Take(RegionCounter.WindowsPerRegion);
                foreach (var window in windows)
                {
                    Assert.Equal(reports.Where(r => r.Region == region && r.Window == window).Max(r => r.Count), counter.Count(region, window));
                }
            }

            Assert.All(Regions, region => Assert.True(counter.Counts.Count(c => c.Region == region) <= RegionCounter.WindowsPerRegion));
        });
    }

    [Fact]
    public void MergeAnswersHowMuchTheCountRoseAndZeroForAStaleOrRepeatedReport()
    {
        var counter = new RegionCounter();

        Assert.Equal(5, counter.Merge("eu", 100, 5));
        Assert.Equal(0, counter.Merge("eu", 100, 5));
        Assert.Equal(0, counter.Merge("eu", 100, 3));
        Assert.Equal(2, counter.Merge("eu", 100, 7));
        Assert.Equal(4, counter.Merge("eu", 200, 4));
        Assert.Equal(1, counter.Merge("eu", 300, 1));
        // Two newer windows are known: window 100 no longer counts and a late report of it changes nothing.
        Assert.Equal(0, counter.Merge("eu", 100, 9));
        Assert.Equal(0, counter.Count("eu", 100));
        Assert.Equal(5, counter.Total(200) + counter.Total(300));
    }
}
