using System.Security.Cryptography;
using System.Text;

namespace GrainLimiter.Silo.Storage.Redis;

/// <summary>
/// A Lua script run by EVALSHA. The server's script cache is not durable (restart, SCRIPT FLUSH, failover), so a
/// NOSCRIPT reply loads the script with SCRIPT LOAD and retries once.
/// </summary>
public sealed class RedisScript
{
    public RedisScript(string source)
    {
        Source = source;
#pragma warning disable CA5350 // SHA-1 is what Redis names scripts by, not a security use.
        Sha1 = Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(source)));
#pragma warning restore CA5350
    }

    public string Source { get; }

    public string Sha1 { get; }

    public async ValueTask<RespValue> EvaluateAsync(
        RedisConnection connection, RedisArg[] keys, RedisArg[] args, CancellationToken cancellationToken = default)
    {
        RedisArg[] command = ["EVALSHA", Sha1, keys.Length, .. keys, .. args];
        try
        {
            return await connection.ExecuteAsync(command, cancellationToken).ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (ex.ErrorCode == "NOSCRIPT")
        {
            string loaded = (await connection.ExecuteAsync(["SCRIPT", "LOAD", Source], cancellationToken).ConfigureAwait(false)).AsString()!;
            if (!string.Equals(loaded, Sha1, StringComparison.OrdinalIgnoreCase))
            {
                throw new RedisProtocolException($"SCRIPT LOAD returned SHA-1 {loaded}, expected {Sha1}.");
            }

            return await connection.ExecuteAsync(command, cancellationToken).ConfigureAwait(false);
        }
    }
}
