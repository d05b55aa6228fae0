using GrainLimiter.Membership;
using GrainLimiter.Tests;

namespace GrainLimiter.Silo.Tests.Storage;

/// <summary>The membership table contract. Time is a fake clock shared by both "silos", so expiry needs no waiting.</summary>
public abstract class MembershipTableTests : IAsyncLifetime
{
    protected static readonly MembershipTableOptions Options = new() { DeadAfter = TimeSpan.FromSeconds(10), RemoveDeadAfter = TimeSpan.FromMinutes(5) };

    private readonly FakeTimeProvider _time = new();
    private readonly DateTimeOffset _started = new(2026, 3, 14, 11, 0, 0, TimeSpan.Zero);

    protected IMembershipTable SiloA { get; private set; } = null!;

    protected IMembershipTable SiloB { get; private set; } = null!;

    public async Task InitializeAsync() => (SiloA, SiloB) = await CreateTablesAsync(_time);

    public virtual Task DisposeAsync() => Task.CompletedTask;

    /// <summary>Two tables over the same storage, as two silos would have.</summary>
    protected abstract Task<(IMembershipTable A, IMembershipTable B)> CreateTablesAsync(TimeProvider time);

    [Fact(Timeout = 30_000)]
    public async Task RegisteredSiloIsJoiningAndBumpsTheVersion()
    {
        MembershipView empty = await SiloA.ReadAsync(default);

        Assert.True(await SiloA.RegisterAsync("a@1", "10.0.0.1:11111", _started, default));

        MembershipView view = await SiloA.ReadAsync(default);
        Assert.Empty(empty.Entries);
        Assert.True(view.Version > empty.Version);
        SiloEntry entry = Assert.Single(view.Entries);
        Assert.Equal(new SiloEntry("a@1", "10.0.0.1:11111", _started, SiloStatus.Joining, _time.GetUtcNow()), entry);
    }

    [Fact(Timeout = 30_000)]
    public async Task TwoSilosSeeEachOther()
    {
        await SiloA.RegisterAsync("a@1", "10.0.0.1:11111", _started, default);
        await SiloB.RegisterAsync("b@1", "10.0.0.2:11111", _started, default);
        await SiloB.UpdateStatusAsync("b@1", SiloStatus.Active, default);

        MembershipView fromA = await SiloA.ReadAsync(default);
        MembershipView fromB = await SiloB.ReadAsync(default);

        Assert.Equal(fromA, fromB with { Entries = fromA.Entries }); // same version
        Assert.Equal(fromA.Entries, fromB.Entries);
        Assert.Equal([("a@1", SiloStatus.Joining), ("b@1", SiloStatus.Active)], fromA.Entries.Select(e => (e.SiloId, e.Status)));
    }

    [Fact(Timeout = 30_000)]
    public async Task StatusChangeBumpsTheVersionButHeartbeatDoesNot()
    {
        await SiloA.RegisterAsync("a@1", "10.0.0.1:11111", _started, default);
        long registered = (await SiloA.ReadAsync(default)).Version;

        _time.Advance(TimeSpan.FromSeconds(3));
        Assert.True(await SiloA.HeartbeatAsync("a@1", default));
        MembershipView afterHeartbeat = await SiloA.ReadAsync(default);

        Assert.True(await SiloA.UpdateStatusAsync("a@1", SiloStatus.Active, default));
        long active = (await SiloA.ReadAsync(default)).Version;
        Assert.True(await SiloA.UpdateStatusAsync("a@1", SiloStatus.Active, default));
        long unchanged = (await SiloA.ReadAsync(default)).Version;
        Assert.True(await SiloA.UpdateStatusAsync("a@1", SiloStatus.ShuttingDown, default));
        long shuttingDown = (await SiloA.ReadAsync(default)).Version;

        Assert.Equal(registered, afterHeartbeat.Version);
        Assert.Equal(_time.GetUtcNow(), afterHeartbeat.Entries.Single().LastHeartbeat);
        Assert.Equal(registered + 1, active);
        Assert.Equal(active, unchanged);
        Assert.Equal(active + 1, shuttingDown);
    }

    [Fact(Timeout = 30_000)]
    public async Task SiloWhoseHeartbeatsStopIsDeclaredDeadAndCannotComeBack()
    {
        await SiloA.RegisterAsync("a@1", "10.0.0.1:11111", _started, default);
        await SiloB.RegisterAsync("b@1", "10.0.0.2:11111", _started, default);

        _time.Advance(TimeSpan.FromSeconds(8));
        await SiloB.HeartbeatAsync("b@1", default);
        long beforeExpiry = (await SiloB.ReadAsync(default)).Version;
        _time.Advance(TimeSpan.FromSeconds(4)); // a: 12 s silent, b: 4 s

        MembershipView view = await SiloB.ReadAsync(default);

        Assert.Equal(beforeExpiry + 1, view.Version);
        Assert.Equal([("a@1", SiloStatus.Dead), ("b@1", SiloStatus.Joining)], view.Entries.Select(e => (e.SiloId, e.Status)));
        Assert.Equal(view.Version, (await SiloA.ReadAsync(default)).Version); // declared once
        Assert.False(await SiloA.HeartbeatAsync("a@1", default));
        Assert.False(await SiloA.UpdateStatusAsync("a@1", SiloStatus.Active, default));
        Assert.False(await SiloA.RegisterAsync("a@1", "10.0.0.1:11111", _started, default));
        Assert.True(await SiloA.RegisterAsync("a@2", "10.0.0.1:11111", _time.GetUtcNow(), default));
    }

    [Fact(Timeout = 30_000)]
    public async Task DeadEntriesAreRemovedAfterTheRetention()
    {
        await SiloA.RegisterAsync("a@1", "10.0.0.1:11111", _started, default);
        await SiloA.UpdateStatusAsync("a@1", SiloStatus.Dead, default);
        long dead = (await SiloB.ReadAsync(default)).Version;

        _time.Advance(Options.RemoveDeadAfter + TimeSpan.FromSeconds(1));
        MembershipView view = await SiloB.ReadAsync(default);

        Assert.Empty(view.Entries);
        Assert.Equal(dead + 1, view.Version);
    }

    [Fact(Timeout = 30_000)]
    public async Task UnknownSiloCannotHeartbeatOrChangeStatus()
    {
        Assert.False(await SiloA.HeartbeatAsync("ghost", default));
        Assert.False(await SiloA.UpdateStatusAsync("ghost", SiloStatus.Active, default));
    }

    [Fact(Timeout = 30_000)]
    public async Task AddressesWithSeparatorsSurvive()
    {
        await SiloA.RegisterAsync("[::1]:11111@5", "[::1]:11111|x", _started, default);

        Assert.Equal("[::1]:11111|x", (await SiloB.ReadAsync(default)).Entries.Single().Address);
    }
}
