using GrainLimiter.Silo.Tests.Fixtures;

namespace GrainLimiter.Silo.Tests.Runtime.Cluster;

/// <summary>Multi-process cluster tests: one redis-server, tests one after another (they load the 2 cores fully).</summary>
[CollectionDefinition(Name)]
public sealed class SiloProcessCollection : ICollectionFixture<RedisServerFixture>
{
    public const string Name = "silo-processes";
}
