using System.Security.Cryptography.X509Certificates;
using Google.Protobuf;
using GrainLimiter.Protocol.Region.V1;
using GrainLimiter.Security;
using Grpc.Core;
using Grpc.Net.Client;
using GrainLimiter.Silo.Tls;
using Microsoft.Extensions.Options;

namespace GrainLimiter.Silo.Regions;

/// <summary>Every sync interval, pushes the counts of this silo's changed global keys to every peer region, in bounded batches.</summary>
/// <remarks>A failed push puts its keys back (newer counts of a key win) and marks the peer down until a push succeeds again.</remarks>
internal sealed partial class RegionSyncPusher(
    RegionLink link,
    RegionSyncMetrics metrics,
    IOptions<RegionSyncOptions> options,
    ILogger<RegionSyncPusher> logger) : BackgroundService
{
    /// <summary>The metadata entry carrying the region secret.</summary>
    public const string SecretHeader = "x-grainlimiter-region-secret";

    // A peer with a long backlog gets this many batches per interval, so one slow peer does not hold back the others.
    private const int MaxBatchesPerInterval = 16;

    private readonly RegionSyncOptions _options = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var authorities = string.IsNullOrEmpty(_options.CaFile) ? null : CertificateAuthorities.Load(_options.CaFile, "GrainLimiter__Regions__CaFile");
        var peers = link.Peers.Select(p => (Peer: p, Client: Client(p.Url, authorities))).ToArray();
        using var timer = new PeriodicTimer(_options.SyncInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await Task.WhenAll(peers.Select(p => PushAsync(p.Peer, p.Client, stoppingToken))).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private RegionSync.RegionSyncClient Client(Uri url, X509Certificate2Collection? authorities)
    {
        var handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true };
        if (authorities is not null)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = PrivateAuthorities.AlsoTrusting(authorities);
        }

        var channel = GrpcChannel.ForAddress(url, new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
            MaxSendMessageSize = _options.MaxMessageBytes,
            // A region back from an outage is heard from within a second, not after the default two-minute backoff.
            InitialReconnectBackoff = TimeSpan.FromMilliseconds(100),
            MaxReconnectBackoff = TimeSpan.FromSeconds(1),
        });
        return new RegionSync.RegionSyncClient(channel);
    }

    private async Task PushAsync(RegionLink.Peer peer, RegionSync.RegionSyncClient client, CancellationToken cancellationToken)
    {
        var metadata = new Metadata { { SecretHeader, _options.Secret! } };
        for (var batches = 0; batches < MaxBatchesPerInterval; batches++)
        {
            var batch = peer.Queue.Take(_options.BatchSize);
            if (batch.Count == 0)
            {
                return;
            }

            var (request, sent) = Request(batch);
            try
            {
                await client.PushAsync(request, metadata, DateTime.UtcNow + _options.PushTimeout, cancellationToken).ConfigureAwait(false);
                peer.Queue.Settled();
                metrics.Sent(peer.Name, sent);
                if (!peer.Up)
                {
                    Log.PeerUp(logger, peer.Name);
                }

                link.Reachable(peer, up: true);
            }
            catch (Exception e) when (e is RpcException or HttpRequestException or OperationCanceledException)
            {
                peer.Queue.Requeue(batch);
                if (peer.Up && !cancellationToken.IsCancellationRequested)
                {
                    Log.PeerDown(logger, peer.Name, (e as RpcException)?.StatusCode.ToString() ?? e.GetType().Name, e);
                }

                link.Reachable(peer, up: false);
                return;
            }

            if (sent < batch.Count)
            {
                // Keys that did not fit the message size wait for the next batch.
                peer.Queue.Requeue(batch.GetRange(sent, batch.Count - sent));
            }
        }
    }

    // As many keys of the batch as fit in MaxMessageBytes (at least one: a single key's counts are small and bounded).
    private (PushRequest Request, int Keys) Request(List<QueuedCounts> batch)
    {
        var request = new PushRequest { Region = link.Region };
        var size = request.CalculateSize();
        foreach (var item in batch)
        {
            var key = new KeyCounts { Policy = item.Policy, Key = item.Key, Epoch = item.Counts.Epoch };
            foreach (var count in item.Counts.Counts)
            {
                key.Counts.Add(new WindowCount { Limit = (uint)count.Limit, Window = count.Window, Region = count.Region, Count = count.Count });
            }

            var keySize = key.CalculateSize();
            size += 1 + CodedOutputStream.ComputeLengthSize(keySize) + keySize;
            if (size > _options.MaxMessageBytes && request.Keys.Count > 0)
            {
                break;
            }

            request.Keys.Add(key);
        }

        return (request, request.Keys.Count);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Peer region {Peer} does not answer region sync ({Status}); its keys wait and global limits " +
            "admit a fair share meanwhile.")]
        public static partial void PeerDown(ILogger logger, string peer, string status, Exception exception);

        [LoggerMessage(2, LogLevel.Information, "Peer region {Peer} answers region sync again.")]
        public static partial void PeerUp(ILogger logger, string peer);
    }
}
