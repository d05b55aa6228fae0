using System.Net;
using GrainLimiter.Tls;

namespace GrainLimiter.Client.Orleans;

/// <summary>How a gateway joins the cluster as an Orleans client (section <c>GrainLimiter:Client:Orleans</c>).</summary>
/// <remarks>Used when <c>GrainLimiter:Client:Transport</c> is <c>orleans</c>. Give either <see cref="Redis"/> (the silos'
/// membership table: gateways come and go with the silos) or a fixed <see cref="Gateways"/> list, not both.</remarks>
public sealed class OrleansTransportOptions
{
    /// <summary>The configuration section these options bind from (environment: <c>GrainLimiter__Client__Orleans__Name</c>).</summary>
    public const string Section = GrainLimiterClientOptions.Section + ":Orleans";

    /// <summary>The silos' <c>GrainLimiter:Cluster:ClusterId</c>.</summary>
    public string ClusterId { get; set; } = "default";

    /// <summary>The silos' <c>GrainLimiter:Cluster:ServiceId</c>.</summary>
    public string ServiceId { get; set; } = "grainlimiter";

    /// <summary>StackExchange.Redis connection string of the silos' membership (their <c>GrainLimiter:Redis</c>); the gateways
    /// are read from it.</summary>
    public string? Redis { get; set; }

    /// <summary>Silo gateway endpoints, <c>host:port</c> (the silos' <c>GrainLimiter:Cluster:GatewayPort</c>, 30000 by default).</summary>
    public List<string> Gateways { get; set; } = [];

    /// <summary>Whether a hot key's single-key checks are decided in this process from leases and cached denials its grain grants
    /// (default true). False: every check is a call to the cluster.</summary>
    public bool Leases { get; set; } = true;

    /// <summary>Mutual TLS to the gateways, as the silos' <c>GrainLimiter:Cluster:Tls</c> (section <c>GrainLimiter:Client:Orleans:Tls</c>):
    /// this client's certificate, and the CA the silos' certificates must chain to. Plain text unless enabled.</summary>
    public OrleansTlsOptions Tls { get; set; } = new();

    /// <summary>Every problem with these options, each naming the setting to fix; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(ClusterId))
        {
            problems.Add($"{Section}:ClusterId: must not be empty (the silos' GrainLimiter:Cluster:ClusterId).");
        }

        if (string.IsNullOrWhiteSpace(ServiceId))
        {
            problems.Add($"{Section}:ServiceId: must not be empty (the silos' GrainLimiter:Cluster:ServiceId).");
        }

        var hasRedis = !string.IsNullOrWhiteSpace(Redis);
        if (hasRedis == Gateways.Count > 0)
        {
            problems.Add(hasRedis
                ? $"{Section}: give Redis or Gateways, not both."
                : $"{Section}: give Redis (the silos' membership, e.g. 127.0.0.1:6379) or Gateways (e.g. 127.0.0.1:30000).");
        }

        for (var i = 0; i < Gateways.Count; i++)
        {
            if (!TryParseGateway(Gateways[i], out _, out _))
            {
                problems.Add($"{Section}:Gateways:{i}: '{Gateways[i]}' is not host:port with a port in 1..65535.");
            }
        }

        if (hasRedis)
        {
            try
            {
                _ = StackExchange.Redis.ConfigurationOptions.Parse(Redis!);
            }
            catch (ArgumentException e)
            {
                problems.Add($"{Section}:Redis: not a StackExchange.Redis connection string ({e.Message}).");
            }
        }

        // Reads the certificate and CA files, so a wrong one stops the host naming it instead of failing every connection.
        LoadTls(problems)?.Certificate.Dispose();
        return problems;
    }

    /// <summary>The <see cref="Tls"/> certificate and CA, read from their files; null when TLS is off or a file is wrong.</summary>
    internal OrleansTlsCredentials? LoadTls(ICollection<string> problems) =>
        OrleansTlsCredentials.Load(Tls, TlsRole.Client, static property => $"{Section}:Tls:{property}", problems);

    /// <summary>Splits <c>host:port</c> (IPv6 as <c>[::1]:30000</c>).</summary>
    internal static bool TryParseGateway(string? text, out string host, out int port)
    {
        host = "";
        port = 0;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        if (IPEndPoint.TryParse(text, out var endpoint) && endpoint.Port > 0 && text.Contains(':', StringComparison.Ordinal))
        {
            (host, port) = (endpoint.Address.ToString(), endpoint.Port);
            return true;
        }

        var colon = text.LastIndexOf(':');
        if (colon <= 0
            || !int.TryParse(text.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out port)
            || port is < 1 or > 65535 || Uri.CheckHostName(text[..colon]) == UriHostNameType.Unknown)
        {
            port = 0;
            return false;
        }

        host = text[..colon];
        return true;
    }
}
