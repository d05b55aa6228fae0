using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using GrainLimiter.Security;

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
        handler.SslOptions.RemoteCertificateValidationCallback = PrivateAuthorities.AlsoTrusting(authorities);
        return handler;
    }
}
