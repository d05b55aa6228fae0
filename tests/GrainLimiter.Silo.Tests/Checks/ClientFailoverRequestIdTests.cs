using GrainLimiter.Client;
using GrainLimiter.Grains;
using GrainLimiter.Protocol.V1;
using GrainLimiter.Silo.Tests.Fixtures;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.DependencyInjection;

namespace GrainLimiter.Silo.Tests.Checks;

/// <summary>GrainLimiterClient failing over from a silo that decided a check but answers it too late: the other silo is asked with the
/// same request id, and the key's grain answers it without charging again. Two in-process silos (Redis membership); the first holds
/// its answers back (a gRPC interceptor) until the test lets them go.</summary>
[Collection(RedisServerCollection.Name)]
public sealed class ClientFailoverRequestIdTests(RedisServerFixture redis) : IAsyncLifetime
{
    private const long Limit = 10;
    private const string Policies = """
        policies:
          - name: failover
            limits:
              - { algorithm: token_bucket, limit: 10, window: 1h }
        """;

    private readonly HeldAnswers _held = new();
    private RunningSilo _slow = null!;
    private RunningSilo _healthy = null!;

    public async Task InitializeAsync()
    {
        var cluster = "failover" + Guid.NewGuid().ToString("N")[..8];
        var settings = new Dictionary<string, string?>
        {
            ["GrainLimiter:Storage"] = "redis",
            ["GrainLimiter:Redis"] = redis.Server.ConnectionString,
            ["GrainLimiter:RedisKeyPrefix"] = cluster,
            ["GrainLimiter:Cluster:Membership"] = "redis",
            ["GrainLimiter:Cluster:ClusterId"] = cluster,
            ["GrainLimiter:Cluster:AdvertisedIp"] = "127.0.0.1",
        };
        _slow = await RunningSilo.StartAsync(Policies, settings,
            builder => builder.Services.Configure<GrpcServiceOptions>(o => o.Interceptors.Add<AnswersHeldBack>(_held)));
        _healthy = await RunningSilo.StartAsync(Policies, settings);
        await Eventually.TrueAsync(() => Task.FromResult(ActiveSilos(_slow) == 2 && ActiveSilos(_healthy) == 2), TimeSpan.FromSeconds(30),
            "both silos see each other");
    }

    public async Task DisposeAsync()
    {
        _held.Release();
        await _healthy.DisposeAsync();
        await _slow.DisposeAsync();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_check_the_slow_silo_charged_is_answered_by_the_other_silo_without_a_second_charge(bool batchChecks)
    {
        var key = $"failover:{Guid.NewGuid():N}";
        await using var client = new GrainLimiterClient(new GrainLimiterClientOptions
        {
            // The slow silo first: every check starts there. Roomy times for a loaded machine; nothing here measures them.
            Endpoints = [_slow.GrpcAddress, _healthy.GrpcAddress],
            Deadline = TimeSpan.FromSeconds(20),
            AttemptTimeout = TimeSpan.FromSeconds(2),
            BatchChecks = batchChecks,
        });
        await client.WarmUpAsync(TimeSpan.FromSeconds(20));
        var repeatsBefore = RepeatedRequestIds();
        _held.Hold();

        var decision = await client.CheckAsync("failover", key);

        Assert.True(_held.Decided.IsCompleted, "the slow silo decided the check before its answer was held back");
        Assert.False(decision.IsFallback, "the other silo answered within the deadline");
        Assert.True(decision.Allowed);
        Assert.Equal(Limit - 1, decision.Remaining);
        Assert.Equal(1, RepeatedRequestIds() - repeatsBefore);
        _held.Release();
        Assert.Equal(Limit - 1, (await client.GetAsync("failover", key)).Remaining);
    }

    private static int ActiveSilos(RunningSilo silo) =>
        silo.Get<IClusterMembershipService>().CurrentSnapshot.Members.Values.Count(static m => m.Status == SiloStatus.Active);

    // Wherever the key's grain lives, one of the two silos answered the retry from its memory of the id.
    private long RepeatedRequestIds() => _slow.Get<LimitGrainCounters>().RepeatedRequestIds + _healthy.Get<LimitGrainCounters>().RepeatedRequestIds;

    /// <summary>While held, a silo's answers to checks (once decided: the keys are charged) wait until released.</summary>
    private sealed class HeldAnswers
    {
        private readonly TaskCompletionSource _decided = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private TaskCompletionSource? _released;

        public Task Decided => _decided.Task;

        public void Hold() => Volatile.Write(ref _released, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

        public void Release() => Volatile.Read(ref _released)?.TrySetResult();

        public Task AfterDecidedAsync()
        {
            if (Volatile.Read(ref _released) is not { } released)
            {
                return Task.CompletedTask;
            }

            _decided.TrySetResult();
            return released.Task;
        }
    }

    private sealed class AnswersHeldBack(HeldAnswers held) : Interceptor
    {
        public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
            UnaryServerMethod<TRequest, TResponse> continuation)
        {
            var response = await continuation(request, context);
            if (response is CheckResponse { Decisions.Count: > 0 })
            {
                await held.AfterDecidedAsync();
            }

            return response;
        }

        public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
            IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation) =>
            continuation(requestStream, new HeldWriter<TResponse>(responseStream, held), context);
    }

    private sealed class HeldWriter<T>(IServerStreamWriter<T> inner, HeldAnswers held) : IServerStreamWriter<T>
    {
        public WriteOptions? WriteOptions
        {
            get => inner.WriteOptions;
            set => inner.WriteOptions = value;
        }

        public Task WriteAsync(T message) => WriteAsync(message, CancellationToken.None);

        // The overload the silo calls; the interface's default would refuse a cancellable token.
        public async Task WriteAsync(T message, CancellationToken cancellationToken)
        {
            if (message is CheckBatchResponse batch && batch.Answers.Any(static a => a.OutcomeCase == BatchedAnswer.OutcomeOneofCase.Response))
            {
                await held.AfterDecidedAsync();
            }

            await inner.WriteAsync(message, cancellationToken);
        }
    }
}
