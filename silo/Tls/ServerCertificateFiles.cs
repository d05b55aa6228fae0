using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace GrainLimiter.Silo.Tls;

/// <summary>Reads the fronts' certificate from <see cref="FrontTlsOptions"/>: PEM certificate and key, or a PFX with its password.</summary>
/// <remarks>Every problem is a <see cref="TlsSettingException"/> naming the setting to fix, so a bad file stops start-up clearly
/// and a bad renewal is logged while the previous certificate stays in use.</remarks>
public static class ServerCertificateFiles
{
    private const string Prefix = "GrainLimiter__Tls__";
    private const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";

    /// <summary>The certificate with its private key and the chain sent in the handshake.</summary>
    /// <exception cref="TlsSettingException">A file is missing or unreadable, the password is wrong, the key is not the certificate's,
    /// or the certificate cannot authenticate a server now.</exception>
    public static SslStreamCertificateContext Load(FrontTlsOptions options, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(options);
        var certificateFile = options.CertificateFile ?? throw new TlsSettingException($"{Prefix}CertificateFile: is required.");
        var text = Read(certificateFile, "CertificateFile");
        var (leaf, intermediates) = text.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal)
            ? FromPem(certificateFile, text, options)
            : FromPkcs12(certificateFile, options.Password);
        Usable(leaf, certificateFile, now);
        return SslStreamCertificateContext.Create(leaf, intermediates, offline: true);
    }

    private static (X509Certificate2 Leaf, X509Certificate2Collection Intermediates) FromPem(string certificateFile, string text, FrontTlsOptions options)
    {
        var keySetting = options.KeyFile is { Length: > 0 } ? "KeyFile" : "CertificateFile";
        var keyFile = options.KeyFile is { Length: > 0 } file ? file : certificateFile;
        var keyText = ReferenceEquals(keyFile, certificateFile) ? text : Read(keyFile, "KeyFile");
        if (!keyText.Contains("PRIVATE KEY-----", StringComparison.Ordinal))
        {
            throw new TlsSettingException(options.KeyFile is { Length: > 0 }
                ? $"{Prefix}KeyFile: '{keyFile}' holds no PEM private key."
                : $"{Prefix}KeyFile: is required: '{certificateFile}' holds no private key.");
        }

        var encrypted = keyText.Contains("-----BEGIN ENCRYPTED PRIVATE KEY-----", StringComparison.Ordinal);
        if (encrypted && string.IsNullOrEmpty(options.Password))
        {
            throw new TlsSettingException($"{Prefix}Password: is required: the key in '{keyFile}' is encrypted.");
        }

        if (encrypted && !Decrypts(keyText, options.Password!))
        {
            throw new TlsSettingException($"{Prefix}Password: does not decrypt the key in '{keyFile}'.");
        }

        var all = new X509Certificate2Collection();
        try
        {
            all.ImportFromPem(text);
        }
        catch (CryptographicException e)
        {
            throw new TlsSettingException($"{Prefix}CertificateFile: '{certificateFile}' is not a PEM certificate file: {e.Message}", e);
        }

        var leaf = all[0];
        var mismatch = $"{Prefix}{keySetting}: the key in '{keyFile}' is not the private key of the certificate in '{certificateFile}'.";
        using var key = Key(leaf, keyText, encrypted ? options.Password : null) ?? throw new TlsSettingException(mismatch);
        all.RemoveAt(0);
        try
        {
            // An ephemeral key, as SslStream on Linux uses it (a PKCS#12 round trip is only needed on Windows).
            return (key is RSA rsa ? leaf.CopyWithPrivateKey(rsa) : leaf.CopyWithPrivateKey((ECDsa)key), all);
        }
        catch (ArgumentException e)
        {
            throw new TlsSettingException(mismatch, e);
        }
    }

    // The key of the certificate's algorithm, or null when the file holds another kind of key.
    private static AsymmetricAlgorithm? Key(X509Certificate2 leaf, string keyText, string? password)
    {
        AsymmetricAlgorithm? key = leaf.GetKeyAlgorithm() switch
        {
            "1.2.840.113549.1.1.1" => RSA.Create(),
            "1.2.840.10045.2.1" => ECDsa.Create(),
            _ => null,
        };
        try
        {
            if (password is null)
            {
                key?.ImportFromPem(keyText);
            }
            else
            {
                key?.ImportFromEncryptedPem(keyText, password);
            }

            return key;
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            key?.Dispose();
            return null;
        }
    }

    // Tells a wrong password from a key of another certificate: does the password open the key at all?
    private static bool Decrypts(string keyText, string password)
    {
        foreach (var algorithm in new Func<AsymmetricAlgorithm>[] { RSA.Create, ECDsa.Create })
        {
            using var key = algorithm();
            try
            {
                key.ImportFromEncryptedPem(keyText, password);
                return true;
            }
            catch (Exception e) when (e is CryptographicException or ArgumentException)
            {
                // Not this algorithm's key, or not this password.
            }
        }

        return false;
    }

    private static (X509Certificate2 Leaf, X509Certificate2Collection Intermediates) FromPkcs12(string certificateFile, string? password)
    {
        X509Certificate2Collection all;
        try
        {
            all = X509CertificateLoader.LoadPkcs12CollectionFromFile(certificateFile, password, X509KeyStorageFlags.EphemeralKeySet);
        }
        catch (CryptographicException e)
        {
            throw new TlsSettingException($"{Prefix}Password: does not open '{certificateFile}' (a wrong password, or not a PEM or PFX file): {e.Message}", e);
        }

        var leaf = all.FirstOrDefault(static c => c.HasPrivateKey)
            ?? throw new TlsSettingException($"{Prefix}CertificateFile: '{certificateFile}' holds no certificate with its private key.");
        all.Remove(leaf);
        return (leaf, all);
    }

    private static void Usable(X509Certificate2 leaf, string file, DateTimeOffset now)
    {
        if (now < leaf.NotBefore.ToUniversalTime() || now > leaf.NotAfter.ToUniversalTime())
        {
            throw new TlsSettingException($"{Prefix}CertificateFile: the certificate in '{file}' ({leaf.Subject}) is valid from " +
                $"{leaf.NotBefore.ToUniversalTime():u} to {leaf.NotAfter.ToUniversalTime():u}, not now ({now.UtcDateTime:u}).");
        }

        var usages = leaf.Extensions.OfType<X509EnhancedKeyUsageExtension>().SelectMany(static e => e.EnhancedKeyUsages.Cast<Oid>()).ToArray();
        if (usages.Length > 0 && !usages.Any(static u => u.Value == ServerAuthentication))
        {
            throw new TlsSettingException($"{Prefix}CertificateFile: the certificate in '{file}' ({leaf.Subject}) is not for server " +
                $"authentication (extended key usage).");
        }
    }

    private static string Read(string path, string setting)
    {
        if (!File.Exists(path))
        {
            throw new TlsSettingException($"{Prefix}{setting}: file '{path}' does not exist.");
        }

        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TlsSettingException($"{Prefix}{setting}: cannot read '{path}': {e.Message}", e);
        }
    }
}
