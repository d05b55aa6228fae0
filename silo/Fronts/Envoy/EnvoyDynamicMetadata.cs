using GrainLimiter.Config.Envoy;
using GrainLimiter.Protocol.Envoy.RateLimit;
using Google.Protobuf.WellKnownTypes;

namespace GrainLimiter.Silo.Fronts.Envoy;

/// <summary>The <c>dynamic_metadata</c> of a ShouldRateLimit answer (<see cref="EnvoyOptions.ResponseDynamicMetadata"/>):
/// envoyproxy/ratelimit's fields (<c>domain</c>, <c>descriptors</c>, <c>hitsAddend</c>, the <c>metadata</c> of every
/// descriptor that passed), plus <c>decidedBy</c>: the descriptor that decided the answer, and <c>failureMode</c>: the
/// descriptors whose key's grain could not decide, answered by their policy's failure mode, with the reason.</summary>
internal static class EnvoyDynamicMetadata
{
    public static Struct Build(RateLimitRequest request, RateLimitResponse response, IReadOnlyList<EnvoyLimit?> limits, int decider,
        IReadOnlyList<string?>? failureModes = null)
    {
        var fields = new Struct();
        fields.Fields["domain"] = Value.ForString(request.Domain);
        fields.Fields["descriptors"] = Value.ForList([.. request.Descriptors.Select(Descriptor)]);
        if (request.HitsAddend != 0)
        {
            fields.Fields["hitsAddend"] = Value.ForNumber(request.HitsAddend);
        }

        var passed = new Struct();
        for (var i = 0; i < limits.Count; i++)
        {
            if (limits[i] is { Unlimited: false, Metadata: { } metadata } && response.Statuses[i].Code != RateLimitResponse.Types.Code.OverLimit)
            {
                Merge(passed, metadata);
            }
        }

        if (passed.Fields.Count > 0)
        {
            fields.Fields["metadata"] = Value.ForStruct(passed);
        }

        if (decider >= 0 && limits[decider] is { } decided)
        {
            var by = new Struct();
            by.Fields["index"] = Value.ForNumber(decider);
            by.Fields["key"] = Value.ForString(decided.FullKey);
            if (decided.Name is { } name)
            {
                by.Fields["name"] = Value.ForString(name);
            }

            by.Fields["code"] = Value.ForString(response.Statuses[decider].Code == RateLimitResponse.Types.Code.OverLimit ? "OVER_LIMIT" : "OK");
            fields.Fields["decidedBy"] = Value.ForStruct(by);
        }

        if (failureModes is not null)
        {
            fields.Fields["failureMode"] = Value.ForList([.. failureModes.Select(static (reason, index) => (reason, index))
                .Where(static f => f.reason is not null)
                .Select(f => Value.ForStruct(FailureMode(f.index, limits[f.index]!, f.reason!)))]);
        }

        return fields;
    }

    private static Struct FailureMode(int index, EnvoyLimit limit, string reason)
    {
        var failure = new Struct();
        failure.Fields["index"] = Value.ForNumber(index);
        failure.Fields["key"] = Value.ForString(limit.FullKey);
        failure.Fields["reason"] = Value.ForString(reason);
        return failure;
    }

    private static Value Descriptor(Protocol.Envoy.Common.RateLimitDescriptor descriptor)
    {
        var fields = new Struct();
        fields.Fields["entries"] = Value.ForList([.. descriptor.Entries.Select(static e => Value.ForString($"{e.Key}={e.Value}"))]);
        if (descriptor.Limit is { } limit)
        {
            fields.Fields["limit"] = Value.ForString(limit.ToString());
        }

        if (descriptor.HitsAddend is { } hits)
        {
            fields.Fields["hitsAddend"] = Value.ForNumber(hits);
        }

        return Value.ForStruct(fields);
    }

    // As envoyproxy/ratelimit: a key already present keeps its value, except two structs, which merge.
    private static void Merge(Struct into, Struct from)
    {
        foreach (var (key, value) in from.Fields)
        {
            if (!into.Fields.TryGetValue(key, out var existing))
            {
                into.Fields[key] = value.Clone();
            }
            else if (existing.KindCase == Value.KindOneofCase.StructValue && value.KindCase == Value.KindOneofCase.StructValue)
            {
                Merge(existing.StructValue, value.StructValue);
            }
        }
    }
}
