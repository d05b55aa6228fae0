using System.Security.Cryptography;
using System.Text;

namespace GrainLimiter.Silo.Runtime.Cluster.Peers;

/// <summary>Checks the cluster secret a peer call carries, in constant time.</summary>
/// <remarks>Both sides are hashed first so the comparison takes the same time whatever the length of the guess.</remarks>
public sealed class PeerAuthentication(string secret)
{
    private readonly byte[] _expected = SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    public bool IsValid(string? presented)
    {
        if (string.IsNullOrEmpty(presented) || presented.Length > 1024)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), _expected);
    }
}
