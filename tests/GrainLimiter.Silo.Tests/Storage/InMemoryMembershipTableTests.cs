using GrainLimiter.Membership;
using GrainLimiter.Silo.Storage;

namespace GrainLimiter.Silo.Tests.Storage;

public sealed class InMemoryMembershipTableTests : MembershipTableTests
{
    protected override Task<(IMembershipTable A, IMembershipTable B)> CreateTablesAsync(TimeProvider time)
    {
        var table = new InMemoryMembershipTable(Options, time);
        return Task.FromResult<(IMembershipTable, IMembershipTable)>((table, table));
    }
}
