using System.Reflection;
using GrainLimiter.Silo.Runtime;

namespace GrainLimiter.Silo.Tests.Runtime;

/// <summary>Which failed grain calls are sent again: only those a silo refused before running them.</summary>
public sealed class RefusedCallsTests
{
    [Fact]
    public async Task ACallRefusedUnrunIsSentAgainUntilItIsAnswered()
    {
        var attempts = 0;
        ValueTask<int> Call(int answer) => ++attempts < RefusedCalls.MaxAttempts
            ? ValueTask.FromException<int>(Rejection("Silo stopping"))
            : ValueTask.FromResult(answer);

        Assert.Equal(42, await RefusedCalls.AwaitAsync(Call(42), 42, Call));
        Assert.Equal(RefusedCalls.MaxAttempts, attempts);
    }

    [Fact]
    public async Task ACallRefusedMoreThanTheAttemptsFailsWithTheLastRefusal()
    {
        var attempts = 0;
        ValueTask<int> Call(int _) => ValueTask.FromException<int>(Rejection($"refusal {++attempts}"));

        var error = await Assert.ThrowsAsync<OrleansMessageRejectionException>(async () => await RefusedCalls.AwaitAsync(Call(0), 0, Call));
        Assert.Equal($"refusal {RefusedCalls.MaxAttempts}", error.Message);
    }

    [Fact]
    public async Task ACallThatMayHaveRunIsNotSentAgain()
    {
        // The silo vanished while the call was under way (it may have charged), or the call timed out.
        foreach (var failure in new Exception[] { new SiloUnavailableException("The target silo became unavailable"), new TimeoutException() })
        {
            var attempts = 0;
            ValueTask<int> Call(int _)
            {
                attempts++;
                return ValueTask.FromException<int>(failure);
            }

            await Assert.ThrowsAsync(failure.GetType(), async () => await RefusedCalls.AwaitAsync(Call(0), 0, Call));
            Assert.Equal(1, attempts);
        }
    }

    // Orleans makes its rejections itself only (the constructors are internal): this is the exception a refusing silo sends back.
    private static OrleansMessageRejectionException Rejection(string message) =>
        (OrleansMessageRejectionException)Activator.CreateInstance(typeof(OrleansMessageRejectionException), BindingFlags.Instance | BindingFlags.NonPublic, null, [message], null)!;
}
