using System.Collections.Immutable;
using System.Net;
using GrainLimiter.Silo.Cluster;
using Microsoft.Extensions.Logging.Abstractions;

namespace GrainLimiter.Silo.Tests.Cluster;

/// <summary>Which departures explain a call broken by a dead silo: only announced ones (ShuttingDown, Stopping, Dead), and for a while.</summary>
public sealed class SiloDeparturesTests
{
    private static readonly SiloAddress Staying = SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 11111), 1);
    private static readonly SiloAddress Leaving = SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 11112), 1);
    private readonly FakeTimeProvider _time = new();
    private long _version;

    [Fact]
    public void ASiloThatAnnouncedItsLeaveExplainsTheCallsItBreaksForAWhile()
    {
        var departures = new SiloDepartures(null!, _time, NullLogger<SiloDepartures>.Instance);
        departures.Observe(Snapshot(SiloStatus.Active));
        Assert.False(departures.OnlyGracefulLeaves);

        departures.Observe(Snapshot(SiloStatus.ShuttingDown));
        Assert.True(departures.OnlyGracefulLeaves);
        departures.Observe(Snapshot(SiloStatus.Stopping));
        departures.Observe(Snapshot(SiloStatus.Dead));
        _time.Advance(SiloDepartures.Window - TimeSpan.FromSeconds(1));
        Assert.True(departures.OnlyGracefulLeaves);

        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.False(departures.OnlyGracefulLeaves);
    }

    [Fact]
    public void ASiloThatDiesWithoutAnnouncingItIsACrashWhateverElseLeaves()
    {
        var third = SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 11113), 1);
        var departures = new SiloDepartures(null!, _time, NullLogger<SiloDepartures>.Instance);
        departures.Observe(Snapshot(SiloStatus.Active, (third, SiloStatus.Active)));
        departures.Observe(Snapshot(SiloStatus.Stopping, (third, SiloStatus.Active)));
        Assert.True(departures.OnlyGracefulLeaves);

        departures.Observe(Snapshot(SiloStatus.Stopping, (third, SiloStatus.Dead)));
        Assert.False(departures.OnlyGracefulLeaves);
        _time.Advance(SiloDepartures.Window + TimeSpan.FromSeconds(1));
        Assert.True(departures.OnlyGracefulLeaves);
    }

    [Fact]
    public void SilosAlreadyDeadInTheFirstSnapshotExplainNothing()
    {
        var departures = new SiloDepartures(null!, _time, NullLogger<SiloDepartures>.Instance);
        departures.Observe(Snapshot(SiloStatus.Dead));

        Assert.False(departures.OnlyGracefulLeaves);
        departures.Observe(Snapshot(SiloStatus.Dead));
        Assert.False(departures.OnlyGracefulLeaves);
    }

    private ClusterMembershipSnapshot Snapshot(SiloStatus leaving, params (SiloAddress Silo, SiloStatus Status)[] others)
    {
        var members = others.Append((Staying, SiloStatus.Active)).Append((Leaving, leaving))
            .ToImmutableDictionary(static m => m.Item1, static m => new ClusterMember(m.Item1, m.Item2, m.Item1.ToString()));
        return new ClusterMembershipSnapshot(members, new MembershipVersion(++_version));
    }
}
