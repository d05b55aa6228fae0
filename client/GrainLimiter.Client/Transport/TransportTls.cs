using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using GrainLimiter.Security;

namespace GrainLimiter.Client.Transport;

/// <summary>What <see cref="ClientTlsOptions"/> asks of every silo connection: a private CA trusted, a client certificate presented.</summary>
internal sealed class TransportTls
{
    private readonly X509Certificate2Collection? _authorities;
    private readonly X509Certificate2? _certificate;

    private TransportTls(X509Certificate2Collection? authorities, X509Certificate2? certificate)
    {
        _authorities = authorities;
        _certificate = certificate;
    }

    /// <summary>Reads the files; each problem names the setting to fix.</summary>
    /// <exception cref="ArgumentException">A file is missing or cannot be read as a certificate.</exception>
    public static TransportTls Load(ClientTlsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new TransportTls(
            string.IsNullOrEmpty(options.CaFile) ? null : Authorities(options.CaFile),
            string.IsNullOrEmpty(options.CertificateFile) ? null : Certificate(options.CertificateFile, options.KeyFile, options.Password));
    }

    /// <summary>Every problem with the files, each naming its setting; empty when they can be used.</summary>
    public static IReadOnlyList<string> Problems(ClientTlsOptions options)
    {
        try
        {
            Load(options);
            return [];
        }
        catch (ArgumentException e)
        {
            return [e.Message];
        }
    }

    public void Apply(SslClientAuthenticationOptions ssl)
    {
        if (_authorities is { } authorities)
        {
            ssl.RemoteCertificateValidationCallback = PrivateAuthorities.AlsoTrusting(authorities);
        }

        if (_certificate is { } certificate)
        {
            ssl.ClientCertificates = [certificate];
        }
    }

    private static X509Certificate2Collection Authorities(string file)
    {
        var authorities = new X509Certificate2Collection();
        try
        {
            authorities.ImportFromPemFile(file);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"{Setting}:CaFile: cannot read '{file}' as PEM certificates: {e.Message}", e);
        }

        return authorities.Count > 0 ? authorities : throw new ArgumentException($"{Setting}:CaFile: '{file}' holds no PEM certificate.");
    }

    private static X509Certificate2 Certificate(string file, string? keyFile, string? password)
    {
        try
        {
            if (File.ReadAllText(file).Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal))
            {
                return X509Certificate2.CreateFromPemFile(file, string.IsNullOrEmpty(keyFile) ? null : keyFile);
            }

            return X509CertificateLoader.LoadPkcs12FromFile(file, password, X509KeyStorageFlags.EphemeralKeySet);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"{Setting}:CertificateFile: cannot use '{file}'{(string.IsNullOrEmpty(keyFile) ? "" : $" with the key '{keyFile}'")}" +
                $" (a missing file, a key of another certificate, or a wrong password): {e.Message}", e);
        }
    }

    private const string Setting = GrainLimiterClientOptions.Section + ":Tls";
}
