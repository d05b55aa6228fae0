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
        var certificate = CertificateIssuer.CreateAuthority($"{name} test CA", NotBefore, NotBefore.AddDays(2));
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
