using System.Net;
using Grpc.Health.V1;
using Grpc.Net.Client;
using GrainLimiter.Client.Resilience;
using GrainLimiter.Protocol.V1;

namespace GrainLimiter.Client.Transport;

/// <summary>One silo: a <see cref="GrpcChannel"/> (HTTP/2, its connections pooled and kept alive), the generated clients over it, and
/// the batcher its checks travel through.</summary>
internal sealed class SiloChannel : IDisposable
{
    private readonly SiloCheckSender? _sender;

    public SiloChannel(Uri address, GrainLimiterClientOptions options, TransportTls tls, ClientMetrics metrics)
    {
        Address = address;
        var handler = new SocketsHttpHandler
        {
            // Several connections once one is saturated (HTTP/2 caps concurrent streams per connection).
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(5),
            // Keeps idle connections alive through NATs and detects dead silos between calls (an open CheckStream too).
            KeepAlivePingDelay = TimeSpan.FromSeconds(30),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
        };
        tls.Apply(handler.SslOptions);
        Channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
            MaxReceiveMessageSize = options.MaxMessageBytes,
            // The deadline is Polly's timeout too: its cancellation must surface as OperationCanceledException, not RpcException(Cancelled).
            ThrowOperationCanceledOnCancellation = true,
        });
        Limiter = new Limiter.LimiterClient(Channel);
        Health = new Health.HealthClient(Channel);
        if (options.BatchChecks)
        {
            _sender = new SiloCheckSender(Limiter, options.Deadline);
            Checks = new CheckBatcher(_sender.SendAsync, options.MaxChecksPerBatch, options.MaxBatchesInFlight, metrics);
        }
    }

    public Uri Address { get; }

    public GrpcChannel Channel { get; }

    public Limiter.LimiterClient Limiter { get; }

    public Health.HealthClient Health { get; }

    /// <summary>Where this silo's checks gather into batches; null when batching is off.</summary>
    public CheckBatcher? Checks { get; }

    public void Dispose()
    {
        _sender?.Dispose();
        Channel.Dispose();
    }
}
