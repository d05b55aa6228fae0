using Grpc.Net.Client;
using GrainLimiter.Protocol.Envoy.RateLimit;
using EnvoyDescriptor = GrainLimiter.Protocol.Envoy.Common.RateLimitDescriptor;
using EnvoyRateLimitService = GrainLimiter.Protocol.Envoy.RateLimit.RateLimitService;

namespace GrainLimiter.Benchmarks.Load.Contenders;

/// <summary>
/// GrainLimiter as Envoy's <c>ratelimit</c> filter asks it: <c>envoy.service.ratelimit.v3.RateLimitService/ShouldRateLimit</c>,
/// one descriptor (<c>open</c>, <c>accuracy</c> or <c>attack</c> = the key) per call, on the gRPC row's channels. Envoy's
/// answer has no reason, so the silo sends its dynamic metadata and an answer with a <c>failureMode</c> entry counts as undecided.
/// </summary>
/// <remarks>No leases-off twin: a descriptor file has no <c>leases</c> setting, and its limits lease as <c>leases: auto</c>.</remarks>
internal sealed class EnvoyContender : Contender
{
    /// <summary>The descriptor domain of the benchmark silo's Envoy configuration.</summary>
    public const string Domain = "bench";

    private readonly GrpcChannel[] _channels;
    private readonly EnvoyRateLimitService.RateLimitServiceClient[] _clients;
    private int _next;

    public EnvoyContender(Uri silo, int connections)
    {
        _channels = [.. Enumerable.Range(0, connections).Select(_ => GrpcChannel.ForAddress(silo, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { UseProxy = false, EnableMultipleHttp2Connections = true,
                PooledConnectionLifetime = Timeout.InfiniteTimeSpan },
        }))];
        _clients = [.. _channels.Select(static channel => new EnvoyRateLimitService.RateLimitServiceClient(channel))];
    }

    public override string Name => "GrainLimiter Envoy ShouldRateLimit";

    /// <summary>The silo's Envoy descriptor file: the open, accuracy and attack limits, each value of the descriptor its own key.</summary>
    public static string ConfigYaml(BenchLimits limits) => $"""
        # Written by the load benchmark.
        domain: {Domain}
        descriptors:
        {Descriptor(LimitKind.Open, limits)}
        {Descriptor(LimitKind.Accuracy, limits)}
        {Descriptor(LimitKind.Attack, limits)}
        """;

    private static string Descriptor(LimitKind kind, BenchLimits limits)
    {
        var (limit, window) = limits.Of(kind);
        var unit = window == BenchLimits.Hour ? "hour"
            : window == BenchLimits.Second ? "second"
            : throw new ArgumentException($"No Envoy unit is {window}.", nameof(limits));
        return $"""
              - key: {EntryOf(kind)}
                rate_limit: {"{"} unit: {unit}, requests_per_unit: {limit.ToString(System.Globalization.CultureInfo.InvariantCulture)} {"}"}
            """;
    }

    /// <summary>The descriptor entry each limit is asked as; <see cref="LimitKind.OpenUnleased"/> has none (see the remarks).</summary>
    private static string EntryOf(LimitKind kind) => kind switch
    {
        LimitKind.Open => "open",
        LimitKind.Accuracy => "accuracy",
        LimitKind.Attack => "attack",
        _ => throw new NotSupportedException($"Envoy descriptors have no {kind} limit: a descriptor file cannot turn leases off."),
    };

    /// <summary>Starts on <paramref name="silo"/> after asking every key once, so the row decides on live grains as the gRPC rows do
    /// (Envoy's limits are policies of their own, whose grains the gRPC preload did not activate).</summary>
    public static async Task<EnvoyContender> StartAsync(Processes.SiloProcess silo, LoadSettings settings, string[] keys, CancellationToken cancellationToken)
    {
        var contender = new EnvoyContender(silo.GrpcAddress, settings.Connections) { Servers = [silo.Process] };
        await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = settings.Concurrency, CancellationToken = cancellationToken },
            async (key, ct) => await contender.CallAsync([key], LimitKind.Open, ct).ConfigureAwait(false)).ConfigureAwait(false);
        return contender;
    }

    public override async ValueTask<int> CallAsync(string[] keys, LimitKind limit, CancellationToken cancellationToken)
    {
        var request = new RateLimitRequest { Domain = Domain };
        var entry = EntryOf(limit);
        foreach (var key in keys)
        {
            request.Descriptors.Add(new EnvoyDescriptor { Entries = { new EnvoyDescriptor.Types.Entry { Key = entry, Value = key } } });
        }

        var client = _clients[(uint)Interlocked.Increment(ref _next) % (uint)_clients.Length];
        var reply = await client.ShouldRateLimitAsync(request, cancellationToken: cancellationToken).ResponseAsync.ConfigureAwait(false);
        if (reply.DynamicMetadata?.Fields.TryGetValue("failureMode", out var failures) == true && failures.ListValue.Values.Count > 0)
        {
            throw new UndecidedAnswerException(failures.ListValue.Values.Count, failures.ListValue.Values[0].StructValue.Fields["reason"].StringValue);
        }

        return reply.OverallCode == RateLimitResponse.Types.Code.Ok ? keys.Length : 0;
    }

    public override ValueTask DisposeAsync()
    {
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }

        return ValueTask.CompletedTask;
    }
}
