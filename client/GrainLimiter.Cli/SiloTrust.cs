using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace GrainLimiter.Cli;

/// <summary><c>--ca-file</c>: an https:// silo whose certificate a private CA issued is trusted besides the system store.</summary>
public static class SiloTrust
{
    /// <exception cref="CliException">The file is missing or holds no PEM certificate (exit 2).</exception>
    public static SocketsHttpHandler Handler(string caFile)
    {
        var authorities = new X509Certificate2Collection();
        try
        {
            authorities.ImportFromPemFile(caFile);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.Usage, $"--ca-file: cannot read '{caFile}' as PEM certificates: {e.Message}");
        }

        if (authorities.Count == 0)
        {
            throw new CliException(ExitCodes.Usage, $"--ca-file: '{caFile}' holds no PEM certificate.");
        }

        var handler = new SocketsHttpHandler();
        // The name is checked either way; only a chain the system store does not know may end in the file's CAs instead.
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
            errors == SslPolicyErrors.None
            || (certificate is not null && errors == SslPolicyErrors.RemoteCertificateChainErrors && Issued(authorities, certificate, chain));
        return handler;
    }

    private static bool Issued(X509Certificate2Collection authorities, X509Certificate certificate, X509Chain? presented)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presented is not null)
        {
            chain.ChainPolicy.ExtraStore.AddRange(presented.ChainElements.Select(static e => e.Certificate).ToArray());
        }

        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }
}
