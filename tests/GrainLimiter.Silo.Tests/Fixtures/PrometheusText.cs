using System.Globalization;
using System.Text.RegularExpressions;

namespace GrainLimiter.Silo.Tests.Fixtures;

/// <summary>A strict reader of the Prometheus text format (0.0.4): fails on any line a Prometheus server would reject.</summary>
public static partial class PrometheusText
{
    /// <summary>Samples by <c>name{labels}</c> exactly as written, e.g. <c>x_total{policy="a",result="allowed"}</c>.</summary>
    public static Dictionary<string, double> Parse(string text)
    {
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0)
            {
                continue;
            }

            if (line.StartsWith('#'))
            {
                var comment = Comment().Match(line);
                Assert.True(comment.Success, $"Bad comment line: {line}");
                if (comment.Groups[1].Value == "TYPE")
                {
                    Assert.Contains(comment.Groups[3].Value, new[] { "counter", "gauge", "histogram", "summary", "untyped" });
                    Assert.True(types.TryAdd(comment.Groups[2].Value, comment.Groups[3].Value), $"Second TYPE for {comment.Groups[2].Value}");
                }

                continue;
            }

            var sample = Sample().Match(line);
            Assert.True(sample.Success, $"Bad sample line: {line}");
            var name = sample.Groups[1].Value;
            Assert.True(types.Keys.Any(t => name == t || name.StartsWith(t + "_", StringComparison.Ordinal)), $"Sample before its TYPE: {line}");
            var value = sample.Groups[3].Value switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                var number => double.Parse(number, NumberStyles.Float, CultureInfo.InvariantCulture),
            };
            Assert.True(samples.TryAdd(name + sample.Groups[2].Value, value), $"Duplicate sample: {line}");
        }

        return samples;
    }

    [GeneratedRegex(@"^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) ?(.*)$")]
    private static partial Regex Comment();

    [GeneratedRegex(@"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*=""(?:[^""\\\n]|\\[\\""n])*"",?)*\})? " +
        @"([-+]?(?:[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?|Inf|NaN))$")]
    private static partial Regex Sample();
}
