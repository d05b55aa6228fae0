using System.Buffers;
using GrainLimiter.Adaptive;
using GrainLimiter.Grains.Adaptive;
using GrainLimiter.Grains.Algorithms;
using GrainLimiter.Policies;

namespace GrainLimiter.Grains.Persistence;

/// <summary>The persisted form of a grain's state: compact, versioned, readable by any silo.</summary>
/// <remarks>
/// Layout (version 1): version byte, limit count, then per limit its algorithm kind and the
/// zig-zag varints Stamp, Count, Previous, entry count, entries. A limit whose index or algorithm
/// no longer matches the policy (the configuration changed) restores as fresh.
/// Version 2 (global policies) appends the reset epoch, the number of region counts and each count as limit index,
/// window, region name (length, UTF-8) and count.
/// Version 3 (a key with an operator's override) is version 1's layout followed by a flags varint (1: version 2's
/// region counts follow, 2: an override follows), then those parts: the override as its expiry (UTC ticks, 0 for none),
/// its item count and per item the limit name (length, UTF-8), a kind (0 limit, 1 multiplier) and the value (the
/// multiplier's IEEE bits). Flag 4: what adaptive limits learned follows last, as a count and per limit its index, the
/// limit, weight, successes, timed weight and latency sum (IEEE bits), the decay time, the interval's successes, failures,
/// timed count and latency ticks, and the revision time. A key without an override or learned limits is still written as
/// version 1 or 2, so silos of an earlier release read it during a rolling upgrade.
/// </remarks>
public static class GrainStateCodec
{
    private const byte Version = 1;
    private const byte GlobalVersion = 2;
    private const byte FlaggedVersion = 3;
    private const long RegionCountsFlag = 1;
    private const long OverrideFlag = 2;
    private const long AdaptiveFlag = 4;
    // A policy has at most 16 limits; limit names are short configured names.
    private const int MaxOverrideItems = 16;
    // Region names are short configured names; anything longer is not a state this codec wrote.
    private const int MaxRegionNameBytes = 256;

    public static byte[] Write(KeyLimits grain)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        var span = buffer.GetSpan(2);
        var overridden = grain.Override;
        var learned = Learned(grain);
        var flagged = overridden is not null || learned.Count > 0;
        span[0] = flagged ? FlaggedVersion : grain.IsGlobal ? GlobalVersion : Version;
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

        if (flagged)
        {
            WriteVarint(buffer, (grain.IsGlobal ? RegionCountsFlag : 0) | (overridden is not null ? OverrideFlag : 0) | (learned.Count > 0 ? AdaptiveFlag : 0));
        }

        if (grain.IsGlobal)
        {
            var global = grain.RegionCounts();
            WriteVarint(buffer, global.Epoch);
            WriteVarint(buffer, global.Counts.Length);
            foreach (var count in global.Counts)
            {
                WriteVarint(buffer, count.Limit);
                WriteVarint(buffer, count.Window);
                var name = System.Text.Encoding.UTF8.GetBytes(count.Region);
                WriteVarint(buffer, name.Length);
                buffer.Write(name);
                WriteVarint(buffer, count.Count);
            }
        }

        if (overridden is not null)
        {
            WriteOverride(buffer, overridden);
        }

        if (learned.Count > 0)
        {
            WriteAdaptive(buffer, learned);
        }

