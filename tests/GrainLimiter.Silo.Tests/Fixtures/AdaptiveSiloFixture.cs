using System.Globalization;
using GrainLimiter.Policies;
using GrainLimiter.Silo.Policies;

namespace GrainLimiter.Silo.Tests.Fixtures;

/// <summary>One real silo with an adaptive policy and a static one, shared by the tests of reports on every front (HTTP, gRPC,
/// Orleans); each test uses keys of its own.</summary>
/// <remarks>The adaptive policy is registered in code once the silo runs: the policy file does not say <c>adaptive</c> yet.
/// Bounds are small, so a report over them is cheap to send.</remarks>
public sealed class AdaptiveSiloFixture : IAsyncLifetime
{
    public const string Static = "static";
    public const string Adaptive = "adaptive";

    /// <summary>Most outcomes in one report here (GrainLimiter:MaxOutcomesPerReport).</summary>
    public const int MaxOutcomes = 4;

    /// <summary>Largest request body or message here (GrainLimiter:MaxRequestBodyBytes).</summary>
    public const int MaxBodyBytes = 4096;

    public const string Policies = """
        policies:
          - name: static
            limits:
              - { algorithm: token_bucket, limit: 10, window: 1h }
        """;

    public static PolicyDefinition AdaptivePolicy => new()
    {
        Name = Adaptive,
        Limits = [new LimitSpec { Algorithm = LimitAlgorithmKind.TokenBucket, Limit = 10, Window = TimeSpan.FromHours(1),
            Adaptive = new AdaptiveSpec { Min = 1, Max = 100, Interval = TimeSpan.FromTicks(1) } }],
    };

    public RunningSilo Silo { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Silo = await RunningSilo.StartAsync(Policies, new Dictionary<string, string?>
        {
            ["GrainLimiter:MaxOutcomesPerReport"] = MaxOutcomes.ToString(CultureInfo.InvariantCulture),
            ["GrainLimiter:MaxRequestBodyBytes"] = MaxBodyBytes.ToString(CultureInfo.InvariantCulture),
        });
        Silo.Get<PolicyRegistry>().GetOrAdd(AdaptivePolicy);
    }

    public async Task DisposeAsync() => await Silo.DisposeAsync();

    public static string UniqueKey() => Guid.NewGuid().ToString("N");
}

[CollectionDefinition(Name)]
public sealed class AdaptiveSiloCollection : ICollectionFixture<AdaptiveSiloFixture>
{
    public const string Name = "adaptive silo";
}
