using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace GrainLimiter.Silo.Tls;

/// <summary>A PEM file of private CAs, and the checks of a peer's certificate against them.</summary>
public static class CertificateAuthorities
{
    /// <summary>The certificates of a PEM file.</summary>
    /// <exception cref="TlsSettingException">The file is missing, unreadable or holds no certificate; the message starts with <paramref name="setting"/>.</exception>
    public static X509Certificate2Collection Load(string path, string setting)
    {
        if (!File.Exists(path))
        {
            throw new TlsSettingException($"{setting}: file '{path}' does not exist.");
        }

        var authorities = new X509Certificate2Collection();
        try
        {
            authorities.ImportFromPemFile(path);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new TlsSettingException($"{setting}: '{path}' is not a PEM certificate file: {e.Message}", e);
        }

        return authorities.Count > 0 ? authorities : throw new TlsSettingException($"{setting}: '{path}' holds no PEM certificate.");
    }

    /// <summary>Whether <paramref name="certificate"/> chains up to one of <paramref name="authorities"/> (the system store is not asked).</summary>
    public static bool Issued(X509Certificate2Collection authorities, X509Certificate certificate, X509Chain? presented = null)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presented is not null)
        {
            // Intermediates the peer sent with its certificate.
            chain.ChainPolicy.ExtraStore.AddRange(presented.ChainElements.Select(static e => e.Certificate).ToArray());
        }

        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }

    /// <summary>A server check that trusts the system store and <paramref name="authorities"/>; the server's name must match either way.</summary>
    public static RemoteCertificateValidationCallback AlsoTrusting(X509Certificate2Collection authorities) => (_, certificate, chain, errors) =>
        errors == SslPolicyErrors.None
        || (certificate is not null && errors == SslPolicyErrors.RemoteCertificateChainErrors && Issued(authorities, certificate, chain));
}
