using System.Buffers;
using GrainLimiter.Grains.Algorithms;
using GrainLimiter.Policies;

namespace GrainLimiter.Grains;

/// <summary>The persisted form of a grain's state: compact, versioned, readable by any silo.</summary>
/// <remarks>
/// Layout (version 1): version byte, limit count, then per limit its algorithm kind and the
/// zig-zag varints Stamp, Count, Previous, entry count, entries. A limit whose index or algorithm
/// no longer matches the policy (the configuration changed) restores as fresh.
/// </remarks>
public static class GrainStateCodec
{
    private const byte Version = 1;

    public static byte[] Write(KeyLimits grain)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        var span = buffer.GetSpan(2);
        span[0] = Version;
        span[1] = (byte)grain.LimitCount;
        buffer.Advance(2);
        for (var i = 0; i < grain.LimitCount; i++)
        {
            ref var state = ref grain.State(i);
            WriteVarint(buffer, (long)grain.Policy.Definition.Limits[i].Algorithm);
            WriteVarint(buffer, state.Stamp);
            WriteVarint(buffer, state.Count);
            WriteVarint(buffer, state.Previous);
            var entries = state.Entries ?? [];
            WriteVarint(buffer, entries.Length);
            foreach (var entry in entries)
            {
                WriteVarint(buffer, entry);
            }
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Restores <paramref name="grain"/> from <paramref name="data"/>.</summary>
    /// <exception cref="InvalidDataException">The data is not a state this codec wrote.</exception>
    public static void Read(KeyLimits grain, ReadOnlySpan<byte> data)
    {
        if (data.Length < 2 || data[0] != Version)
        {
            throw new InvalidDataException($"Grain state of a '{grain.Policy.Name}' key has unknown version {(data.Length > 0 ? data[0] : -1)}.");
        }

        var storedLimits = data[1];
        var position = 2;
        for (var i = 0; i < storedLimits; i++)
        {
            var kind = (LimitAlgorithmKind)ReadVarint(data, ref position);
            var state = new LimitState
            {
                Stamp = ReadVarint(data, ref position),
                Count = ReadVarint(data, ref position),
                Previous = ReadVarint(data, ref position),
            };
            var entryCount = ReadVarint(data, ref position);
            if (entryCount < 0 || entryCount > data.Length - position)
            {
                throw new InvalidDataException($"Grain state of a '{grain.Policy.Name}' key has a bad entry count {entryCount}.");
            }

            if (entryCount > 0)
            {
                state.Entries = new long[entryCount];
                for (var e = 0; e < entryCount; e++)
                {
                    state.Entries[e] = ReadVarint(data, ref position);
                }
            }

            if (i < grain.LimitCount && grain.Policy.Definition.Limits[i].Algorithm == kind)
            {
                grain.State(i) = state;
            }
        }
    }

    private static void WriteVarint(ArrayBufferWriter<byte> buffer, long value)
    {
        var zigzag = (ulong)((value << 1) ^ (value >> 63));
        var span = buffer.GetSpan(10);
        var written = 0;
        while (zigzag >= 0x80)
        {
            span[written++] = (byte)(zigzag | 0x80);
            zigzag >>= 7;
        }

        span[written++] = (byte)zigzag;
        buffer.Advance(written);
    }

    private static long ReadVarint(ReadOnlySpan<byte> data, ref int position)
    {
        ulong result = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            if (position >= data.Length)
            {
                throw new InvalidDataException("Grain state ends inside a number.");
            }

            var b = data[position++];
            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return (long)(result >> 1) ^ -(long)(result & 1);
            }
        }

        throw new InvalidDataException("Grain state has a number longer than 10 bytes.");
    }
}