        return buffer.WrittenSpan.ToArray();
    }

    // The adaptive limits that have had a report (the others are as configured).
    private static List<(int Index, AdaptiveMemory Memory)> Learned(KeyLimits grain)
    {
        var learned = new List<(int, AdaptiveMemory)>();
        for (var i = 0; i < grain.LimitCount; i++)
        {
            if (grain.AdaptiveAt(i)?.Memory is { RevisedAt: > 0 } memory)
            {
                learned.Add((i, memory));
            }
        }

        return learned;
    }

    private static void WriteAdaptive(ArrayBufferWriter<byte> buffer, List<(int Index, AdaptiveMemory Memory)> learned)
    {
        WriteVarint(buffer, learned.Count);
        foreach (var (index, memory) in learned)
        {
            WriteVarint(buffer, index);
            foreach (var value in (ReadOnlySpan<double>)[memory.Limit, memory.Weight, memory.Successes, memory.Timed, memory.LatencyTicks])
            {
                WriteVarint(buffer, BitConverter.DoubleToInt64Bits(value));
            }

            WriteVarint(buffer, memory.DecayedAt);
            WriteVarint(buffer, memory.Interval.Successes);
            WriteVarint(buffer, memory.Interval.Failures);
            WriteVarint(buffer, memory.Interval.Timed);
            WriteVarint(buffer, memory.Interval.LatencyTicks);
            WriteVarint(buffer, memory.RevisedAt);
        }
    }

    private static void ReadAdaptive(KeyLimits grain, ReadOnlySpan<byte> data, ref int position)
    {
        var count = ReadVarint(data, ref position);
        if (count is < 0 or > MaxOverrideItems)
        {
            throw new InvalidDataException($"Grain state of a '{grain.Policy.Name}' key has a bad adaptive limit count {count}.");
        }

        for (var i = 0; i < count; i++)
        {
            var index = ReadVarint(data, ref position);
            var limit = ReadDouble(data, ref position);
            var weight = ReadDouble(data, ref position);
            var successes = ReadDouble(data, ref position);
            var timed = ReadDouble(data, ref position);
            var latency = ReadDouble(data, ref position);
            var decayedAt = ReadVarint(data, ref position);
            var interval = new OutcomeTally(ReadInt(data, ref position), ReadInt(data, ref position), ReadInt(data, ref position),
                ReadVarint(data, ref position));
            var revisedAt = ReadVarint(data, ref position);
            grain.RestoreAdaptive((int)Math.Clamp(index, -1, int.MaxValue),
                new AdaptiveMemory(limit, weight, successes, timed, latency, decayedAt, interval, revisedAt));
        }
    }

    private static double ReadDouble(ReadOnlySpan<byte> data, ref int position) => BitConverter.Int64BitsToDouble(ReadVarint(data, ref position));

    private static int ReadInt(ReadOnlySpan<byte> data, ref int position) => (int)Math.Clamp(ReadVarint(data, ref position), int.MinValue, int.MaxValue);

    private static void WriteOverride(ArrayBufferWriter<byte> buffer, KeyOverride value)
    {
        WriteVarint(buffer, value.ExpiresAt?.UtcTicks ?? 0);
        WriteVarint(buffer, value.Limits.Length);
        foreach (var item in value.Limits)
        {
            var name = System.Text.Encoding.UTF8.GetBytes(item.Name);
            WriteVarint(buffer, name.Length);
            buffer.Write(name);
            WriteVarint(buffer, item.Limit is null ? 1 : 0);
            WriteVarint(buffer, item.Limit ?? BitConverter.DoubleToInt64Bits(item.Multiplier ?? 1));
        }
    }

    /// <summary>Restores <paramref name="grain"/> from <paramref name="data"/>.</summary>
    /// <exception cref="InvalidDataException">The data is not a state this codec wrote.</exception>
    public static void Read(KeyLimits grain, ReadOnlySpan<byte> data)
    {
        if (data.Length < 2 || data[0] is not (Version or GlobalVersion or FlaggedVersion))
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

        var flags = data[0] switch
        {
            GlobalVersion => RegionCountsFlag,
            FlaggedVersion => ReadVarint(data, ref position),
            _ => 0,
        };
        if ((flags & RegionCountsFlag) != 0)
        {
            ReadRegionCounts(grain, data, ref position);
        }

        if ((flags & OverrideFlag) != 0)
        {
            grain.RestoreOverride(ReadOverride(grain, data, ref position));
        }

        if ((flags & AdaptiveFlag) != 0)
        {
            ReadAdaptive(grain, data, ref position);
        }
    }

    private static KeyOverride ReadOverride(KeyLimits grain, ReadOnlySpan<byte> data, ref int position)
    {
        var expires = ReadVarint(data, ref position);
        var count = ReadVarint(data, ref position);
        if (expires < 0 || expires > DateTimeOffset.MaxValue.UtcTicks || count is < 0 or > MaxOverrideItems)
        {
            throw new InvalidDataException($"Grain state of a '{grain.Policy.Name}' key has a bad override (expiry {expires}, {count} items).");
        }

        var items = new LimitOverride[count];
        for (var i = 0; i < count; i++)
        {
            var length = ReadVarint(data, ref position);
            if (length is < 0 or > MaxRegionNameBytes || length > data.Length - position)
            {
                throw new InvalidDataException($"Grain state of a '{grain.Policy.Name}' key has a bad override name length {length}.");
            }

            var name = System.Text.Encoding.UTF8.GetString(data.Slice(position, (int)length));
            position += (int)length;
            var kind = ReadVarint(data, ref position);
            var value = ReadVarint(data, ref position);
            items[i] = kind == 0 ? new LimitOverride(name, value, null) : new LimitOverride(name, null, BitConverter.Int64BitsToDouble(value));
        }

        return new KeyOverride([.. items], expires == 0 ? null : new DateTimeOffset(expires, TimeSpan.Zero));
    }

    private static void ReadRegionCounts(KeyLimits grain, ReadOnlySpan<byte> data, ref int position)
    {
        var epoch = ReadVarint(data, ref position);
        var total = ReadVarint(data, ref position);
        if (total < 0 || total > data.Length - position)
        {
            throw new InvalidDataException($"Grain state of a '{grain.Policy.Name}' key has a bad region count total {total}.");
        }

        var counts = new List<WindowCount>((int)total);
        for (var c = 0; c < total; c++)
        {
            var limit = ReadVarint(data, ref position);
            var window = ReadVarint(data, ref position);
            var length = ReadVarint(data, ref position);
            if (length is < 0 or > MaxRegionNameBytes || length > data.Length - position)
            {
                throw new InvalidDataException($"Grain state of a '{grain.Policy.Name}' key has a bad region name length {length}.");
            }

            var region = System.Text.Encoding.UTF8.GetString(data.Slice(position, (int)length));
            position += (int)length;
            counts.Add(new WindowCount((int)Math.Clamp(limit, -1, int.MaxValue), window, region, ReadVarint(data, ref position)));
        }

        // A state written for a regional policy (or the other way round) keeps what both understand.
        grain.RestoreRegionCounts(epoch, counts);
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
