namespace GrainLimiter.Silo.Tls;

/// <summary>The <c>GrainLimiter:Tls</c> section: the certificate every <c>https://</c> Kestrel endpoint of the silo serves.</summary>
/// <remarks>Unset (the default): no certificate, and every endpoint must be <c>http://</c>. The files are watched and reloaded
/// when they change (a renewed Kubernetes Secret), without restarting or rebinding the endpoints.</remarks>
public sealed class FrontTlsOptions
{
    public const string Section = "GrainLimiter:Tls";

    /// <summary>A PEM file (the certificate first, then its intermediates) or a PKCS#12 (PFX) file.</summary>
    public string? CertificateFile { get; set; }

    /// <summary>The PEM private key of a PEM certificate; unset when <see cref="CertificateFile"/> holds the key too (or is a PFX).</summary>
    public string? KeyFile { get; set; }

    /// <summary>The password of a PFX file or of an encrypted PEM key.</summary>
    public string? Password { get; set; }

    /// <summary>A PEM file of CAs: when set, the fronts require a client certificate issued by one of them.</summary>
    public string? ClientCaFile { get; set; }

    public bool Enabled => !string.IsNullOrWhiteSpace(CertificateFile);
}
