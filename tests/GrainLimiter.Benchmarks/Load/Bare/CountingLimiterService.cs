using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using GrainLimiter.Protocol.V1;
using Grpc.Core;

namespace GrainLimiter.Benchmarks.Load.Bare;

/// <summary>
/// <c>grainlimiter.v1.Limiter/Check</c> with nothing behind it but a counter per (policy, key) in one dictionary: no
/// Orleans, validation, window, store or metrics. The gRPC part of a decision, for the "gRPC alone" row.
/// </summary>
/// <remarks>Every item is decided on its own (no refund when another item of a batch is denied); a key counts up to the
/// benchmark's accuracy limit under its accuracy policy and up to the open limit otherwise, exactly under concurrency.</remarks>
internal sealed class CountingLimiterService(long accuracyLimit) : Limiter.LimiterBase
{
    private const long OpenLimit = 1_000_000_000;
    private readonly ConcurrentDictionary<(string Policy, string Key), StrongBox<long>> _counts = new();

    public override Task<CheckResponse> Check(CheckRequest request, ServerCallContext context)
    {
        var response = new CheckResponse { Allowed = true };
        foreach (var hit in request.Checks)
        {
            var limit = hit.Policy == Processes.SiloProcess.AccuracyPolicy ? accuracyLimit : OpenLimit;
            var count = _counts.GetOrAdd((hit.Policy, hit.Key), static _ => new StrongBox<long>());
            var allowed = TryTake(count, limit);
            response.Allowed &= allowed;
            response.Decisions.Add(new Decision { Allowed = allowed, Limit = limit, Remaining = Math.Max(0, limit - Volatile.Read(ref count.Value)),
                Policy = hit.Policy, Key = hit.Key });
        }

        return Task.FromResult(response);
    }

    private static bool TryTake(StrongBox<long> count, long limit)
    {
        while (true)
        {
            var seen = Volatile.Read(ref count.Value);
            if (seen >= limit)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref count.Value, seen + 1, seen) == seen)
            {
                return true;
            }
        }
    }
}
