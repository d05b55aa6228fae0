using System.Diagnostics;
using System.Runtime.InteropServices;

namespace GrainLimiter.Silo.Observability.TopKeys;

/// <summary>The most frequent (policy, key) pairs of a stream in bounded memory (Misra-Gries); not thread-safe.</summary>
/// <remarks>
/// At most <c>capacity</c> counters. Of <c>N</c> items added, every pair added more than <c>N / (capacity + 1)</c>
/// times is kept, and a kept count is low by at most that much: a heavy hitter cannot hide among many light keys.
/// When the summary is full, a new pair is cancelled against every counter (each loses one, those at zero leave),
/// which costs one pass over the counters but at most once per <c>capacity</c> items added, on average.
/// </remarks>
public sealed class MisraGriesSummary
{
    private readonly Dictionary<(string Policy, string Key), int> _index;
    private readonly Entry[] _entries;
    private int _count;

    public MisraGriesSummary(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _index = new Dictionary<(string, string), int>(capacity);
        _entries = new Entry[capacity];
    }

    /// <summary>Pairs counted now (at most the capacity).</summary>
    public int Count => _count;

    public void Add(string policy, string key)
    {
        ref var slot = ref CollectionsMarshal.GetValueRefOrNullRef(_index, (policy, key));
        if (!System.Runtime.CompilerServices.Unsafe.IsNullRef(ref slot))
        {
            _entries[slot].Count++;
            return;
        }

        if (_count < _entries.Length)
        {
            _entries[_count] = new Entry(policy, key, 1);
            _index.Add((policy, key), _count++);
            return;
        }

        // Full: the new pair's one and one of every counter cancel out.
        for (var i = _count - 1; i >= 0; i--)
        {
            if (--_entries[i].Count == 0)
            {
                Remove(i);
            }
        }

        Debug.Assert(_index.Count == _count);
    }

    public void Clear()
    {
        _index.Clear();
        Array.Clear(_entries, 0, _count);
        _count = 0;
    }

    /// <summary>Adds every counter to <paramref name="totals"/>.</summary>
    public void AddTo(Dictionary<(string Policy, string Key), long> totals)
    {
        for (var i = 0; i < _count; i++)
        {
            ref var total = ref CollectionsMarshal.GetValueRefOrAddDefault(totals, (_entries[i].Policy, _entries[i].Key), out _);
            total += _entries[i].Count;
        }
    }

    private void Remove(int i)
    {
        _index.Remove((_entries[i].Policy, _entries[i].Key));
        var last = --_count;
        if (i != last)
        {
            _entries[i] = _entries[last];
            _index[(_entries[i].Policy, _entries[i].Key)] = i;
        }

        _entries[last] = default;
    }

    private record struct Entry(string Policy, string Key, long Count);
}
