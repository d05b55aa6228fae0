namespace GrainLimiter.Tls;

/// <summary>Mutual TLS on Orleans' connections: this process's certificate and the CA every peer's certificate must chain to.</summary>
/// <remarks>Bound from <c>GrainLimiter:Cluster:Tls</c> on a silo and <c>GrainLimiter:Client:Orleans:Tls</c> on an Orleans client.
/// Off by default (plain text); once on, a peer that presents no certificate, or one the CA did not sign, is refused.</remarks>
public sealed class OrleansTlsOptions
{
    /// <summary>Whether Orleans' connections use TLS; every silo of a cluster and every client must agree.</summary>
    public bool Enabled { get; set; }

    /// <summary>This process's certificate: a PEM file (with its key, unless <see cref="KeyFile"/> is given) or a PKCS#12 (.pfx) file.</summary>
    public string? CertificateFile { get; set; }

    /// <summary>The PEM private key of <see cref="CertificateFile"/> (Kubernetes TLS Secrets: <c>tls.key</c>).</summary>
    public string? KeyFile { get; set; }

    /// <summary>The password of a PKCS#12 <see cref="CertificateFile"/>.</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>PEM file of the CA certificate(s) every peer's certificate must chain to, instead of the system's store.</summary>
    public string? CaFile { get; set; }

    /// <summary>When not empty, a peer's certificate must also carry one of these DNS names (wildcards allowed), for a CA
    /// that signs other services' certificates too. Orleans dials IP addresses, so no name is checked otherwise.</summary>
    public List<string> PeerNames { get; set; } = [];
}
