using System.Globalization;
using System.Text;

namespace GrainLimiter.Silo.Storage.Redis;

/// <summary>
/// Where and how to connect to one Redis endpoint. Parsed from a StackExchange.Redis-style connection string:
/// <c>host:port,password=...,user=...,ssl=true,sslHost=...,sslCaFile=/path/ca.pem,defaultDatabase=N,connectTimeout=ms,syncTimeout=ms,reconnectMaxDelay=ms</c>.
/// </summary>
/// <remarks>
/// Option names are case-insensitive. Values cannot contain commas. <c>sslCaFile</c> names a PEM file of CA (or
/// self-signed server) certificates trusted in addition to the system store's validation; without it the server
/// certificate must validate against the system store. Certificate validation cannot be switched off.
/// </remarks>
public sealed record RedisConnectionOptions
{
    public const int DefaultPort = 6379;

    private static readonly string[] KnownOptions =
        ["password", "user", "ssl", "sslHost", "sslCaFile", "defaultDatabase", "connectTimeout", "syncTimeout", "reconnectMaxDelay"];

    public required string Host { get; init; }

    public int Port { get; init; } = DefaultPort;

    /// <summary>ACL user name (Redis 6+). Null means the <c>default</c> user (<c>AUTH password</c>).</summary>
    public string? User { get; init; }

    public string? Password { get; init; }

    public bool Ssl { get; init; }

    /// <summary>Name the server certificate must carry; defaults to <see cref="Host"/>.</summary>
    public string? SslHost { get; init; }

    /// <summary>PEM file of certificates to trust as roots for the server certificate.</summary>
    public string? SslCaFile { get; init; }

    public int DefaultDatabase { get; init; }

    /// <summary>Socket connect + TLS + AUTH/SELECT must finish within this.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Command timeout: a reply later than this fails the command with <see cref="RedisTimeoutException"/>.</summary>
    public TimeSpan SyncTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>First wait before reconnecting after the connection drops; doubles per failure up to <see cref="ReconnectMaxDelay"/>.</summary>
    public TimeSpan ReconnectMinDelay { get; init; } = TimeSpan.FromMilliseconds(50);

    public TimeSpan ReconnectMaxDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary><c>host:port</c>, with IPv6 hosts in brackets.</summary>
    public string Endpoint => Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}";

    /// <summary>Parses a connection string; a <see cref="FormatException"/> names the option that is wrong.</summary>
    public static RedisConnectionOptions Parse(string connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        string? endpoint = null;
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (string rawPart in connectionString.Split(','))
        {
            string part = rawPart.Trim();
            if (part.Length == 0)
            {
                continue;
            }

            int equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals < 0)
            {
                if (endpoint is not null)
                {
                    throw new FormatException(
                        $"Redis connection string has two endpoints ('{endpoint}' and '{part}'); one connection talks to one endpoint.");
                }

                endpoint = part;
                continue;
            }

            string name = part[..equals].Trim();
            string value = part[(equals + 1)..].Trim();
            if (!KnownOptions.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                throw new FormatException(
                    $"Unknown Redis connection string option '{name}'. Known options: {string.Join(", ", KnownOptions)}.");
            }

            if (!values.TryAdd(name, value))
            {
                throw new FormatException($"Redis connection string option '{name}' is given twice.");
            }
        }

        if (endpoint is null)
        {
            throw new FormatException("Redis connection string has no endpoint: start it with host:port, e.g. 'localhost:6379,ssl=true'.");
        }

        (string host, int port) = ParseEndpoint(endpoint);
        return new RedisConnectionOptions
        {
            Host = host,
            Port = port,
            User = NonEmpty(values, "user"),
            Password = values.GetValueOrDefault("password"),
            Ssl = Boolean(values, "ssl"),
            SslHost = NonEmpty(values, "sslHost"),
            SslCaFile = NonEmpty(values, "sslCaFile"),
            DefaultDatabase = Integer(values, "defaultDatabase", 0, min: 0, "a database index of 0 or more"),
            ConnectTimeout = Milliseconds(values, "connectTimeout", 5000),
            SyncTimeout = Milliseconds(values, "syncTimeout", 5000),
            ReconnectMaxDelay = Milliseconds(values, "reconnectMaxDelay", 5000),
        };
    }

    /// <summary>The connection string, with the password masked: safe for logs.</summary>
    public override string ToString()
    {
        var text = new StringBuilder(Endpoint);
        if (User is not null)
        {
            text.Append(",user=").Append(User);
        }

        if (Password is not null)
        {
            text.Append(",password=*****");
        }

        if (Ssl)
        {
            text.Append(",ssl=true");
        }

        if (SslHost is not null)
        {
            text.Append(",sslHost=").Append(SslHost);
        }

        if (SslCaFile is not null)
        {
            text.Append(",sslCaFile=").Append(SslCaFile);
        }

        text.Append(CultureInfo.InvariantCulture, $",defaultDatabase={DefaultDatabase}")
            .Append(CultureInfo.InvariantCulture, $",connectTimeout={ConnectTimeout.TotalMilliseconds:0}")
            .Append(CultureInfo.InvariantCulture, $",syncTimeout={SyncTimeout.TotalMilliseconds:0}");
        return text.ToString();
    }

    private static (string Host, int Port) ParseEndpoint(string endpoint)
    {
        string host = endpoint;
        string? port = null;
        if (endpoint.StartsWith('['))
        {
            int close = endpoint.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || (close + 1 < endpoint.Length && endpoint[close + 1] != ':'))
            {
                throw new FormatException($"Redis endpoint '{endpoint}' is not [ipv6]:port.");
            }

            host = endpoint[1..close];
            port = close + 1 < endpoint.Length ? endpoint[(close + 2)..] : null;
        }
        else if (endpoint.Count(c => c == ':') == 1)
        {
            int colon = endpoint.IndexOf(':', StringComparison.Ordinal);
            host = endpoint[..colon];
            port = endpoint[(colon + 1)..];
        }

        if (host.Length == 0)
        {
            throw new FormatException($"Redis endpoint '{endpoint}' has no host.");
        }

        if (port is null)
        {
            return (host, DefaultPort);
        }

        if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out int number) || number is < 1 or > 65535)
        {
            throw new FormatException($"Redis endpoint '{endpoint}' has port '{port}'; expected a number from 1 to 65535.");
        }

        return (host, number);
    }

    private static string? NonEmpty(Dictionary<string, string> values, string name)
    {
        if (!values.TryGetValue(name, out string? value))
        {
            return null;
        }

        return value.Length > 0 ? value : throw new FormatException($"Redis connection string option '{name}' is empty.");
    }

    private static bool Boolean(Dictionary<string, string> values, string name)
    {
        if (!values.TryGetValue(name, out string? value))
        {
            return false;
        }

        return bool.TryParse(value, out bool result)
            ? result
            : throw new FormatException($"Redis connection string option '{name}' must be true or false; got '{value}'.");
    }

    private static int Integer(Dictionary<string, string> values, string name, int fallback, int min, string expected)
    {
        if (!values.TryGetValue(name, out string? value))
        {
            return fallback;
        }

        return int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int result) && result >= min
            ? result
            : throw new FormatException($"Redis connection string option '{name}' must be {expected}; got '{value}'.");
    }

    private static TimeSpan Milliseconds(Dictionary<string, string> values, string name, int fallback) =>
        TimeSpan.FromMilliseconds(Integer(values, name, fallback, min: 1, "a positive number of milliseconds"));
}
