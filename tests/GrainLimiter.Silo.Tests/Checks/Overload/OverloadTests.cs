using System.Diagnostics.Metrics;
using GrainLimiter.Protocol.V1;
using GrainLimiter.Silo.Observability;
using GrainLimiter.Silo.Checks.Overload;
using GrainLimiter.Silo.Tests.Fixtures;
using Grpc.Net.Client;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace GrainLimiter.Silo.Tests.Checks.Overload;

/// <summary>What the overload tests share: a real gRPC client of the fixture's silo, the shed counter, and an end to every held
/// check after each test, so each starts with every place free.</summary>
public abstract class OverloadTests<TFixture> : IAsyncLifetime
    where TFixture : OverloadSiloFixture
{
    private readonly MetricCollector<long> _shed;

    protected OverloadTests(TFixture fixture)
    {
        Fixture = fixture;
        Channel = GrpcChannel.ForAddress(fixture.Silo.GrpcAddress);
        Limiter = new Limiter.LimiterClient(Channel);
        _shed = new MetricCollector<long>(fixture.Silo.Get<IMeterFactory>(), MetricNames.Meter, MetricNames.Shed);
    }

    protected TFixture Fixture { get; }

    protected GrpcChannel Channel { get; }

    protected Limiter.LimiterClient Limiter { get; }


    public Task InitializeAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync()
    {
        Fixture.Held.Open();
        await Eventually.TrueAsync(() => Task.FromResult(Fixture.Silo.Get<CheckAdmission>().InFlight == 0), TimeSpan.FromSeconds(30), "the held checks ended");
        _shed.Dispose();
        Channel.Dispose();
    }

    /// <summary>Checks <paramref name="front"/> shed for <paramref name="reason"/> since the test began.</summary>
    protected long Shed(string front, string reason) => _shed.GetMeasurementSnapshot()
        .Where(m => (string?)m.Tags["front"] == front && (string?)m.Tags["reason"] == reason).Sum(m => m.Value);

    protected static CheckRequest Check(string policy, string key) => new() { Checks = { new Hit { Policy = policy, Key = key } } };
}
