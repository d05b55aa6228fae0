using System.Security.Cryptography.X509Certificates;

namespace GrainLimiter.Silo.Tests.Fixtures;

/// <summary>A certificate authority made in the test, the server and client certificates it issues for the fronts' TLS, and the
/// files a silo or a client reads them from.</summary>
public sealed class TestCertificateAuthority : IDisposable
{
    private TestCertificateAuthority(X509Certificate2 certificate) => Certificate = certificate;

    /// <summary>The CA's certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    public static TestCertificateAuthority Create(string name = "GrainLimiter Test CA")
    {
        var now = DateTimeOffset.UtcNow;
        return new TestCertificateAuthority(CertificateIssuer.CreateAuthority(name, now.AddDays(-30), now.AddYears(1)));
    }

    /// <summary>A server certificate for localhost, 127.0.0.1 and ::1, signed by this CA.</summary>
    public X509Certificate2 IssueServer(string name = "localhost", DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null) =>
        Issue(name, server: true, notBefore, notAfter);

    /// <summary>A client certificate, signed by this CA.</summary>
    public X509Certificate2 IssueClient(string name = "grainlimiter-client") => Issue(name, server: false, null, null);

    /// <summary>Writes the CA's certificate as a PEM file and returns its path.</summary>
    public string WriteCertificate(string directory, string fileName = "ca.crt")
    {
        var path = Path.Combine(directory, fileName);
        File.WriteAllText(path, Certificate.ExportCertificatePem());
        return path;
    }

    /// <summary>An HTTP handler (for HttpClient or a GrpcChannel) that trusts this CA only, and records the server certificates it saw.</summary>
    public TrustingHandler Trusting() => new(Certificate);

    private X509Certificate2 Issue(string name, bool server, DateTimeOffset? notBefore, DateTimeOffset? notAfter)
    {
        var now = DateTimeOffset.UtcNow;
        return CertificateIssuer.Issue(Certificate, name, server, client: !server, dnsNames: null, notBefore ?? now.AddHours(-1), notAfter ?? now.AddDays(7));
    }

    public void Dispose() => Certificate.Dispose();
}
