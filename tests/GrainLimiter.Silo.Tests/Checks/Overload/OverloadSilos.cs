using System.Globalization;
using GrainLimiter.Silo.Fronts.Envoy;
using GrainLimiter.Silo.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;

namespace GrainLimiter.Silo.Tests.Checks.Overload;

/// <summary>A silo with a small check bound whose grain calls a test can hold (<see cref="HeldGrainCalls"/>), answering overloads as
/// <see cref="OverloadAnswer"/> says.</summary>
public abstract class OverloadSiloFixture : IAsyncLifetime
{
    public const string Open = "fails-open";
    public const string Closed = "fails-closed";
    public const string EnvoyDomain = "overload";

    /// <summary>Checks in flight at once on these silos (GrainLimiter:MaxChecksInFlight).</summary>
    public const int MaxChecksInFlight = 4;

    public static readonly TimeSpan RetryAfter = TimeSpan.FromMilliseconds(1500);

    /// <summary>How long before a gRPC deadline the silo answers (GrainLimiter:DeadlineMargin).</summary>
    public static readonly TimeSpan DeadlineMargin = TimeSpan.FromSeconds(5);

    /// <summary>A gRPC deadline the silo answers by, <see cref="DeadlineMargin"/> early: 3 s from now.</summary>
    public static DateTime Deadline() => DateTime.UtcNow + DeadlineMargin + TimeSpan.FromSeconds(3);

    private const string Policies = """
        policies:
          - name: fails-open
            failureMode: open
            limits:
              - { algorithm: token_bucket, limit: 100, window: 1h }
          - name: fails-closed
            failureMode: closed
            limits:
              - { algorithm: token_bucket, limit: 100, window: 1h }
        """;

    private const string EnvoyConfig = """
        domain: overload
        descriptors:
          - key: user
            rate_limit: { unit: hour, requests_per_unit: 100 }
        """;

    private readonly string _envoyFile = Path.Combine(Path.GetTempPath(), $"grainlimiter-overload-envoy-{Guid.NewGuid():N}.yaml");

    public RunningSilo Silo { get; private set; } = null!;

    public HeldGrainCalls Held { get; } = new();

    protected abstract string OverloadAnswer { get; }

    /// <summary>The bound of a check without a deadline; settings of the fixture's own.</summary>
    protected abstract TimeSpan CheckTimeout { get; }

    protected virtual void AddSettings(Dictionary<string, string?> settings)
    {
    }

    public async Task InitializeAsync()
    {
        await File.WriteAllTextAsync(_envoyFile, EnvoyConfig);
        var settings = new Dictionary<string, string?>
        {
            ["GrainLimiter:MaxChecksInFlight"] = MaxChecksInFlight.ToString(CultureInfo.InvariantCulture),
            ["GrainLimiter:CheckTimeout"] = CheckTimeout.ToString("c", CultureInfo.InvariantCulture),
            // A wide margin: the silo's answer reaches the client well before the client's own deadline, however loaded the machine.
            ["GrainLimiter:DeadlineMargin"] = DeadlineMargin.ToString("c", CultureInfo.InvariantCulture),
            ["GrainLimiter:OverloadAnswer"] = OverloadAnswer,
            ["GrainLimiter:OverloadRetryAfter"] = RetryAfter.ToString("c", CultureInfo.InvariantCulture),
            [$"{EnvoyOptions.Section}:ConfigPaths:0"] = _envoyFile,
        };
        AddSettings(settings);
        Silo = await RunningSilo.StartAsync(Policies, settings, builder => builder.Services.AddSingleton<IIncomingGrainCallFilter>(Held));
    }

    public async Task DisposeAsync()
    {
        Held.Open();
        await Silo.DisposeAsync();
        File.Delete(_envoyFile);
    }

    public static string UniqueKey() => Guid.NewGuid().ToString("N");
}

/// <summary>Refuses overloads (the default), and lets one call wait on a grain (GrainLimiter:MaxQueuedCallsPerKey 1).</summary>
public sealed class RefusingSiloFixture : OverloadSiloFixture
{
    protected override string OverloadAnswer => "refuse";

    // Held checks without a deadline outlast a test: they are answered by their grains once released.
    protected override TimeSpan CheckTimeout => TimeSpan.FromMinutes(1);

    protected override void AddSettings(Dictionary<string, string?> settings) => settings["GrainLimiter:MaxQueuedCallsPerKey"] = "1";
}

/// <summary>Answers overloads by each policy's failure mode; a check without a deadline waits 2 s at most.</summary>
public sealed class FailureModeSiloFixture : OverloadSiloFixture
{
    protected override string OverloadAnswer => "failure-mode";

    protected override TimeSpan CheckTimeout => TimeSpan.FromSeconds(2);
}
