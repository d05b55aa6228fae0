using System.Globalization;
using GrainLimiter.Grains;
using GrainLimiter.Grains.Overrides;
using GrainLimiter.Policies;
using GrainLimiter.Silo.Checks;

namespace GrainLimiter.Silo.Fronts.Admin;

/// <summary>Turns a <c>PUT /admin/v1/overrides</c> body into a <see cref="KeyOverride"/>, or names the first field to fix.</summary>
internal static class OverrideValidation
{
    public static (KeyOverride? Value, ValidationError? Error) Validate(OverrideBody body, CompiledPolicy policy, DateTimeOffset now)
    {
        if (body.Limits is not { Count: > 0 } items)
        {
            return (null, new("limits", $"must list at least one limit to override; policy '{policy.Name}' has {Names(policy)}."));
        }

        var overrides = new List<LimitOverride>(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            var field = $"limits[{i}]";
            if (items[i] is not { } item)
            {
                return (null, new(field, "must be an object such as {\"name\": \"per-second\", \"limit\": 50}."));
            }

            if (item.Name is null && policy.LimitNames.Count > 1)
            {
                return (null, new($"{field}.name", $"is required: policy '{policy.Name}' has {Names(policy)}."));
            }

            var name = item.Name ?? policy.LimitNames[0];
            var index = IndexOf(policy, name);
            if (index < 0)
            {
                return (null, new($"{field}.name", $"'{Truncate(name)}' is not a limit of policy '{policy.Name}', which has {Names(policy)}."));
            }

            if (overrides.Any(o => o.Name == name))
            {
                return (null, new($"{field}.name", $"'{name}' is overridden twice."));
            }

            if ((item.Limit is null) == (item.Multiplier is null))
            {
                return (null, new(field, "must have exactly one of limit (a number of requests) or multiplier (of the policy's limit)."));
            }

            var spec = policy.Definition.Limits[index];
            var max = LimitBounds.MaxLimit(spec.Algorithm);
            var algorithm = AdminJson.Algorithm(spec.Algorithm);
            if (item.Limit is { } limit && (limit < 1 || limit > max))
            {
                return (null, new($"{field}.limit", $"must be a whole number from 1 to {max} for {algorithm}; got {limit}."));
            }

            if (item.Multiplier is { } multiplier)
            {
                if (!double.IsFinite(multiplier) || multiplier <= 0 || multiplier > LimitBounds.MaxOverrideMultiplier)
                {
                    return (null, new($"{field}.multiplier",
                        $"must be above 0 and at most {LimitBounds.MaxOverrideMultiplier}; got {multiplier.ToString(CultureInfo.InvariantCulture)}."));
                }

                var effective = KeyOverrides.EffectiveLimit(spec, new LimitOverride(name, null, multiplier));
                if (effective > max)
                {
                    return (null, new($"{field}.multiplier", $"gives a limit of {effective:0} for '{name}', above the most {max} for {algorithm}."));
                }
            }

            overrides.Add(new LimitOverride(name, item.Limit, item.Multiplier));
        }

        DateTimeOffset? expiresAt = null;
        if (body.ExpiresAt is not null)
        {
            if (!DateTimeOffset.TryParse(body.ExpiresAt, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
            {
                return (null, new("expiresAt", $"must be an ISO 8601 time such as 2026-12-02T00:00:00Z; got '{Truncate(body.ExpiresAt)}'."));
            }

            if (parsed <= now)
            {
                return (null, new("expiresAt", $"must be in the future; {parsed.ToUniversalTime():yyyy-MM-dd'T'HH:mm:ss'Z'} has passed."));
            }

            expiresAt = parsed.ToUniversalTime();
        }

        return (new KeyOverride([.. overrides], expiresAt), null);
    }

    private static int IndexOf(CompiledPolicy policy, string name)
    {
        for (var i = 0; i < policy.LimitNames.Count; i++)
        {
            if (policy.LimitNames[i] == name)
            {
                return i;
            }
        }

        return -1;
    }

    private static string Names(CompiledPolicy policy) =>
        policy.LimitNames.Count == 1
            ? $"one limit, '{policy.LimitNames[0]}'"
            : "the limits " + string.Join(", ", policy.LimitNames.Select(static n => $"'{n}'"));

    private static string Truncate(string value) => value.Length <= 64 ? value : value[..64] + "…";
}
