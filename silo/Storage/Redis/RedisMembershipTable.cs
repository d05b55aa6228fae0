using System.Globalization;
using GrainLimiter.Membership;

namespace GrainLimiter.Silo.Storage.Redis;

/// <summary>
/// The membership table in one Redis hash (the role of Orleans.Clustering.Redis). Field <c>version</c> holds the
/// view version; field <c>silo:{id}</c> holds <c>status|heartbeatMs|startedMs|address</c> (Unix milliseconds).
/// Every change runs as a Lua script, so an entry and the version move together atomically.
/// </summary>
/// <remarks>Heartbeat times come from each silo's clock: silos are assumed NTP-synchronised well within <see cref="MembershipTableOptions.DeadAfter"/>.</remarks>
public sealed class RedisMembershipTable : IMembershipTable
{
    private const string VersionField = "version";
    private const string SiloFieldPrefix = "silo:";

    // ARGV: field, entry. -1 when this incarnation was declared dead, else the new version.
    private static readonly RedisScript Register = new("""
        local prev = redis.call('HGET', KEYS[1], ARGV[1])
        if prev and string.sub(prev, 1, 1) == '3' then return -1 end
        redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
        return redis.call('HINCRBY', KEYS[1], 'version', 1)
        """);

    // ARGV: field, status, nowMs. -1 when unknown or dead, else the version (bumped when the status changed).
    private static readonly RedisScript UpdateStatus = new("""
        local prev = redis.call('HGET', KEYS[1], ARGV[1])
        if not prev then return -1 end
        local status, rest = string.match(prev, '^(%d)|%d+|(.*)$')
        if status == '3' then return -1 end
        redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. '|' .. ARGV[3] .. '|' .. rest)
        if status == ARGV[2] then return tonumber(redis.call('HGET', KEYS[1], 'version') or '0') end
        return redis.call('HINCRBY', KEYS[1], 'version', 1)
        """);

    // ARGV: field, nowMs. 1 when recorded, 0 when unknown or dead.
    private static readonly RedisScript Heartbeat = new("""
        local prev = redis.call('HGET', KEYS[1], ARGV[1])
        if not prev then return 0 end
        local status, rest = string.match(prev, '^(%d)|%d+|(.*)$')
        if status == '3' then return 0 end
        redis.call('HSET', KEYS[1], ARGV[1], status .. '|' .. ARGV[2] .. '|' .. rest)
        return 1
        """);

    // ARGV: nowMs, deadAfterMs, removeAfterMs. Declares silent silos dead, drops old dead ones, returns {version, {field, entry, ...}}.
    private static readonly RedisScript Read = new("""
        local all = redis.call('HGETALL', KEYS[1])
        local now, deadAfter, removeAfter = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
        local version, changed, out = 0, false, {}
        for i = 1, #all, 2 do
          local field, entry = all[i], all[i + 1]
          if field == 'version' then
            version = tonumber(entry)
          else
            local status, heartbeat, rest = string.match(entry, '^(%d)|(%d+)|(.*)$')
            local age = now - tonumber(heartbeat)
            if status ~= '3' and age > deadAfter then
              status = '3'
              entry = '3|' .. heartbeat .. '|' .. rest
              redis.call('HSET', KEYS[1], field, entry)
              changed = true
            end
            if status == '3' and age > removeAfter then
              redis.call('HDEL', KEYS[1], field)
              changed = true
            else
              out[#out + 1] = field
              out[#out + 1] = entry
            end
          end
        end
        if changed then version = redis.call('HINCRBY', KEYS[1], 'version', 1) end
        return {version, out}
        """);

    private readonly RedisConnection _connection;
    private readonly TimeProvider _time;
    private readonly MembershipTableOptions _table;
    private readonly RedisArg[] _key;

    public RedisMembershipTable(RedisConnection connection, RedisMembershipOptions? options = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        options ??= new RedisMembershipOptions();
        _connection = connection;
        _time = time ?? TimeProvider.System;
        _table = options.Table;
        Key = $"{options.KeyPrefix}:{options.ClusterId}:membership";
        _key = [Key];
    }

    /// <summary>The hash holding the table.</summary>
    public string Key { get; }

    public async ValueTask<bool> RegisterAsync(string siloId, string address, DateTimeOffset startedAt, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(siloId);
        ArgumentException.ThrowIfNullOrEmpty(address);
        string entry = Encode(SiloStatus.Joining, _time.GetUtcNow(), startedAt, address);
        RespValue reply = await Register.EvaluateAsync(_connection, _key, [SiloFieldPrefix + siloId, entry], cancellationToken).ConfigureAwait(false);
        return reply.AsInt64() >= 0;
    }

    public async ValueTask<bool> UpdateStatusAsync(string siloId, SiloStatus status, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(siloId);
        RespValue reply = await UpdateStatus.EvaluateAsync(
            _connection, _key, [SiloFieldPrefix + siloId, (long)status, _time.GetUtcNow().ToUnixTimeMilliseconds()], cancellationToken).ConfigureAwait(false);
        return reply.AsInt64() >= 0;
    }

    public async ValueTask<bool> HeartbeatAsync(string siloId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(siloId);
        RespValue reply = await Heartbeat.EvaluateAsync(
            _connection, _key, [SiloFieldPrefix + siloId, _time.GetUtcNow().ToUnixTimeMilliseconds()], cancellationToken).ConfigureAwait(false);
        return reply.AsInt64() == 1;
    }

    public async ValueTask<MembershipView> ReadAsync(CancellationToken cancellationToken)
    {
        RespValue reply = await Read.EvaluateAsync(
            _connection,
            _key,
            [_time.GetUtcNow().ToUnixTimeMilliseconds(), (long)_table.DeadAfter.TotalMilliseconds, (long)_table.RemoveDeadAfter.TotalMilliseconds],
            cancellationToken).ConfigureAwait(false);
        RespValue[] parts = reply.AsArray()!;
        RespValue[] fields = parts[1].AsArray() ?? [];
        var entries = new List<SiloEntry>(fields.Length / 2);
        for (int i = 0; i + 1 < fields.Length; i += 2)
        {
            entries.Add(Decode(fields[i].AsString()![SiloFieldPrefix.Length..], fields[i + 1].AsString()!));
        }

        entries.Sort(static (a, b) => string.CompareOrdinal(a.SiloId, b.SiloId));
        return new MembershipView(parts[0].AsInt64(), entries);
    }

    private static string Encode(SiloStatus status, DateTimeOffset heartbeat, DateTimeOffset startedAt, string address) =>
        string.Create(CultureInfo.InvariantCulture, $"{(int)status}|{heartbeat.ToUnixTimeMilliseconds()}|{startedAt.ToUnixTimeMilliseconds()}|{address}");

    private static SiloEntry Decode(string siloId, string entry)
    {
        string[] parts = entry.Split('|', 4);
        if (parts.Length != 4
            || !int.TryParse(parts[0], CultureInfo.InvariantCulture, out int status)
            || !long.TryParse(parts[1], CultureInfo.InvariantCulture, out long heartbeat)
            || !long.TryParse(parts[2], CultureInfo.InvariantCulture, out long started))
        {
            throw new RedisProtocolException($"Membership entry of silo '{siloId}' is malformed: '{entry}'.");
        }

        return new SiloEntry(
            siloId,
            parts[3],
            DateTimeOffset.FromUnixTimeMilliseconds(started),
            (SiloStatus)status,
            DateTimeOffset.FromUnixTimeMilliseconds(heartbeat));
    }
}
