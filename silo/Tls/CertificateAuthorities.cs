using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace GrainLimiter.Silo.Tls;

/// <summary>A PEM file of private CAs (checked against by <see cref="GrainLimiter.Security.PrivateAuthorities"/>).</summary>
public static class CertificateAuthorities
{
    /// <summary>The certificates of a PEM file.</summary>
    /// <exception cref="TlsSettingException">The file is missing, unreadable or holds no certificate; the message starts with
    /// <paramref name="setting"/>.</exception>
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
}
