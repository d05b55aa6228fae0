namespace GrainLimiter.Client;

/// <summary>The <c>GrainLimiter:Client:Tls</c> section: trust for <c>https://</c> silos, and the client's own certificate.</summary>
public sealed class ClientTlsOptions
{
    /// <summary>A PEM file of the CAs that issued the silos' certificates (a private CA), trusted besides the system store.</summary>
    public string? CaFile { get; set; }

    /// <summary>A certificate the client presents to silos that require one: PEM (with <see cref="KeyFile"/>) or PFX.</summary>
    public string? CertificateFile { get; set; }

    /// <summary>The PEM private key of <see cref="CertificateFile"/>; unset when the certificate file holds it (or is a PFX).</summary>
    public string? KeyFile { get; set; }

    /// <summary>The password of a PFX <see cref="CertificateFile"/>.</summary>
    public string? Password { get; set; }
}
