using System.Security.Cryptography.X509Certificates;

namespace GrainLimiter.Silo.Tests.Fixtures;

/// <summary>A test CA that signs leaf certificates for <c>localhost</c> and 127.0.0.1 (plus any names given).</summary>
public sealed class TestAuthority(TestCertificates files, string name, X509Certificate2 certificate, string certificateFile) : IDisposable
{
    public string Name => name;

    /// <summary>The CA's certificate, with its private key.</summary>
    public X509Certificate2 Certificate => certificate;

    /// <summary>The CA's certificate as PEM: what a <c>CaFile</c> setting points at.</summary>
    public string CertificateFile => certificateFile;

    /// <summary>A leaf certificate signed by this CA, good for server and client authentication unless told otherwise.</summary>
    public X509Certificate2 Issue(string subject, bool server = true, bool client = true, IEnumerable<string>? dnsNames = null, DateTimeOffset? notAfter = null)
    {
        var notBefore = DateTimeOffset.UtcNow.AddMinutes(-5);
        return CertificateIssuer.Issue(certificate, subject, server, client, dnsNames, notBefore, notAfter ?? notBefore.AddDays(1));
    }

    /// <summary>A leaf certificate written as <c>{subject}.crt</c> and <c>{subject}.key</c> (PEM), as a Kubernetes TLS Secret mounts them.</summary>
    public (string CertificateFile, string KeyFile) IssuePem(string subject, bool server = true, bool client = true, IEnumerable<string>? dnsNames = null)
    {
        using var leaf = Issue(subject, server, client, dnsNames);
        var (certificateFile, keyFile) = (files.PathOf($"{subject}.crt"), files.PathOf($"{subject}.key"));
        File.WriteAllText(certificateFile, leaf.ExportCertificatePem());
        File.WriteAllText(keyFile, leaf.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        return (certificateFile, keyFile);
    }

    /// <summary>A leaf certificate and its key written as <c>{subject}.pfx</c> (PKCS#12) under <paramref name="password"/>.</summary>
    public string IssuePfx(string subject, string password)
    {
        using var leaf = Issue(subject);
        var file = files.PathOf($"{subject}.pfx");
        File.WriteAllBytes(file, leaf.Export(X509ContentType.Pkcs12, password));
        return file;
    }

    public void Dispose() => certificate.Dispose();
}
