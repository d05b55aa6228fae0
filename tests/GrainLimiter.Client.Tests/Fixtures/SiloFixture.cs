using GrainLimiter.Silo.Tests.Fixtures;

namespace GrainLimiter.Client.Tests.Fixtures;

/// <summary>One real silo (system clock) shared by a test collection; tests use distinct keys so they do not interfere.</summary>
public sealed class SiloFixture : IAsyncLifetime
{
    private RunningSilo? _silo;

    public RunningSilo Silo => _silo ?? throw new InvalidOperationException("not started");

    public Uri GrpcAddress => Silo.GrpcAddress;

    public async Task InitializeAsync() => _silo = await RunningSilo.StartAsync(TestPolicies.Yaml);

    public async Task DisposeAsync()
    {
        if (_silo is not null)
        {
            await _silo.DisposeAsync();
        }
    }

    /// <summary>A client of this silo with a deadline roomy enough for a shared 2-core test machine.</summary>
    public GrainLimiterClient NewClient(Action<GrainLimiterClientOptions>? configure = null)
    {
        var options = new GrainLimiterClientOptions { Endpoints = [GrpcAddress], Deadline = TimeSpan.FromSeconds(5) };
        configure?.Invoke(options);
        return new GrainLimiterClient(options);
    }

    /// <summary>A key no other test uses.</summary>
    public static string UniqueKey(string prefix) => $"{prefix}:{Guid.NewGuid():N}";
}

[CollectionDefinition(Name)]
public sealed class SiloCollection : ICollectionFixture<SiloFixture>
{
    public const string Name = "silo";
}
