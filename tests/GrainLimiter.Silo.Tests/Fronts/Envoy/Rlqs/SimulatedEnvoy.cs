using System.Diagnostics;
using Envoy.Service.RateLimitQuota.V3;
using Envoy.Type.V3;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;

namespace GrainLimiter.Silo.Tests.Fronts.Envoy.Rlqs;

/// <summary>What Envoy's rate_limit_quota filter does, over Envoy's real protos (Grpc.Net.Client): reports one bucket's
/// usage every interval on a StreamRateLimitQuotas stream, admits at most its assignment, and records what it was assigned.</summary>
/// <remarks>Its traffic is <see cref="Demand"/> requests per second; it allows what its share lets through and reports the
/// rest as denied, as Envoy's local limiter would.</remarks>
public sealed class SimulatedEnvoy(string name, string domain, IDictionary<string, string> bucket, TimeSpan interval) : IAsyncDisposable
{
    private static readonly Stopwatch Clock = Stopwatch.StartNew();
    private readonly Lock _lock = new();
    private readonly List<Assignment> _assignments = [];
    private readonly List<RateLimitQuotaResponse.Types.BucketAction> _actions = [];
    private GrpcChannel? _channel;
    private CancellationTokenSource? _stop;
    private Task? _running;

    /// <summary>One assignment as received: from when Envoy applies it, for how long, how much (null: allow all).</summary>
    public readonly record struct Assignment(string Envoy, TimeSpan ReceivedAt, TimeSpan Ttl, long? Share, long Demand)
    {
        public bool InForceAt(TimeSpan at) => at >= ReceivedAt && at < ReceivedAt + Ttl;
    }

    public string Name { get; } = name;

    /// <summary>Requests per second this Envoy's clients send.</summary>
    public long Demand { get; set; }

    public BucketId BucketId { get; } = new() { Bucket = { bucket } };

    public static TimeSpan Now => Clock.Elapsed;

    /// <summary>The share of the last assignment (null: none yet, or allow-all), -1 once abandoned.</summary>
    public long? Share
    {
        get
        {
            lock (_lock)
            {
                return Abandoned ? -1 : _assignments.Count == 0 ? null : _assignments[^1].Share;
            }
        }
    }

    public bool Abandoned { get; private set; }

    /// <summary>How the stream ended when it failed (the silo died, the server refused it); null while it runs.</summary>
    public RpcException? Failure { get; private set; }

    public IReadOnlyList<Assignment> Assignments
    {
        get
        {
            lock (_lock)
            {
                return [.. _assignments];
            }
        }
    }

    public IReadOnlyList<RateLimitQuotaResponse.Types.BucketAction> Actions
    {
        get
        {
            lock (_lock)
            {
                return [.. _actions];
            }
        }
    }

    /// <summary>Opens a stream to <paramref name="address"/> (host:port) and reports until disposed or reconnected.</summary>
    public async Task ConnectAsync(string address)
    {
        await StopAsync();
        Failure = null;
        _channel = GrpcChannel.ForAddress("http://" + address);
        _stop = new CancellationTokenSource();
        var call = new RateLimitQuotaService.RateLimitQuotaServiceClient(_channel).StreamRateLimitQuotas(cancellationToken: _stop.Token);
        _running = Task.WhenAll(ReportAsync(call, _stop.Token), ReadAsync(call));
    }

