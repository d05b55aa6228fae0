using BenchmarkDotNet.Attributes;
using GrainLimiter.Grains.Algorithms;
using GrainLimiter.Policies;

namespace GrainLimiter.Benchmarks.Algorithms;

/// <summary>One decision per algorithm: an admitted check + charge in steady state, and a denied check.</summary>
[MemoryDiagnoser]
public class AlgorithmBenchmarks
{
    private static readonly long Start = new DateTime(2026, 3, 14, 12, 0, 0, DateTimeKind.Utc).Ticks;

    private LimitAlgorithm _algorithm = null!;
    private LimitState _admitted;
    private LimitState _denied;
    private long _now;
    private long _step;

    [ParamsAllValues]
    public LimitAlgorithmKind Algorithm { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        // A quota period is a day; a million per day keeps the clock of a long run far from year 9999.
        var quota = Algorithm == LimitAlgorithmKind.Quota;
        var limit = quota ? 1_000_000 : 100;
        var scale = quota ? TimeSpan.FromDays(1) : TimeSpan.FromSeconds(1);
        _algorithm = LimitAlgorithm.Create(new LimitSpec
        {
            Algorithm = Algorithm,
            Limit = limit,
            Window = scale,
            MaxWait = scale,
            LeaseTtl = scale,
            Period = QuotaPeriod.Day,
            TimeZone = TimeZoneInfo.Utc,
        });

        // Half the rate: every request is admitted, and the log or the leases reach their steady size.
        _step = 2 * scale.Ticks / limit;
        _now = Start;
        for (var i = 0; i < 10 * limit; i++)
        {
            if (!AdmittedCheckAndCharge())
            {
                throw new InvalidOperationException($"{Algorithm} denied a request at half its rate.");
            }
        }

        for (var i = 0; i <= 2 * limit && _algorithm.Check(ref _denied, Start, 1).Allowed; i++)
        {
            _algorithm.Charge(ref _denied, Start, 1);
        }

        if (!DeniedCheck())
        {
            throw new InvalidOperationException($"{Algorithm} never denied.");
        }
    }

    [Benchmark]
    public bool AdmittedCheckAndCharge()
    {
        _now += _step;
        var decision = _algorithm.Check(ref _admitted, _now, 1);
        if (decision.Allowed)
        {
            _algorithm.Charge(ref _admitted, _now, 1);
        }

        return decision.Allowed;
    }

    [Benchmark]
    public bool DeniedCheck() => !_algorithm.Check(ref _denied, Start, 1).Allowed;
}
