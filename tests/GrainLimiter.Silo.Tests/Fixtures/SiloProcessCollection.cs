namespace GrainLimiter.Silo.Tests.Fixtures;

/// <summary>Multi-process cluster tests: one redis-server, tests one after another and alone
/// (they load the 2 cores fully, and their timings are figures).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SiloProcessCollection : ICollectionFixture<RedisServerFixture>
{
    public const string Name = "silo-processes";
}
