using System.Globalization;
using System.Text;

namespace GrainLimiter.Silo.Tests.Cluster;

/// <summary>Decisions answered per second of a load run, and the membership changes marked on it: a report, never an assertion.</summary>
internal sealed class DecisionTimeline
{
    // One slot per second; a run longer than this folds its tail into the last slot.
    private const int MaxSeconds = 3600;
    private readonly long[] _perSecond = new long[MaxSeconds];
    private readonly List<(string What, TimeSpan Start, TimeSpan End)> _changes = [];

    public void Record(TimeSpan at) => Interlocked.Increment(ref _perSecond[Math.Min((int)at.TotalSeconds, MaxSeconds - 1)]);

    /// <summary>Marks a membership change that began at <paramref name="start"/> and was complete (every silo agrees) at <paramref name="end"/>.</summary>
    public void Mark(string what, TimeSpan start, TimeSpan end)
    {
        lock (_changes)
        {
            _changes.Add((what, start, end));
        }
    }

    /// <summary>Decisions per second over [<paramref name="from"/>, <paramref name="to"/>), whole seconds only.</summary>
    public double Rate(TimeSpan from, TimeSpan to)
    {
        var first = (int)Math.Ceiling(from.TotalSeconds);
        var last = Math.Min((int)to.TotalSeconds, MaxSeconds);
        if (last <= first)
        {
            // Shorter than one whole second: the partial seconds it touches.
            first = (int)from.TotalSeconds;
            last = Math.Min(first + 1, MaxSeconds);
        }

        return (double)Enumerable.Range(first, last - first).Sum(s => Interlocked.Read(ref _perSecond[s])) / (last - first);
    }

    /// <summary>Each change with the rate before it (since the previous change), during it, and after it (until the next one or
    /// <paramref name="end"/>); then every second.</summary>
    public string Report(TimeSpan end)
    {
        List<(string What, TimeSpan Start, TimeSpan End)> changes;
        lock (_changes)
        {
            changes = [.. _changes.OrderBy(static c => c.Start)];
        }

        var text = new StringBuilder();
        text.AppendLine("| change | from s | to s | decisions/s before | during | after |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|");
        for (var i = 0; i < changes.Count; i++)
        {
            var (what, start, done) = changes[i];
            var before = i == 0 ? TimeSpan.Zero : changes[i - 1].End;
            var after = i + 1 < changes.Count ? changes[i + 1].Start : end;
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {what} | {start.TotalSeconds:F1} | {done.TotalSeconds:F1} | {Rate(before, start):F0} | {Rate(start, done):F0} | {Rate(done, after):F0} |");
        }

        text.AppendLine();
        text.AppendLine("second: decisions (changes under way)");
        for (var s = 0; s < Math.Min((int)Math.Ceiling(end.TotalSeconds), MaxSeconds); s++)
        {
            var second = TimeSpan.FromSeconds(s);
            var during = changes.Where(c => c.Start < second + TimeSpan.FromSeconds(1) && c.End >= second).Select(static c => c.What);
            text.AppendLine(CultureInfo.InvariantCulture, $"{s,4}: {Interlocked.Read(ref _perSecond[s]),6} {string.Join(", ", during)}");
        }

        return text.ToString();
    }
}
