using System.Security.Cryptography;
using System.Text;
using GrainLimiter.Silo.Config;

namespace GrainLimiter.Silo.Fronts.Admin;

/// <summary>What a presented admin token may do.</summary>
public enum AdminAccess
{
    None,

    /// <summary><c>GrainLimiter:AdminReadToken</c>: every GET under <c>/admin</c>.</summary>
    Read,

    /// <summary><c>GrainLimiter:AdminToken</c>: everything under <c>/admin</c>.</summary>
    Write,
}

/// <summary>The configured admin tokens, compared in constant time.</summary>
public sealed class AdminTokens(SiloOptions options)
{
    private readonly byte[] _write = Bytes(options.AdminToken);
    private readonly byte[] _read = Bytes(options.AdminReadToken);

    /// <summary>True when any admin token is configured: without one, nothing under <c>/admin</c> is served.</summary>
    public bool Enabled => _write.Length > 0 || _read.Length > 0;

    public AdminAccess Check(string? presented)
    {
        var bytes = Bytes(presented);
        // Both comparisons always run, so the time taken tells nothing about which token was close.
        var write = _write.Length > 0 & CryptographicOperations.FixedTimeEquals(bytes, _write);
        var read = _read.Length > 0 & CryptographicOperations.FixedTimeEquals(bytes, _read);
        return write ? AdminAccess.Write : read ? AdminAccess.Read : AdminAccess.None;
    }

    /// <summary>A digest of the token that grants <paramref name="access"/>: a login cookie carries it, so changing the token ends its sessions.</summary>
    public byte[] Fingerprint(AdminAccess access) => SHA256.HashData(access switch
    {
        AdminAccess.Write => _write,
        AdminAccess.Read => _read,
        _ => [],
    });

    private static byte[] Bytes(string? token) => string.IsNullOrEmpty(token) ? [] : Encoding.UTF8.GetBytes(token);
}
