using System.Net;
using GrainLimiter.Silo.Tests.Fixtures;

namespace GrainLimiter.Silo.Tests.Checks.Overload;

/// <summary>A silo that answers overloads by each policy's failure mode (GrainLimiter:OverloadAnswer failure-mode), over real HTTP and a
/// real gRPC client while its grain calls are held.</summary>
public sealed class FailureModeOverloadTests(FailureModeSiloFixture fixture)
    : OverloadTests<FailureModeSiloFixture>(fixture), IClassFixture<FailureModeSiloFixture>
{
    [Fact]
    public async Task AnHttpCheckPastCheckTimeoutIsAnsweredByItsPolicysFailureMode()
    {
        Fixture.Held.Close();

        // HTTP brings no deadline: GrainLimiter:CheckTimeout (2 s here) bounds the wait.
        var (openCheck, closedCheck) = (Fixture.Silo.Http.CheckAsync(OverloadSiloFixture.Open, OverloadSiloFixture.UniqueKey()),
            Fixture.Silo.Http.CheckAsync(OverloadSiloFixture.Closed, OverloadSiloFixture.UniqueKey()));
        var (open, closed) = (await openCheck, await closedCheck);

        Assert.Equal(HttpStatusCode.OK, open.StatusCode);
        Assert.Equal("overloaded", (await open.JsonAsync()).GetProperty("results")[0].GetProperty("reason").GetString());
        Assert.Equal(HttpStatusCode.TooManyRequests, closed.StatusCode);
        Assert.Equal("overloaded", (await closed.JsonAsync()).GetProperty("results")[0].GetProperty("reason").GetString());
        Assert.Equal(2, Shed("http", "deadline"));
    }

    [Fact]
    public async Task AGrpcCheckWhoseDeadlineExpiresIsAnsweredByItsPolicysFailureModeBeforeTheDeadline()
    {
        Fixture.Held.Close();

        var answer = await Limiter.CheckAsync(Check(OverloadSiloFixture.Closed, OverloadSiloFixture.UniqueKey()), deadline: OverloadSiloFixture.Deadline());

        Assert.False(answer.Allowed);
        Assert.Equal("overloaded", answer.Decisions[0].Reason);
        Assert.Equal(1, Shed("grpc", "deadline"));
    }

    [Fact]
    public async Task ChecksBeyondTheBoundAreAnsweredAtOnceByTheirPolicysFailureMode()
    {
        Fixture.Held.Close();
        var admitted = Enumerable.Range(0, OverloadSiloFixture.MaxChecksInFlight)
            .Select(_ => Limiter.CheckAsync(Check(OverloadSiloFixture.Open, OverloadSiloFixture.UniqueKey())).ResponseAsync).ToArray();
        await Fixture.Held.UntilHeldAsync(OverloadSiloFixture.MaxChecksInFlight);

        var open = await Limiter.CheckAsync(Check(OverloadSiloFixture.Open, "one-too-many"));
        var closed = await Fixture.Silo.Http.CheckAsync(OverloadSiloFixture.Closed, "one-too-many");

        Assert.True(open.Allowed);
        Assert.Equal("overloaded", open.Decisions[0].Reason);
        Assert.Equal(HttpStatusCode.TooManyRequests, closed.StatusCode);
        Assert.Equal("overloaded", (await closed.JsonAsync()).GetProperty("results")[0].GetProperty("reason").GetString());
        Assert.Equal(1, Shed("grpc", "in_flight"));
        Assert.Equal(1, Shed("http", "in_flight"));

        // The held checks are answered too (by their grains once released, or by the failure mode at CheckTimeout): none is lost.
        Fixture.Held.Open();
        Assert.All(await Task.WhenAll(admitted), a => Assert.True(a.Allowed));
    }
}
