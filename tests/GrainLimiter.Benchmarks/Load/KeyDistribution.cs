namespace GrainLimiter.Benchmarks.Load;

/// <summary>
/// Which key each request names: uniform over N keys, or Zipf(s) over N keys (key <c>k0</c> the hottest), as YCSB
/// skews its workloads, or one key alone (the attack phase). The node contender (tests/node/flexible-bench.js) draws from the
/// same distribution.
/// </summary>
internal sealed class KeyDistribution
{
    private readonly double[]? _cdf;
    private readonly string? _label;

    private KeyDistribution(string name, string[] keys, double[]? cdf, string? label = null)
    {
        Name = name;
        Keys = keys;
        _cdf = cdf;
        _label = label;
    }

    /// <summary><c>uniform</c>, <c>zipf</c> or <c>attack</c>: the name the node script takes too.</summary>
    public string Name { get; }

    public double Exponent { get; private init; }

    /// <summary>The key names, <c>k0</c>..<c>k{N-1}</c>, made once so drawing a key allocates nothing.</summary>
    public string[] Keys { get; }

    /// <summary>What the report calls it; rows are ranked only against a baseline of the same label.</summary>
    public string Label => _label ?? (_cdf is null ? $"uniform over {Keys.Length:N0} keys" : $"Zipf s={Exponent:0.##} over {Keys.Length:N0} keys");

    public static KeyDistribution Uniform(int keyCount) => new("uniform", MakeKeys(keyCount), null);

    /// <summary>Every request names <paramref name="key"/>, limited to <paramref name="limitPerSecond"/> (<see cref="LimitKind.Attack"/>).</summary>
    public static KeyDistribution Attack(string key, int limitPerSecond) =>
        new("attack", [key], null, $"attack: one key, limit {limitPerSecond:N0}/s");

    public static KeyDistribution Zipf(int keyCount, double exponent)
    {
        var cdf = new double[keyCount];
        var sum = 0.0;
        for (var i = 0; i < keyCount; i++)
        {
            sum += 1 / Math.Pow(i + 1, exponent);
            cdf[i] = sum;
        }

        for (var i = 0; i < keyCount; i++)
        {
            cdf[i] /= sum;
        }

        return new("zipf", MakeKeys(keyCount), cdf) { Exponent = exponent };
    }

    /// <summary>Share of requests that go to the hottest key.</summary>
    public double HottestShare => _cdf is null ? 1.0 / Keys.Length : _cdf[0];

    public int Next(Random random)
    {
        if (_cdf is null)
        {
            return random.Next(Keys.Length);
        }

        var index = Array.BinarySearch(_cdf, random.NextDouble());
        return Math.Min(index < 0 ? ~index : index, Keys.Length - 1);
    }

    public string NextKey(Random random) => Keys[Next(random)];

    private static string[] MakeKeys(int count)
    {
        var keys = new string[count];
        for (var i = 0; i < count; i++)
        {
            keys[i] = "k" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return keys;
    }
}
