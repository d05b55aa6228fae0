using GrainLimiter.Policies;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace GrainLimiter.Silo.Config;

/// <summary>Reads and validates a policy file. Every problem is reported at once, each naming policy, field and problem.</summary>
public static class PolicyFileLoader
{
    /// <summary>Bounds that keep one grain's memory small whatever a policy file says.</summary>
    public const long MaxLogLimit = 100_000;
    public const long MaxConcurrencyLimit = 100_000;

    private static readonly IDeserializer Yaml = new DeserializerBuilder()
        .WithNamingConvention(CamelCaseNamingConvention.Instance)
        .Build();

    private static readonly Dictionary<string, LimitAlgorithmKind> Algorithms = new(StringComparer.Ordinal)
    {
        ["fixed_window"] = LimitAlgorithmKind.FixedWindow,
        ["sliding_window"] = LimitAlgorithmKind.SlidingWindow,
        ["sliding_log"] = LimitAlgorithmKind.SlidingLog,
        ["token_bucket"] = LimitAlgorithmKind.TokenBucket,
        ["gcra"] = LimitAlgorithmKind.Gcra,
        ["leaky_bucket"] = LimitAlgorithmKind.LeakyBucket,
        ["concurrency"] = LimitAlgorithmKind.Concurrency,
        ["quota"] = LimitAlgorithmKind.Quota,
    };

    public static IReadOnlyList<PolicyDefinition> LoadFile(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PolicyFileException($"{path}: cannot be read: {e.Message}", e);
        }

