using System.Net;
using System.Net.Sockets;
using GrainLimiter.Silo.Runtime.Cluster.Membership;

namespace GrainLimiter.Silo.Tests.Runtime.Cluster;

public sealed class DnsMembershipSourceTests
{
    [Fact]
    public async Task EveryRecordIsAMemberOnThePeerPortAndAFailedLookupKeepsTheLastAnswer()
    {
        var answers = new Queue<Func<IPAddress[]>>([
            () => [IPAddress.Parse("10.0.0.2"), IPAddress.Parse("10.0.0.1"), IPAddress.Parse("::ffff:10.0.0.3")],
            () => throw new SocketException((int)SocketError.HostNotFound),
        ]);
        var source = new DnsMembershipSource("silos.default.svc", 8082, TimeSpan.FromSeconds(5), (_, _) => Task.FromResult(answers.Dequeue()()));

        var first = await source.ReadAsync(CancellationToken.None);
        Assert.Equal(["10.0.0.2:8082", "10.0.0.1:8082", "10.0.0.3:8082"], first!.Select(static m => m.Address));
        var afterFailure = await source.ReadAsync(CancellationToken.None);
        Assert.Equal(first, afterFailure);
    }
}
