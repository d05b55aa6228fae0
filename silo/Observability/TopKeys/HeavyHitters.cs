using System.Collections.Concurrent;
using GrainLimiter.Decisions;
using GrainLimiter.Grains;

namespace GrainLimiter.Silo.Observability.TopKeys;

/// <summary>This silo's decisions over the last minute: allowed and denied per policy, and the most denied keys.</summary>
/// <remarks>
/// The window is <see cref="SlotCount"/> slots of <see cref="SlotLength"/>; a summary covers the current slot and the
/// ones before it, so between 50 and 60 s. Counters are striped by processor so cores do not fight over one cache line:
/// an allowed decision costs a dictionary look-up and one uncontended interlocked add and allocates nothing; a denied
/// one also takes its stripe's lock to count the key in a <see cref="MisraGriesSummary"/> of <see cref="KeysPerSlot"/>
/// keys. Memory is bounded: at most <see cref="MaxPolicies"/> policies (Envoy descriptors can make many) and
/// <see cref="KeysPerSlot"/> keys per slot and stripe, at most <see cref="MaxStripes"/> stripes.
/// </remarks>
public sealed class HeavyHitters
{
    public const int SlotCount = 6;
    public const int KeysPerSlot = 1_000;
    public const int MaxPolicies = 4_096;
    public const int MaxStripes = 8;
    public static readonly TimeSpan SlotLength = TimeSpan.FromSeconds(10);

    private readonly Func<long> _elapsedMs;
    private readonly int _stripes = Math.Min(MaxStripes, Environment.ProcessorCount);
    private readonly ConcurrentDictionary<string, PolicyCounts> _policies = new(StringComparer.Ordinal);
    private readonly KeyStripe[] _keys;

    public HeavyHitters(TimeProvider time)
    {
        // The system clock's coarse tick costs a few ns; a timestamp costs ~50 ns on virtual machines. Tests pass their own clock.
        if (time == TimeProvider.System)
        {
            var start = Environment.TickCount64;
            _elapsedMs = () => Environment.TickCount64 - start;
        }
        else
        {
            var start = time.GetTimestamp();
            _elapsedMs = () => (long)time.GetElapsedTime(start).TotalMilliseconds;
        }

        _keys = [.. Enumerable.Range(0, _stripes).Select(static _ => new KeyStripe())];
    }

    /// <summary>The span a summary covers at most.</summary>
    public static TimeSpan Window => SlotLength * SlotCount;

    /// <summary>Counts the decisions of one check.</summary>
    public void Record(ReadOnlySpan<CheckResult> results)
    {
        var epoch = Epoch();
        var stripe = Thread.GetCurrentProcessorId() % _stripes;
        foreach (ref readonly var result in results)
        {
            var policy = result.Request.Policy;
            if (!_policies.TryGetValue(policy, out var counts) && (counts = AddPolicy(policy)) is null)
            {
                continue;
            }

            var denied = !result.Decision.Allowed;
            counts.Count(epoch, stripe, denied);
            if (denied)
            {
                _keys[stripe].Add(epoch, policy, result.Request.Key);
            }
        }
    }

    /// <summary>Per-policy counts (policies with decisions in the window) and the <paramref name="maxKeys"/> most denied keys.</summary>
    public TopSummary Summary(int maxKeys)
    {
        var epoch = Epoch();
        var policies = new List<PolicyTally>();
        foreach (var (name, counts) in _policies)
        {
            var (allowed, denied) = counts.Sum(epoch);
            if (allowed + denied > 0)
            {
                policies.Add(new PolicyTally(name, allowed, denied));
            }
        }

        var totals = new Dictionary<(string Policy, string Key), long>();
        foreach (var stripe in _keys)
        {
            stripe.AddTo(totals, epoch);
        }

        return new TopSummary((int)Window.TotalSeconds, [.. policies.OrderBy(static p => p.Policy, StringComparer.Ordinal)], Top(totals, maxKeys));
    }