        return Parse(text, path);
    }

    public static IReadOnlyList<PolicyDefinition> Parse(string yaml, string source)
    {
        PolicyFileModel? model;
        try
        {
            model = Yaml.Deserialize<PolicyFileModel>(yaml);
        }
        catch (YamlException e)
        {
            throw new PolicyFileException($"{source} (line {e.Start.Line}, column {e.Start.Column}): {(e.InnerException ?? e).Message}", e);
        }

        var errors = new List<string>();
        var policies = new List<PolicyDefinition>();
        if (model?.Policies is not { Count: > 0 })
        {
            errors.Add("policies: at least one policy is required.");
        }
        else
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < model.Policies.Count; i++)
            {
                var policy = Policy(model.Policies[i], $"policies[{i}]", errors);
                if (policy is not null && !names.Add(policy.Name))
                {
                    errors.Add($"policies[{i}] '{policy.Name}': name: is used by another policy.");
                }
                else if (policy is not null)
                {
                    policies.Add(policy);
                }
            }
        }

        if (errors.Count > 0)
        {
            throw new PolicyFileException($"{source} is invalid:{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", errors));
        }

        return policies;
    }

    private static PolicyDefinition? Policy(PolicyModel? model, string path, List<string> errors)
    {
        if (model is null)
        {
            errors.Add($"{path}: is empty.");
            return null;
        }

        var errorCount = errors.Count;
        if (string.IsNullOrWhiteSpace(model.Name))
        {
            errors.Add($"{path}.name: is required.");
        }
        else
        {
            path = $"{path} '{model.Name}'";
        }

        var failureMode = model.FailureMode switch
        {
            null or "open" => FailureMode.Open,
            "closed" => FailureMode.Closed,
            _ => Fail(errors, $"{path}: failureMode: must be 'open' or 'closed', not '{model.FailureMode}'.", FailureMode.Open),
        };

        var scope = model.Scope switch
        {
            null or "region" => LimitScope.Region,
            "global" => LimitScope.Global,
            _ => Fail(errors, $"{path}: scope: must be 'region' or 'global', not '{model.Scope}'.", LimitScope.Region),
        };

        if (model.Limits is not { Count: > 0 })
        {
            errors.Add($"{path}: limits: at least one limit is required.");
            return null;
        }

        if (model.Limits.Count > 16)
        {
            errors.Add($"{path}: limits: at most 16 limits are allowed in one policy.");
        }

        var limits = model.Limits.Select((limit, i) => Limit(limit, $"{path}: limits[{i}]", errors)).ToList();
        if (scope == LimitScope.Global)
        {
            GlobalScopeErrors(limits, model.Limits, path, errors);
        }

        if (limits.Count(l => l?.Algorithm == LimitAlgorithmKind.Concurrency) > 1)
        {
            errors.Add($"{path}: limits: at most one concurrency limit is allowed in one policy.");
        }

        return errors.Count > errorCount
            ? null
            : new PolicyDefinition { Name = model.Name!, Limits = limits!, ShadowMode = model.ShadowMode, FailureMode = failureMode, Scope = scope };
    }

    /// <summary>Names every limit of a global policy whose algorithm cannot count across regions.</summary>
    internal static void GlobalScopeErrors(IReadOnlyList<LimitSpec?> limits, IReadOnlyList<LimitModel?>? written, string path, List<string> errors)
    {
        for (var i = 0; i < limits.Count; i++)
        {
            if (limits[i] is { } limit && !PolicyDefinition.CanBeGlobal(limit.Algorithm))
            {
                errors.Add($"{path}: scope: global is not supported by limits[{i}].algorithm '{written?[i]?.Algorithm ?? limit.Algorithm.ToString()}' " +
                    "(global works for fixed_window, sliding_window, quota, token_bucket and gcra).");
            }
        }
    }

    private static LimitSpec? Limit(LimitModel? model, string path, List<string> errors)
    {
        if (model is null)
        {
            errors.Add($"{path}: is empty.");
            return null;
        }

        var errorCount = errors.Count;
        if (model.Algorithm is null || !Algorithms.TryGetValue(model.Algorithm, out var algorithm))
        {
            errors.Add($"{path}.algorithm: must be one of {string.Join(", ", Algorithms.Keys)}; got '{model.Algorithm}'.");
            return null;
        }

        var maxLimit = algorithm switch
        {
            LimitAlgorithmKind.SlidingLog => MaxLogLimit,
            LimitAlgorithmKind.Concurrency => MaxConcurrencyLimit,
            _ => 1_000_000_000_000L,
        };
        if (model.Limit is not { } limit || limit < 1 || limit > maxLimit)
        {
            errors.Add($"{path}.limit: must be a whole number from 1 to {maxLimit} for {model.Algorithm}; got '{model.Limit}'.");
        }

        var usesWindow = algorithm is not (LimitAlgorithmKind.Concurrency or LimitAlgorithmKind.Quota);
        var window = usesWindow ? Duration(model.Window, $"{path}.window", errors, required: true) : TimeSpan.Zero;
        if (!usesWindow && model.Window is not null)
        {
            errors.Add($"{path}.window: does not apply to {model.Algorithm}{(algorithm == LimitAlgorithmKind.Quota ? " (use period)" : "")}.");
        }

        if (model.Burst is not null && algorithm is not (LimitAlgorithmKind.TokenBucket or LimitAlgorithmKind.Gcra))
        {
            errors.Add($"{path}.burst: applies only to token_bucket and gcra.");
        }
        else if (model.Burst is < 1 or > 1_000_000_000_000L)
        {
            errors.Add($"{path}.burst: must be a whole number from 1 to 1000000000000; got '{model.Burst}'.");
        }

        var period = QuotaPeriod.Day;
        var timeZone = TimeZoneInfo.Utc;
        if (algorithm == LimitAlgorithmKind.Quota)
        {
            period = model.Period switch
            {
                null or "day" => QuotaPeriod.Day,
                "week" => QuotaPeriod.Week,
                "month" => QuotaPeriod.Month,
                _ => Fail(errors, $"{path}.period: must be day, week or month; got '{model.Period}'.", QuotaPeriod.Day),
            };
            if (model.TimeZone is not null && !TimeZoneInfo.TryFindSystemTimeZoneById(model.TimeZone, out timeZone!))
            {
                errors.Add($"{path}.timeZone: unknown time zone '{model.TimeZone}' (use an IANA name such as Europe/Paris).");
            }
        }
        else if (model.Period is not null || model.TimeZone is not null)
        {
            errors.Add($"{path}: period and timeZone apply only to quota.");
        }

        if (model.AlertAt is <= 0 or > 1 || (model.AlertAt is { } alert && double.IsNaN(alert)))
        {
            errors.Add($"{path}.alertAt: must be a fraction of the limit in (0, 1], e.g. 0.9375; got '{model.AlertAt}'.");
        }

        var maxWait = algorithm == LimitAlgorithmKind.LeakyBucket
            ? model.MaxWait is null ? window : Duration(model.MaxWait, $"{path}.maxWait", errors, required: true)
            : NotApplicable(model.MaxWait, $"{path}.maxWait", "leaky_bucket", errors);
        var leaseTtl = algorithm == LimitAlgorithmKind.Concurrency
            ? model.LeaseTtl is null ? TimeSpan.FromMinutes(1) : Duration(model.LeaseTtl, $"{path}.leaseTtl", errors, required: true)
            : NotApplicable(model.LeaseTtl, $"{path}.leaseTtl", "concurrency", errors);

        return errors.Count > errorCount ? null : new LimitSpec
        {
            Algorithm = algorithm,
            Limit = model.Limit!.Value,
            Window = window,
            Burst = model.Burst,
            Period = period,
            TimeZone = timeZone,
            AlertAt = model.AlertAt,
            MaxWait = maxWait,
            LeaseTtl = leaseTtl,
            Name = model.Name,
        };
    }

    private static TimeSpan Duration(string? text, string path, List<string> errors, bool required)
    {
        if (text is null && !required)
        {
            return TimeSpan.Zero;
        }

        if (!DurationParser.TryParse(text, out var duration))
        {
            errors.Add($"{path}: must be a duration such as 250ms, 1s, 1m, 1h, 1d or 1w (at most 3660d); got '{text}'.");
        }

        return duration;
    }

    private static TimeSpan NotApplicable(string? value, string path, string algorithm, List<string> errors)
    {
        if (value is not null)
        {
            errors.Add($"{path}: applies only to {algorithm}.");
        }

        return TimeSpan.Zero;
    }

    private static T Fail<T>(List<string> errors, string error, T fallback)
    {
        errors.Add(error);
        return fallback;
    }
}
