using System.Net;
using System.Net.Security;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace GrainLimiter.Silo.Tests.Fixtures;

/// <summary>A certificate authority made in the test (System.Security.Cryptography's CertificateRequest, ECDSA P-256), the
/// certificates it issues, and the files a silo or a client reads them from. Nothing touches the machine's stores.</summary>
public sealed class TestCertificateAuthority : IDisposable
{
    private TestCertificateAuthority(X509Certificate2 certificate) => Certificate = certificate;

    /// <summary>The CA's certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    public static TestCertificateAuthority Create(string name = "GrainLimiter Test CA")
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        var now = DateTimeOffset.UtcNow;
        return new TestCertificateAuthority(request.CreateSelfSigned(now.AddDays(-30), now.AddYears(1)));
    }

    /// <summary>A server certificate for localhost, 127.0.0.1 and ::1, signed by this CA.</summary>
    public X509Certificate2 IssueServer(string name = "localhost", DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null)
    {
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        return Issue(name, "1.3.6.1.5.5.7.3.1", names.Build(), notBefore, notAfter);
    }

    /// <summary>A client certificate, signed by this CA.</summary>
    public X509Certificate2 IssueClient(string name = "grainlimiter-client") => Issue(name, "1.3.6.1.5.5.7.3.2", extension: null, null, null);

    /// <summary>Writes the CA's certificate as a PEM file and returns its path.</summary>
    public string WriteCertificate(string directory, string fileName = "ca.crt")
    {
        var path = Path.Combine(directory, fileName);
        File.WriteAllText(path, Certificate.ExportCertificatePem());
        return path;
    }

    /// <summary>An HTTP handler (for HttpClient or a GrpcChannel) that trusts this CA only, and records the server certificates it saw.</summary>
    public TrustingHandler Trusting() => new(Certificate);

    private X509Certificate2 Issue(string name, string usage, X509Extension? extension, DateTimeOffset? notBefore, DateTimeOffset? notAfter)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usage)], critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        if (extension is not null)
        {
            request.CertificateExtensions.Add(extension);
        }

        var now = DateTimeOffset.UtcNow;
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F; // a positive serial number
        using var issued = request.Create(Certificate, notBefore ?? now.AddHours(-1), notAfter ?? now.AddDays(7), serial);
        return issued.CopyWithPrivateKey(key);
    }

    public void Dispose() => Certificate.Dispose();
}

/// <summary>Writes certificates the ways a silo or a client is given them: PEM certificate and key, PFX, a Kubernetes Secret volume.</summary>
public static class TestCertificateFiles
{
    /// <summary>A fresh temporary directory for one test's files.</summary>
    public static string NewDirectory()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"grainlimiter-tls-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        return directory;
    }

    /// <summary>Writes <c>{name}.crt</c> (PEM certificate) and <c>{name}.key</c> (PEM PKCS#8 key, encrypted when a password is given).</summary>
    public static (string Certificate, string Key) WritePem(string directory, X509Certificate2 certificate, string name = "tls", string? password = null)
    {
        var certificatePath = Path.Combine(directory, $"{name}.crt");
        var keyPath = Path.Combine(directory, $"{name}.key");
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, KeyPem(certificate, password));
        return (certificatePath, keyPath);
    }

    /// <summary>Writes a PKCS#12 (PFX) file holding the certificate and its key.</summary>
    public static string WritePfx(string directory, X509Certificate2 certificate, string password, string name = "tls")
    {
        var path = Path.Combine(directory, $"{name}.pfx");
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pkcs12, password));
        return path;
    }

    /// <summary>The PEM of the certificate's private key.</summary>
    public static string KeyPem(X509Certificate2 certificate, string? password = null)
    {
        using var key = certificate.GetECDsaPrivateKey() ?? throw new ArgumentException("no ECDSA private key", nameof(certificate));
        return password is null
            ? key.ExportPkcs8PrivateKeyPem()
            : key.ExportEncryptedPkcs8PrivateKeyPem(password, new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 1000));
    }

    [DllImport("libc", EntryPoint = "rename", SetLastError = true)]
    private static extern int Rename([MarshalAs(UnmanagedType.LPUTF8Str)] string from, [MarshalAs(UnmanagedType.LPUTF8Str)] string to);

    /// <summary>Settings of a silo (<c>RunningSilo</c>) serving HTTP and gRPC over TLS with these files, on free loopback ports.</summary>
    public static Dictionary<string, string?> SiloSettings(string certificateFile, string? keyFile = null, string? password = null) => new()
    {
        ["Kestrel:Endpoints:Http:Url"] = $"https://127.0.0.1:{FreePort.Next()}",
        ["Kestrel:Endpoints:Grpc:Url"] = $"https://127.0.0.1:{FreePort.Next()}",
        ["GrainLimiter:Tls:CertificateFile"] = certificateFile,
        ["GrainLimiter:Tls:KeyFile"] = keyFile,
        ["GrainLimiter:Tls:Password"] = password,
    };

    /// <summary>
    /// Writes a <c>kubernetes.io/tls</c> Secret as the kubelet mounts it: <c>tls.crt</c> and <c>tls.key</c> are symlinks through
    /// <c>..data</c> to a timestamped directory; an update writes a new directory and swaps <c>..data</c> in one rename.
    /// </summary>
    public static void WriteSecretVolume(string volume, X509Certificate2 certificate)
    {
        var version = $"..{DateTime.UtcNow:yyyy_MM_dd_HH_mm_ss}.{Guid.NewGuid():N}";
        var versionDirectory = Path.Combine(volume, version);
        Directory.CreateDirectory(versionDirectory);
        File.WriteAllText(Path.Combine(versionDirectory, "tls.crt"), certificate.ExportCertificatePem());
        File.WriteAllText(Path.Combine(versionDirectory, "tls.key"), KeyPem(certificate));
        var temporary = Path.Combine(volume, "..data_tmp");
        File.CreateSymbolicLink(temporary, version);
        // rename(2) replaces ..data at once (File.Move does not move a symlink to a directory).
        if (Rename(temporary, Path.Combine(volume, "..data")) != 0)
        {
            throw new IOException($"rename to ..data failed: errno {Marshal.GetLastPInvokeError()}");
        }

        foreach (var file in new[] { "tls.crt", "tls.key" })
        {
            if (!File.Exists(Path.Combine(volume, file)))
            {
                File.CreateSymbolicLink(Path.Combine(volume, file), Path.Combine("..data", file));
            }
        }
    }
}

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
