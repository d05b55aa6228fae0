using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace GrainLimiter.Silo.Tests.Fixtures;

/// <summary>A SocketsHttpHandler that trusts one CA (not the system store), checks the server's name, and remembers each server
/// certificate it was shown and each connection it opened.</summary>
public sealed class TrustingHandler : DelegatingHandler
{
    private readonly X509Certificate2 _authority;
    private int _connections;
    private volatile X509Certificate2? _lastServerCertificate;

    public TrustingHandler(X509Certificate2 authority, X509Certificate2? clientCertificate = null)
    {
        _authority = authority;
        var sockets = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            ConnectCallback = async (context, cancel) =>
            {
                Interlocked.Increment(ref _connections);
                var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp) { NoDelay = true };
                await socket.ConnectAsync(context.DnsEndPoint, cancel);
                return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
            },
        };
        sockets.SslOptions.RemoteCertificateValidationCallback = Validate;
        if (clientCertificate is not null)
        {
            sockets.SslOptions.ClientCertificates = [clientCertificate];
        }

        InnerHandler = sockets;
    }

    /// <summary>TCP connections opened so far.</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>The certificate the server showed in the latest handshake.</summary>
    public X509Certificate2? LastServerCertificate => _lastServerCertificate;

    private bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
        {
            return false;
        }

        var server = new X509Certificate2(certificate);
        _lastServerCertificate = server;
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.Add(_authority);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return custom.Build(server);
    }
}
