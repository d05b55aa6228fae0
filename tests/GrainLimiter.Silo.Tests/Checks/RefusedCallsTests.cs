using System.Reflection;
using GrainLimiter.Silo.Checks;
using GrainLimiter.Silo.Cluster;
using Microsoft.Extensions.Logging.Abstractions;

namespace GrainLimiter.Silo.Tests.Checks;

/// <summary>Which failed grain calls are sent again: only those that never ran.</summary>
public sealed class RefusedCallsTests
{
    // No silo is leaving: a call broken by a dead silo is taken for a crash's.
    private readonly RefusedCalls _refused = new(new SiloDepartures(null!, TimeProvider.System, NullLogger<SiloDepartures>.Instance));

    [Fact]
    public async Task ACallRefusedUnrunIsSentAgainUntilItIsAnswered()
    {
        var attempts = 0;
        ValueTask<int> Call(int answer) => ++attempts < RefusedCalls.MaxAttempts
            ? ValueTask.FromException<int>(Rejection("Silo stopping"))
            : ValueTask.FromResult(answer);

        Assert.Equal(42, await _refused.AwaitAsync(Call(42), 42, Call));
        Assert.Equal(RefusedCalls.MaxAttempts, attempts);
    }

    [Fact]
    public async Task ACallRefusedMoreThanTheAttemptsFailsWithTheLastRefusal()
    {
        var attempts = 0;
        ValueTask<int> Call(int _) => ValueTask.FromException<int>(Rejection($"refusal {++attempts}"));

        var error = await Assert.ThrowsAsync<OrleansMessageRejectionException>(async () => await _refused.AwaitAsync(Call(0), 0, Call));
        Assert.Equal($"refusal {RefusedCalls.MaxAttempts}", error.Message);
    }

    [Fact]
    public async Task ACallThatMayHaveRunIsNotSentAgain()
    {
        // The silo crashed while the call was under way (it may have charged), or the call timed out.
        foreach (var failure in new Exception[] { new SiloUnavailableException("The target silo became unavailable"), new TimeoutException() })
        {
            var attempts = 0;
            ValueTask<int> Call(int _)
            {
                attempts++;
                return ValueTask.FromException<int>(failure);
            }

            await Assert.ThrowsAsync(failure.GetType(), async () => await _refused.AwaitAsync(Call(0), 0, Call));
            Assert.Equal(1, attempts);
        }
    }

    [Fact]
    public async Task ACallBrokenByASiloLeavingGracefullyIsSentAgain()
    {
        var departures = new SiloDepartures(null!, TimeProvider.System, NullLogger<SiloDepartures>.Instance);
        var leaving = SiloAddress.New(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 11112), 1);
        departures.Observe(Snapshot(1, leaving, SiloStatus.Active));
        departures.Observe(Snapshot(2, leaving, SiloStatus.Stopping));
        departures.Observe(Snapshot(3, leaving, SiloStatus.Dead));
        var attempts = 0;
        ValueTask<int> Call(int answer) => ++attempts == 1
            ? ValueTask.FromException<int>(new SiloUnavailableException("The target silo became unavailable"))
            : ValueTask.FromResult(answer);

        Assert.Equal(7, await new RefusedCalls(departures).AwaitAsync(Call(7), 7, Call));
        Assert.Equal(2, attempts);
    }

    private static ClusterMembershipSnapshot Snapshot(long version, SiloAddress silo, SiloStatus status) =>
        new(System.Collections.Immutable.ImmutableDictionary<SiloAddress, ClusterMember>.Empty.Add(silo, new ClusterMember(silo, status, "leaving")),
            new MembershipVersion(version));

    // Orleans makes its rejections itself only (the constructors are internal): this is the exception a refusing silo sends back.
    private static OrleansMessageRejectionException Rejection(string message) =>
        (OrleansMessageRejectionException)Activator.CreateInstance(typeof(OrleansMessageRejectionException), BindingFlags.Instance | BindingFlags.NonPublic,
            null, [message], null)!;
}
