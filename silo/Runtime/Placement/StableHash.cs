using System.Buffers;
using System.Text;

namespace GrainLimiter.Silo.Runtime.Placement;

/// <summary>A 64-bit hash that is the same in every process and on every platform, unlike <see cref="string.GetHashCode()"/>.</summary>
/// <remarks>FNV-1a over the UTF-8 bytes, then the MurmurHash3 finalizer so nearby inputs spread over the whole ring.</remarks>
public static class StableHash
{
    private const ulong OffsetBasis = 14695981039346656037;
    private const ulong Prime = 1099511628211;

    public static ulong Of(string first, string second)
    {
        var hash = Feed(OffsetBasis, first);
        hash = (hash ^ 0xFF) * Prime; // a separator no UTF-8 text contains: ("ab","c") != ("a","bc")
        return Mix(Feed(hash, second));
    }

    public static ulong Of(string value) => Mix(Feed(OffsetBasis, value));

    private static ulong Feed(ulong hash, string value)
    {
        var maxBytes = Encoding.UTF8.GetMaxByteCount(value.Length);
        byte[]? rented = null;
        var buffer = maxBytes <= 512 ? stackalloc byte[maxBytes] : (rented = ArrayPool<byte>.Shared.Rent(maxBytes));
        var length = Encoding.UTF8.GetBytes(value, buffer);
        foreach (var b in buffer[..length])
        {
            hash = (hash ^ b) * Prime;
        }

        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }

        return hash;
    }

    private static ulong Mix(ulong h)
    {
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccd;
        h ^= h >> 33;
        h *= 0xc4ceb9fe1a85ec53;
        h ^= h >> 33;
        return h;
    }
}
