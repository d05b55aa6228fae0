using System.Globalization;
using StackExchange.Redis;

namespace GrainLimiter.Silo.Storage;

/// <summary>Reads <c>GrainLimiter:Redis</c>: a StackExchange.Redis connection string plus <c>sslCaFile</c> and <c>reconnectMaxDelay</c>.</summary>
/// <remarks>
/// StackExchange.Redis understands <c>host:port</c>, <c>user</c>, <c>password</c>, <c>ssl</c>, <c>sslHost</c>,
/// <c>defaultDatabase</c>, <c>connectTimeout</c>, <c>syncTimeout</c>... and rejects unknown options. The two options it
/// lacks are taken out first: <c>sslCaFile</c> (PEM certificates the server's chain must end in, checked by a
/// certificate validation callback) and <c>reconnectMaxDelay</c> (ms, the longest wait between reconnect attempts).
/// </remarks>
public static class RedisConfiguration
{
    /// <exception cref="FormatException">The string is not valid; the message names the problem.</exception>
    public static ConfigurationOptions Parse(string connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        string? caFile = null;
        int? reconnectMaxDelay = null;
        var rest = new List<string>();
        foreach (var part in connectionString.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            var name = equals < 0 ? "" : part[..equals].Trim();
            if (name.Equals("sslCaFile", StringComparison.OrdinalIgnoreCase))
            {
                caFile = part[(equals + 1)..].Trim();
                if (!File.Exists(caFile))
                {
                    throw new FormatException($"sslCaFile '{caFile}' does not exist.");
                }
            }
            else if (name.Equals("reconnectMaxDelay", StringComparison.OrdinalIgnoreCase))
            {
                reconnectMaxDelay = int.TryParse(part[(equals + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var ms) && ms > 0
                    ? ms
                    : throw new FormatException($"reconnectMaxDelay must be a positive number of milliseconds, not '{part[(equals + 1)..]}'.");
            }
            else
            {
                rest.Add(part);
            }
        }

        ConfigurationOptions options;
        try
        {
            options = ConfigurationOptions.Parse(string.Join(',', rest));
        }
        catch (ArgumentException e)
        {
            throw new FormatException(e.Message, e);
        }

        if (options.EndPoints.Count == 0)
        {
            throw new FormatException("no server: give host:port first, e.g. 'redis:6379,password=...'.");
        }

        if (caFile is not null)
        {
            options.Ssl = true;
            // Trusts exactly the CA in the file (chain built against it), instead of the system store.
            options.TrustIssuer(caFile);
        }

        if (reconnectMaxDelay is { } max)
        {
            options.ReconnectRetryPolicy = new ExponentialRetry(Math.Min(1000, max), max);
        }

        // A key whose state cannot be read must fail now (failure mode), not wait in a backlog while Redis is down.
        options.BacklogPolicy = BacklogPolicy.FailFast;
        return options;
    }

    /// <summary>Connects at start-up: a silo told to use Redis does not start without it, and says which setting to fix.</summary>
    public static async Task<(IConnectionMultiplexer Multiplexer, bool IsShared)> ConnectAsync(ConfigurationOptions options)
    {
        try
        {
            return (await ConnectionMultiplexer.ConnectAsync(options).ConfigureAwait(false), false);
        }
        catch (RedisConnectionException e)
        {
            throw new InvalidOperationException($"GrainLimiter__Redis: cannot connect to {string.Join(", ", options.EndPoints)}: {e.Message}", e);
        }
    }
}