    private async Task ReportAsync(AsyncDuplexStreamingCall<RateLimitQuotaUsageReports, RateLimitQuotaResponse> call, CancellationToken stop)
    {
        var first = true;
        try
        {
            while (!stop.IsCancellationRequested && Failure is null && !Abandoned)
            {
                var requests = (long)(Demand * interval.TotalSeconds);
                var allowed = Share is { } share ? Math.Min(requests, (long)(Math.Max(0, share) * interval.TotalSeconds)) : requests;
                await call.RequestStream.WriteAsync(new RateLimitQuotaUsageReports
                {
                    Domain = first ? domain : "",
                    BucketQuotaUsages =
                    {
                        new RateLimitQuotaUsageReports.Types.BucketQuotaUsage
                        {
                            BucketId = BucketId,
                            TimeElapsed = Duration.FromTimeSpan(interval),
                            NumRequestsAllowed = (ulong)allowed,
                            NumRequestsDenied = (ulong)(requests - allowed),
                        },
                    },
                }, stop);
                first = false;
                await Task.Delay(interval, stop);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or RpcException or InvalidOperationException or IOException)
        {
            // The stream ended: ReadAsync records why.
        }
    }

    private async Task ReadAsync(AsyncDuplexStreamingCall<RateLimitQuotaUsageReports, RateLimitQuotaResponse> call)
    {
        try
        {
            await foreach (var response in call.ResponseStream.ReadAllAsync())
            {
                foreach (var action in response.BucketAction)
                {
                    Record(action);
                }
            }
        }
        catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled || _stop?.IsCancellationRequested != true)
        {
            Failure = e;
        }
        catch (Exception e) when (e is OperationCanceledException or RpcException)
        {
            // Stopped by this side.
        }
    }

    private void Record(RateLimitQuotaResponse.Types.BucketAction action)
    {
        lock (_lock)
        {
            _actions.Add(action);
            if (action.AbandonAction is not null)
            {
                Abandoned = true;
                return;
            }

            var assignment = action.QuotaAssignmentAction;
            var strategy = assignment.RateLimitStrategy;
            long? share = strategy.StrategyCase switch
            {
                RateLimitStrategy.StrategyOneofCase.BlanketRule => strategy.BlanketRule == RateLimitStrategy.Types.BlanketRule.DenyAll ? 0 : null,
                RateLimitStrategy.StrategyOneofCase.RequestsPerTimeUnit => (long)strategy.RequestsPerTimeUnit.RequestsPerTimeUnit_,
                _ => strategy.TokenBucket.MaxTokens,
            };
            var ttl = assignment.AssignmentTimeToLive?.ToTimeSpan() ?? TimeSpan.MaxValue / 2;
            _assignments.Add(new Assignment(Name, Now, ttl, share, Demand));
        }
    }

    private async Task StopAsync()
    {
        if (_stop is not null)
        {
            await _stop.CancelAsync();
            await (_running ?? Task.CompletedTask);
            _stop.Dispose();
            _channel!.Dispose();
            _stop = null;
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    /// <summary>The fairness figures: each Envoy's assignments as they changed (and its demand then), and the most in force at once.</summary>
    public static IEnumerable<string> Timeline(IReadOnlyList<SimulatedEnvoy> envoys)
    {
        var start = envoys.SelectMany(static e => e.Assignments).Min(static a => a.ReceivedAt);
        var changes = envoys.SelectMany(static e => e.Assignments.Where((a, i) => i == 0 || a.Share != e.Assignments[i - 1].Share
            || a.Demand != e.Assignments[i - 1].Demand));
        foreach (var a in changes.OrderBy(static a => a.ReceivedAt))
        {
            yield return string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"t={(a.ReceivedAt - start).TotalSeconds,6:F2}s {a.Envoy}: demand {a.Demand,3}/s share {a.Share,3}/s");
        }

        yield return $"most in force at once: {MostInForce(envoys)}";
    }

    /// <summary>The largest sum, at any moment, of the assignments in force in <paramref name="envoys"/> (each applying its latest).</summary>
    public static long MostInForce(IEnumerable<SimulatedEnvoy> envoys)
    {
        var all = envoys.SelectMany(static e => e.Assignments).ToArray();
        // The sum only rises when an assignment arrives: look at every arrival.
        return all.Select(a => a.ReceivedAt).Distinct().Select(at => all
                .Where(x => x.InForceAt(at) && x.Share is not null)
                .GroupBy(static x => x.Envoy)
                .Sum(static g => g.OrderBy(static x => x.ReceivedAt).Last().Share!.Value))
            .DefaultIfEmpty(0).Max();
    }
}
