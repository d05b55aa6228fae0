using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using GrainLimiter.Security;
using StackExchange.Redis;

namespace GrainLimiter.Silo.Storage;

/// <summary>Reads <c>GrainLimiter:Redis</c>: a StackExchange.Redis connection string plus <c>sslCaFile</c>, <c>passwordFile</c>
/// and <c>reconnectMaxDelay</c>.</summary>
/// <remarks>
/// StackExchange.Redis understands <c>host:port</c>, <c>user</c>, <c>password</c>, <c>ssl</c>, <c>sslHost</c>,
/// <c>defaultDatabase</c>, <c>connectTimeout</c>, <c>syncTimeout</c>... and rejects unknown options. The options it
/// lacks are taken out first: <c>sslCaFile</c> (PEM certificates the server's chain must end in, checked by a
/// certificate validation callback), <c>passwordFile</c> (the password as a mounted Kubernetes Secret gives it: no comma
/// restriction, not in the environment) and <c>reconnectMaxDelay</c> (ms, the longest wait between reconnect attempts).
/// </remarks>
public static class RedisConfiguration
{
    /// <exception cref="FormatException">The string is not valid; the message names the problem.</exception>
    public static ConfigurationOptions Parse(string connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        string? caFile = null;
        string? passwordFile = null;
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
            else if (name.Equals("passwordFile", StringComparison.OrdinalIgnoreCase))
            {
                passwordFile = part[(equals + 1)..].Trim();
                if (!File.Exists(passwordFile))
                {
                    throw new FormatException($"passwordFile '{passwordFile}' does not exist.");
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

        if (passwordFile is not null)
        {
            options.Password = options.Password is null
                ? ReadPassword(passwordFile)
                : throw new FormatException("give password or passwordFile, not both.");
        }

        if (caFile is not null)
        {
            options.Ssl = true;
            options.CertificateValidation += PrivateAuthorities.TrustingOnly(LoadAuthorities(caFile));
        }

        if (reconnectMaxDelay is { } max)
        {
            options.ReconnectRetryPolicy = new ExponentialRetry(Math.Min(1000, max), max);
        }

        // A key whose state cannot be read must fail now (failure mode), not wait in a backlog while Redis is down.
        options.BacklogPolicy = BacklogPolicy.FailFast;
        return options;
    }

    // A Secret's file often ends with the newline of the command that made it; the password itself never does.
    private static string ReadPassword(string passwordFile)
    {
        string password;
        try
        {
            password = File.ReadAllText(passwordFile).TrimEnd('\r', '\n');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FormatException($"passwordFile '{passwordFile}' cannot be read: {e.Message}", e);
        }

        return password.Length > 0 ? password : throw new FormatException($"passwordFile '{passwordFile}' is empty.");
    }

    private static X509Certificate2Collection LoadAuthorities(string caFile)
    {
        var authorities = new X509Certificate2Collection();
        try
        {
            authorities.ImportFromPemFile(caFile);
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or IOException)
        {
            throw new FormatException($"sslCaFile '{caFile}' is not a PEM certificate file: {e.Message}", e);
        }

        return authorities.Count > 0 ? authorities : throw new FormatException($"sslCaFile '{caFile}' holds no certificate.");
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
            throw new InvalidOperationException($"{CannotConnect}{string.Join(", ", options.EndPoints)}: {e.Message}", e);
        }
    }

    private const string CannotConnect = "GrainLimiter__Redis: cannot connect to ";

    /// <summary>The problem <see cref="ConnectAsync"/> reported, found in what the Orleans provider made of it; null if none.</summary>
    /// <remarks>Orleans' Redis providers rethrow a failed connection as their own exception carrying only its text.</remarks>
    public static string? ConnectionProblem(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            var at = e.Message.IndexOf(CannotConnect, StringComparison.Ordinal);
            if (at >= 0)
            {
                return e.Message[at..];
            }
        }

        return null;
    }
}
