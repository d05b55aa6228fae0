using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Configuration;
using Orleans.Connections.Security;

namespace GrainLimiter.Tls;

/// <summary>Mutual TLS on a silo's or a client's Orleans connections, every peer's certificate checked against the CA.</summary>
/// <remarks>
/// Orleans' own <c>UseTls</c> gives all of a silo's connections one <see cref="TlsOptions"/>, so one validation callback cannot
/// tell a connecting peer (which must hold a client certificate) from a peer dialled (a server certificate). These wire the same
/// connection middleware per direction instead. Once a callback is set Orleans ignores the system's verdict (its store, and a
/// name that could not match: Orleans dials IP addresses), so the callback is the whole check.
/// </remarks>
public static partial class OrleansTlsHostingExtensions
{
    public static ISiloBuilder UseGrainLimiterTls(this ISiloBuilder silo, OrleansTlsCredentials credentials)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        return silo.Configure<SiloConnectionOptions>(connections =>
        {
            connections.ConfigureSiloInboundConnection(inbound =>
                inbound.UseServerTls(Options(credentials, OrleansTlsCredentials.ClientAuthentication, inbound)));
            connections.ConfigureGatewayInboundConnection(inbound =>
                inbound.UseServerTls(Options(credentials, OrleansTlsCredentials.ClientAuthentication, inbound)));
            connections.ConfigureSiloOutboundConnection(outbound =>
                outbound.UseClientTls(Options(credentials, OrleansTlsCredentials.ServerAuthentication, outbound)));
        });
    }

    public static IClientBuilder UseGrainLimiterTls(this IClientBuilder client, OrleansTlsCredentials credentials)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        return client.Configure<ClientConnectionOptions>(connections =>
            connections.ConfigureConnection(outbound => outbound.UseClientTls(Options(credentials, OrleansTlsCredentials.ServerAuthentication, outbound))));
    }

    // The peer must show a certificate (RemoteCertificateMode) and so must this side (ClientCertificateMode).
    private static TlsOptions Options(OrleansTlsCredentials credentials, string peerUsage, IConnectionBuilder connection)
    {
        var logger = (connection.ApplicationServices.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance)
            .CreateLogger(typeof(OrleansTlsHostingExtensions).FullName!);
        return new TlsOptions
        {
            LocalCertificate = credentials.Certificate,
            RemoteCertificateMode = RemoteCertificateMode.RequireCertificate,
            ClientCertificateMode = RemoteCertificateMode.RequireCertificate,
            RemoteCertificateValidation = (certificate, _, _) =>
            {
                if (credentials.Trusts(certificate, peerUsage, out var refusal))
                {
                    return true;
                }

                LogRefused(logger, certificate.Subject, certificate.Thumbprint, refusal);
                return false;
            },
        };
    }

    [LoggerMessage(1, LogLevel.Warning, "Refused an Orleans connection: the peer's certificate {Subject} ({Thumbprint}) is not trusted: {Refusal}")]
    private static partial void LogRefused(ILogger logger, string subject, string thumbprint, string refusal);
}