    /// <summary>The <paramref name="count"/> largest of <paramref name="totals"/>, largest first (ties by policy, then key).</summary>
    public static DeniedKey[] Top(Dictionary<(string Policy, string Key), long> totals, int count) =>
        [.. totals.Select(static t => new DeniedKey(t.Key.Policy, t.Key.Key, t.Value))
            .OrderByDescending(static k => k.Denied)
            .ThenBy(static k => k.Policy, StringComparer.Ordinal)
            .ThenBy(static k => k.Key, StringComparer.Ordinal)
            .Take(count)];

    private static bool InWindow(long slotEpoch, long epoch) => slotEpoch > epoch - SlotCount && slotEpoch <= epoch;

    // Starts at SlotCount, so an unused slot (epoch 0) is never in the window.
    private long Epoch() => _elapsedMs() / (long)SlotLength.TotalMilliseconds + SlotCount;

    private PolicyCounts? AddPolicy(string policy) =>
        _policies.Count >= MaxPolicies ? null : _policies.GetOrAdd(policy, static (_, stripes) => new PolicyCounts(stripes), _stripes);

    /// <summary>Allowed and denied counts of one policy: per stripe, a pair per slot, on cache lines of its own.</summary>
    private sealed class PolicyCounts(int stripes)
    {
        // 16 longs (128 bytes) per stripe: 2 × SlotCount counters and padding, so stripes never share a cache line.
        private const int Stride = 16;
        private readonly long[] _counts = new long[(stripes + 1) * Stride];
        private readonly long[] _epochs = new long[SlotCount];
        private readonly Lock _advance = new();

        public void Count(long epoch, int stripe, bool denied)
        {
            var slot = (int)(epoch % SlotCount);
            if (Volatile.Read(ref _epochs[slot]) != epoch)
            {
                Advance(slot, epoch);
            }

            Interlocked.Increment(ref _counts[Index(stripe, slot, denied)]);
        }

        public (long Allowed, long Denied) Sum(long epoch)
        {
            long allowed = 0, denied = 0;
            for (var slot = 0; slot < SlotCount; slot++)
            {
                if (!InWindow(Volatile.Read(ref _epochs[slot]), epoch))
                {
                    continue;
                }

                for (var stripe = 0; stripe < stripes; stripe++)
                {
                    allowed += Volatile.Read(ref _counts[Index(stripe, slot, denied: false)]);
                    denied += Volatile.Read(ref _counts[Index(stripe, slot, denied: true)]);
                }
            }

            return (allowed, denied);
        }

        // Stripe 0 starts one stride in: nothing else lives on its cache line either.
        private static int Index(int stripe, int slot, bool denied) => ((stripe + 1) * Stride) + (slot * 2) + (denied ? 1 : 0);

        private void Advance(int slot, long epoch)
        {
            lock (_advance)
            {
                // A thread that read the clock long ago must not wipe a newer slot.
                if (_epochs[slot] < epoch)
                {
                    for (var stripe = 0; stripe < stripes; stripe++)
                    {
                        Volatile.Write(ref _counts[Index(stripe, slot, denied: false)], 0);
                        Volatile.Write(ref _counts[Index(stripe, slot, denied: true)], 0);
                    }

                    Volatile.Write(ref _epochs[slot], epoch);
                }
            }
        }
    }

    /// <summary>One stripe's most denied keys, a summary per slot, behind the stripe's lock.</summary>
    private sealed class KeyStripe
    {
        private readonly Lock _lock = new();
        private readonly MisraGriesSummary[] _slots = [.. Enumerable.Range(0, SlotCount).Select(static _ => new MisraGriesSummary(KeysPerSlot))];
        private readonly long[] _epochs = new long[SlotCount];

        public void Add(long epoch, string policy, string key)
        {
            var slot = (int)(epoch % SlotCount);
            lock (_lock)
            {
                if (_epochs[slot] != epoch)
                {
                    _slots[slot].Clear();
                    _epochs[slot] = epoch;
                }

                _slots[slot].Add(policy, key);
            }
        }

        public void AddTo(Dictionary<(string Policy, string Key), long> totals, long epoch)
        {
            lock (_lock)
            {
                for (var slot = 0; slot < SlotCount; slot++)
                {
                    if (InWindow(_epochs[slot], epoch))
                    {
                        _slots[slot].AddTo(totals);
                    }
                }
            }
        }
    }
}
