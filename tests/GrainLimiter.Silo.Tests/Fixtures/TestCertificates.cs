using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace GrainLimiter.Silo.Tests.Fixtures;

/// <summary>Certificates made in the test: CAs, leaf certificates they sign, written as PEM or PKCS#12 into a temporary folder
/// deleted on dispose.</summary>
public sealed class TestCertificates : IDisposable
{
    private static readonly DateTimeOffset NotBefore = DateTimeOffset.UtcNow.AddMinutes(-5);
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("grainlimiter-certs-");

    public string Folder => _directory.FullName;

    /// <summary>A self-signed CA, its certificate written to <c>{name}-ca.pem</c>.</summary>
    public TestAuthority CreateAuthority(string name)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name} test CA", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        var certificate = request.CreateSelfSigned(NotBefore, NotBefore.AddDays(2));
        var file = Path.Combine(Folder, $"{name}-ca.pem");
        File.WriteAllText(file, certificate.ExportCertificatePem());
        return new TestAuthority(this, name, certificate, file);
    }

    /// <summary>Writes PEM files of several CAs into one bundle.</summary>
    public string Bundle(string name, params TestAuthority[] authorities)
    {
        var file = Path.Combine(Folder, $"{name}.pem");
        File.WriteAllText(file, string.Join('\n', authorities.Select(static a => a.Certificate.ExportCertificatePem())));
        return file;
    }

    public void Dispose() => _directory.Delete(recursive: true);

    internal string PathOf(string file) => Path.Combine(Folder, file);
}

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
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={subject}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        var usages = new OidCollection();
        if (server)
        {
            usages.Add(new Oid("1.3.6.1.5.5.7.3.1"));
        }

        if (client)
        {
            usages.Add(new Oid("1.3.6.1.5.5.7.3.2"));
        }

        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(usages, critical: false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        foreach (var dnsName in dnsNames ?? [])
        {
            names.AddDnsName(dnsName);
        }

        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(certificate, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        var notBefore = DateTimeOffset.UtcNow.AddMinutes(-5);
        using var issued = request.Create(certificate, notBefore, notAfter ?? notBefore.AddDays(1), RandomNumberGenerator.GetBytes(16));
        return issued.CopyWithPrivateKey(key);
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
