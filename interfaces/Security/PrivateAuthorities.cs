using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace GrainLimiter.Security;

/// <summary>Trust in private CAs read from a file (a silo's <c>ClientCaFile</c>, region sync's, the client's and the CLI's
/// <c>CaFile</c>): a peer's chain built against them alone, as the fronts, region sync, the client and the CLI all check it.</summary>
public static class PrivateAuthorities
{
    /// <summary>Whether <paramref name="certificate"/> chains up to one of <paramref name="authorities"/> (the system store is not asked).</summary>
    /// <param name="presented">The chain the peer's handshake built, whose intermediates the peer sent with its certificate.</param>
    public static bool Issued(X509Certificate2Collection authorities, X509Certificate certificate, X509Chain? presented = null)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        // No network on the way to a decision: revocation is left to short-lived certificates.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presented is not null)
        {
            chain.ChainPolicy.ExtraStore.AddRange(presented.ChainElements.Select(static e => e.Certificate).ToArray());
        }

        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }

    /// <summary>A server check that trusts the system store and <paramref name="authorities"/>; the server's name must match either way.</summary>
    public static RemoteCertificateValidationCallback AlsoTrusting(X509Certificate2Collection authorities) => (_, certificate, chain, errors) =>
        errors == SslPolicyErrors.None
        || (certificate is not null && errors == SslPolicyErrors.RemoteCertificateChainErrors && Issued(authorities, certificate, chain));

    /// <summary>A server check that trusts <paramref name="authorities"/> only, not the system store; the server's name must match.</summary>
    public static RemoteCertificateValidationCallback TrustingOnly(X509Certificate2Collection authorities) => (_, certificate, chain, errors) =>
        certificate is not null && (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) == SslPolicyErrors.None && Issued(authorities, certificate, chain);
}
