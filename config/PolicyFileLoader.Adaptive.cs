using System.Globalization;
using GrainLimiter.Policies;

namespace GrainLimiter.Config;

public static partial class PolicyFileLoader
{
    /// <summary>How a limit's <c>adaptive</c> values are spelled in a file, in the order error messages list them.</summary>
    internal static readonly Dictionary<string, AdaptiveSignal> AdaptiveSignals = new(StringComparer.Ordinal)
    {
        ["success_rate"] = AdaptiveSignal.SuccessRate,
        ["latency"] = AdaptiveSignal.Latency,
        ["both"] = AdaptiveSignal.Both,
    };

    internal static readonly Dictionary<string, AdaptiveRule> AdaptiveRules = new(StringComparer.Ordinal)
    {
        ["multiplier"] = AdaptiveRule.Multiplier,
        ["aimd"] = AdaptiveRule.Aimd,
    };

    /// <summary>The longest latency target: beyond it a request is not slow, it is stuck.</summary>
    public static readonly TimeSpan MaxAdaptiveTarget = TimeSpan.FromHours(1);

    /// <summary>The longest smoothing window: older outcomes say little about the backend now.</summary>
    public static readonly TimeSpan MaxAdaptiveWindow = TimeSpan.FromDays(1);

    public const int MaxMinSamples = 1_000_000;

    private sealed partial class Validator
    {
        /// <summary>A limit's <c>adaptive</c> block; <paramref name="start"/> is the limit adaptation starts at, null when it is invalid.</summary>
        private AdaptiveSpec? Adaptive(AdaptiveModel model, LimitAlgorithmKind algorithm, string algorithmName, long? start, string path)
        {
            var errorCount = errors.Count;
            var below = start?.ToString(CultureInfo.InvariantCulture) ?? "the limit";
            var min = WholeNumber(model.Min);
            if (!model.Marks.ContainsKey("min"))
            {
                Error(model.At("min"), $"{path}.min: is required: the lowest limit adaptation may set, from 1 to the limit ({below}).");
            }
            else if (min is not { } lowest || lowest < 1 || lowest > (start ?? long.MaxValue))
            {
                Error(model.At("min"), $"{path}.min: must be a whole number from 1 to the limit ({below}); got '{model.Min}'.");
            }

            var maxLimit = LimitBounds.MaxLimit(algorithm);
            var above = start?.ToString(CultureInfo.InvariantCulture) ?? "the limit";
            var max = WholeNumber(model.Max);
            if (!model.Marks.ContainsKey("max"))
            {
                Error(model.At("max"), $"{path}.max: is required: the highest limit adaptation may set, from the limit ({above}) to {maxLimit}.");
            }
            else if (max is not { } highest || highest < (start ?? 1) || highest > maxLimit)
            {
                Error(model.At("max"), $"{path}.max: must be a whole number from the limit ({above}) to {maxLimit} for {algorithmName}; got '{model.Max}'.");
            }

            var by = AdaptiveSignal.Both;
            if (model.By is not null && !AdaptiveSignals.TryGetValue(model.By, out by))
            {
                Error(model.At("by"),
                    $"{path}.by: must be success_rate, latency or both; got '{model.By}'{Suggestion.EndWithDidYouMean(model.By, AdaptiveSignals.Keys)}");
            }

            var rule = AdaptiveRule.Multiplier;
            if (model.Rule is not null && !AdaptiveRules.TryGetValue(model.Rule, out rule))
            {
                Error(model.At("rule"),
                    $"{path}.rule: must be multiplier or aimd; got '{model.Rule}'{Suggestion.EndWithDidYouMean(model.Rule, AdaptiveRules.Keys)}");
            }

            var defaults = new AdaptiveSpec { Min = 1, Max = 1 };
            var target = defaults.Target;
            if (model.Target is not null && by == AdaptiveSignal.SuccessRate)
            {
                Error(model.At("target"), $"{path}.target: applies only when by is latency or both (the latency a healthy request stays within).");
            }
            else if (model.Target is not null)
            {
                target = AtMost(Duration(model.Target, model.At("target"), $"{path}.target"), MaxAdaptiveTarget, "1h", model.Target, model.At("target"),
                    $"{path}.target", "the latency a healthy request stays within");
            }

            var window = model.Window is null ? defaults.Window : AtMost(Duration(model.Window, model.At("window"), $"{path}.window"), MaxAdaptiveWindow, "1d",
                model.Window, model.At("window"), $"{path}.window", "the time outcomes are smoothed over");
            var interval = model.Interval is null ? defaults.Interval : Duration(model.Interval, model.At("interval"), $"{path}.interval");
            if (window > TimeSpan.Zero && interval > window)
            {
                Error(model.At(model.Interval is null ? "window" : "interval"),
                    $"{path}.interval: must be at most the adaptive window ({model.Window ?? "1m"}): the limit is revised from outcomes of that window; " +
                    $"got '{model.Interval ?? "1s"}'.");
            }

            var minSamples = defaults.MinSamples;
            if (model.MinSamples is not null && (WholeNumber(model.MinSamples) is not { } samples || samples is < 1 or > MaxMinSamples))
            {
                Error(model.At("minSamples"), $"{path}.minSamples: must be a whole number from 1 to {MaxMinSamples}; got '{model.MinSamples}'.");
            }
            else if (model.MinSamples is not null)
            {
                minSamples = int.Parse(model.MinSamples, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            }

            long? increase = null;
            var decrease = defaults.Decrease;
            if (rule == AdaptiveRule.Multiplier)
            {
                foreach (var (field, value) in new[] { ("increase", model.Increase), ("decrease", model.Decrease) })
                {
                    if (value is not null)
                    {
                        Error(model.At(field), $"{path}.{field}: applies only to rule aimd; the multiplier rule (the default) scales the limit " +
                            "between min and max by the health score, with no steps.");
                    }
                }
            }
            else
            {
                increase = WholeNumber(model.Increase);
                if (model.Increase is not null && increase is not (>= 1 and <= LimitBounds.MaxCount))
                {
                    Error(model.At("increase"),
                        $"{path}.increase: must be a whole number from 1 to {LimitBounds.MaxCount} (units added after a healthy interval); " +
                        $"got '{model.Increase}'.");
                }

                if (model.Decrease is not null && (!double.TryParse(model.Decrease, NumberStyles.Float, CultureInfo.InvariantCulture, out decrease)
                    || !(decrease is > 0 and < 1)))
                {
                    Error(model.At("decrease"), $"{path}.decrease: must be a fraction in (0, 1), e.g. 0.7 (what the limit is multiplied by after an " +
                        $"unhealthy interval); got '{model.Decrease}'.");
                }
            }

            return errors.Count > errorCount ? null : new AdaptiveSpec
            {
                Min = min!.Value,
                Max = max!.Value,
                By = by,
                Rule = rule,
                Target = target,
                Window = window,
                Interval = interval,
                MinSamples = minSamples,
                Increase = increase,
                Decrease = decrease,
            };
        }

        /// <summary><paramref name="duration"/> when within <paramref name="bound"/>; reported (naming what the field is) otherwise.</summary>
        private TimeSpan AtMost(TimeSpan duration, TimeSpan bound, string boundText, string written, YamlDotNet.Core.Mark at, string path, string meaning)
        {
            if (duration > bound)
            {
                Error(at, $"{path}: must be at most {boundText} ({meaning}); got '{written}'.");
            }

            return duration;
        }
    }
}
