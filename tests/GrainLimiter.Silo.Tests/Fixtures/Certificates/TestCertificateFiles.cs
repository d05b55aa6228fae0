using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace GrainLimiter.Silo.Tests.Fixtures;

/// <summary>Writes certificates the ways a silo or a client is given them: PEM certificate and key, PFX, a Kubernetes Secret volume.</summary>
public static class TestCertificateFiles
{
    /// <summary>A fresh temporary directory for one test's files.</summary>
    public static string NewDirectory()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"grainlimiter-tls-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        return directory;
    }

    /// <summary>Writes <c>{name}.crt</c> (PEM certificate) and <c>{name}.key</c> (PEM PKCS#8 key, encrypted when a password is given).</summary>
    public static (string Certificate, string Key) WritePem(string directory, X509Certificate2 certificate, string name = "tls", string? password = null)
    {
        var certificatePath = Path.Combine(directory, $"{name}.crt");
        var keyPath = Path.Combine(directory, $"{name}.key");
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, KeyPem(certificate, password));
        return (certificatePath, keyPath);
    }

    /// <summary>Writes a PKCS#12 (PFX) file holding the certificate and its key.</summary>
    public static string WritePfx(string directory, X509Certificate2 certificate, string password, string name = "tls")
    {
        var path = Path.Combine(directory, $"{name}.pfx");
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pkcs12, password));
        return path;
    }

    /// <summary>The PEM of the certificate's private key.</summary>
    public static string KeyPem(X509Certificate2 certificate, string? password = null)
    {
        using var key = certificate.GetECDsaPrivateKey() ?? throw new ArgumentException("no ECDSA private key", nameof(certificate));
        return password is null
            ? key.ExportPkcs8PrivateKeyPem()
            : key.ExportEncryptedPkcs8PrivateKeyPem(password, new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 1000));
    }

    [DllImport("libc", EntryPoint = "rename", SetLastError = true)]
    private static extern int Rename([MarshalAs(UnmanagedType.LPUTF8Str)] string from, [MarshalAs(UnmanagedType.LPUTF8Str)] string to);

    /// <summary>Settings of a silo (<c>RunningSilo</c>) serving HTTP and gRPC over TLS with these files, on free loopback ports.</summary>
    public static Dictionary<string, string?> SiloSettings(string certificateFile, string? keyFile = null, string? password = null) => new()
    {
        ["Kestrel:Endpoints:Http:Url"] = $"https://127.0.0.1:{FreePort.Next()}",
        ["Kestrel:Endpoints:Grpc:Url"] = $"https://127.0.0.1:{FreePort.Next()}",
        ["GrainLimiter:Tls:CertificateFile"] = certificateFile,
        ["GrainLimiter:Tls:KeyFile"] = keyFile,
        ["GrainLimiter:Tls:Password"] = password,
    };

    /// <summary>
    /// Writes a <c>kubernetes.io/tls</c> Secret as the kubelet mounts it: <c>tls.crt</c> and <c>tls.key</c> are symlinks through
    /// <c>..data</c> to a timestamped directory; an update writes a new directory and swaps <c>..data</c> in one rename.
    /// </summary>
    public static void WriteSecretVolume(string volume, X509Certificate2 certificate)
    {
        var version = $"..{DateTime.UtcNow:yyyy_MM_dd_HH_mm_ss}.{Guid.NewGuid():N}";
        var versionDirectory = Path.Combine(volume, version);
        Directory.CreateDirectory(versionDirectory);
        File.WriteAllText(Path.Combine(versionDirectory, "tls.crt"), certificate.ExportCertificatePem());
        File.WriteAllText(Path.Combine(versionDirectory, "tls.key"), KeyPem(certificate));
        var temporary = Path.Combine(volume, "..data_tmp");
        File.CreateSymbolicLink(temporary, version);
        // rename(2) replaces ..data at once (File.Move does not move a symlink to a directory).
        if (Rename(temporary, Path.Combine(volume, "..data")) != 0)
        {
            throw new IOException($"rename to ..data failed: errno {Marshal.GetLastPInvokeError()}");
        }

        foreach (var file in new[] { "tls.crt", "tls.key" })
        {
            if (!File.Exists(Path.Combine(volume, file)))
            {
                File.CreateSymbolicLink(Path.Combine(volume, file), Path.Combine("..data", file));
            }
        }
    }
}
