using System.Globalization;

namespace GrainLimiter.Benchmarks.Soak;

/// <summary>
/// How one measure of one process moved over a run: the least-squares slope per minute of its samples after the warm-up,
/// and whether that is flat: the growth the slope makes over the samples' span stays under 10 % of the mean, or under a
/// floor of the measure's own noise (<see cref="FloorOf"/>), whichever is larger.
/// </summary>
internal sealed record Trend(string Process, string Measure, int Samples, double First, double Last, double Max, double Mean, double SlopePerMinute,
    double SpanMinutes)
{
    public const string Resident = "RSS MiB";
    public const string Threads = "threads";
    public const string Handles = "open handles";
    public const string Tcp = "TCP connections";

    /// <summary>Too few samples after the warm-up to fit a line to.</summary>
    public bool TooShort => Samples < 3 || SpanMinutes <= 0;

    public double Growth => SlopePerMinute * SpanMinutes;

    public bool Flat => !TooShort && Math.Abs(Growth) <= Math.Max(0.1 * Mean, FloorOf(Measure));

    /// <summary>Not flat, upwards: what a leak looks like (falling is a process giving back what its start took).</summary>
    public bool Growing => !TooShort && !Flat && SlopePerMinute > 0;

    public string Verdict => TooShort ? "too short" : Flat ? "flat" : Growing ? "NOT FLAT (growing)" : "falling";

    /// <summary>Growth over a run that is noise, not a trend: a GC heap resizing, a thread-pool thread injected, a connection reopened.</summary>
    public static double FloorOf(string measure) => measure switch
    {
        Resident => 32,
        Threads => 4,
        Handles => 16,
        _ => 8,
    };

    public static Trend Fit(string process, string measure, IReadOnlyList<(double Minutes, double Value)> samples)
    {
        if (samples.Count == 0)
        {
            return new Trend(process, measure, 0, 0, 0, 0, 0, 0, 0);
        }

        var meanX = samples.Average(static s => s.Minutes);
        var meanY = samples.Average(static s => s.Value);
        var sxx = samples.Sum(s => (s.Minutes - meanX) * (s.Minutes - meanX));
        var sxy = samples.Sum(s => (s.Minutes - meanX) * (s.Value - meanY));
        return new Trend(process, measure, samples.Count, samples[0].Value, samples[^1].Value, samples.Max(static s => s.Value), meanY,
            sxx > 0 ? sxy / sxx : 0, samples[^1].Minutes - samples[0].Minutes);
    }

    public string[] Cells() =>
    [
        Process, Measure, Samples.ToString(CultureInfo.InvariantCulture), Number(First), Number(Last), Number(Max),
        SlopePerMinute.ToString("0.00", CultureInfo.InvariantCulture), Verdict,
    ];

    private static string Number(double value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
