using GrainLimiter.Membership;

namespace GrainLimiter.Silo.Runtime.Cluster.Membership;

/// <summary>The membership table (Redis): this silo registers, heartbeats on every read, and reads everyone's status.</summary>
/// <remarks>Each start is a new incarnation (<c>address@startTicks</c>); when an address has several, the newest that is not dead counts.</remarks>
/// <param name="connect">Opens the table on first use, so a silo starts (and reports why) even while Redis is still coming up.</param>
public sealed class TableMembershipSource(Func<CancellationToken, Task<IMembershipTable>> connect, string address, TimeProvider time, TimeSpan refreshInterval)
    : IMembershipSource
{
    private readonly SemaphoreSlim _connecting = new(1, 1);
    private IMembershipTable? _table;
    private readonly DateTimeOffset _startedAt = time.GetUtcNow();
    private readonly string _siloId = $"{address}@{time.GetUtcNow().UtcTicks}";
    private bool _registered;

    public TimeSpan RefreshInterval => refreshInterval;

    public async ValueTask<bool> PublishAsync(SiloStatus status, CancellationToken cancellationToken)
    {
        var table = await TableAsync(cancellationToken).ConfigureAwait(false);
        if (!_registered)
        {
            if (!await table.RegisterAsync(_siloId, address, _startedAt, cancellationToken).ConfigureAwait(false))
            {
                return false;
            }

            _registered = true;
        }

        return await table.UpdateStatusAsync(_siloId, status, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<IReadOnlyList<MemberStatus>?> ReadAsync(CancellationToken cancellationToken)
    {
        var table = await TableAsync(cancellationToken).ConfigureAwait(false);
        if (_registered && !await table.HeartbeatAsync(_siloId, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var view = await table.ReadAsync(cancellationToken).ConfigureAwait(false);
        return view.Entries
            .GroupBy(static e => e.Address, StringComparer.Ordinal)
            .Select(static g => g.OrderByDescending(static e => e.Status != SiloStatus.Dead).ThenByDescending(static e => e.StartedAt).First())
            .Select(static e => new MemberStatus(e.Address, e.Status))
            .ToArray();
    }

    private async Task<IMembershipTable> TableAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _table) is { } table)
        {
            return table;
        }

        await _connecting.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return _table ??= await connect(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _connecting.Release();
        }
    }
}
