using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging.Abstractions;

namespace GrainLimiter.Silo.Storage.Redis;

/// <summary>
/// A multiplexed connection to one Redis endpoint: any number of callers share one socket; their commands are
/// pipelined and the replies matched in order. When the server goes away every waiting command fails at once
/// with <see cref="RedisConnectionException"/>, new commands fail fast while a background loop reconnects with
/// exponential backoff and jitter; nothing is retried behind the caller's back.
/// </summary>
public sealed partial class RedisConnection : IAsyncDisposable
{
    private readonly RedisConnectionOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly X509Certificate2Collection? _trustedCertificates;
    private readonly CancellationTokenSource _disposed = new();
    private readonly ITimer _timeoutTimer;
    private RedisLink? _link;
    private Exception? _lastError;

    private RedisConnection(RedisConnectionOptions options, ILogger? logger, TimeProvider? time)
    {
        _options = options;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _trustedCertificates = LoadTrustedCertificates(options);
        TimeSpan period = TimeSpan.FromTicks(Math.Clamp(options.SyncTimeout.Ticks / 8, TimeSpan.TicksPerMillisecond * 5, TimeSpan.TicksPerSecond));
        _timeoutTimer = _time.CreateTimer(static state => ((RedisConnection)state!).ExpireTimedOut(), this, period, period);
    }

    public RedisConnectionOptions Options => _options;

    public bool IsConnected => Volatile.Read(ref _link)?.IsOpen == true;

    /// <summary>Connects, authenticates and selects the database; throws if that fails within the connect timeout.</summary>
    public static async Task<RedisConnection> ConnectAsync(
        RedisConnectionOptions options, ILogger? logger = null, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var connection = new RedisConnection(options, logger, time);
        try
        {
            RedisLink link = await connection.OpenLinkAsync(cancellationToken).ConfigureAwait(false);
            connection.Publish(link);
            Log.Connected(connection._logger, options.Endpoint, options.Ssl);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public static Task<RedisConnection> ConnectAsync(
        string connectionString, ILogger? logger = null, TimeProvider? time = null, CancellationToken cancellationToken = default) =>
        ConnectAsync(RedisConnectionOptions.Parse(connectionString), logger, time, cancellationToken);

    /// <summary>Sends one command. An error reply throws <see cref="RedisServerException"/>.</summary>
    public ValueTask<RespValue> ExecuteAsync(ReadOnlySpan<RedisArg> commandAndArgs, CancellationToken cancellationToken = default)
    {
        RedisLink? link = Volatile.Read(ref _link);
        return link is null
            ? ValueTask.FromException<RespValue>(NotConnected())
            : link.SendAsync(commandAndArgs, cancellationToken);
    }

    /// <summary>Sends a batch in one write and returns every reply, error replies included, in order.</summary>
    public ValueTask<RespValue[]> ExecuteBatchAsync(RedisBatch batch, CancellationToken cancellationToken = default) =>
        SendBatchAsync(batch, keepReplies: true, cancellationToken);

    /// <summary>Sends a batch in one write, keeps no replies; throws <see cref="RedisServerException"/> for the first error reply.</summary>
    public async ValueTask WriteBatchAsync(RedisBatch batch, CancellationToken cancellationToken = default) =>
        await SendBatchAsync(batch, keepReplies: false, cancellationToken).ConfigureAwait(false);

    public async ValueTask DisposeAsync()
    {
        if (_disposed.IsCancellationRequested)
        {
            return;
        }

        await _disposed.CancelAsync().ConfigureAwait(false);
        await _timeoutTimer.DisposeAsync().ConfigureAwait(false);
        Interlocked.Exchange(ref _link, null)?.Fail(new RedisConnectionException($"Connection to Redis at {_options.Endpoint} was disposed."));
    }

    private ValueTask<RespValue[]> SendBatchAsync(RedisBatch batch, bool keepReplies, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        RedisLink? link = Volatile.Read(ref _link);
        return link is null
            ? ValueTask.FromException<RespValue[]>(NotConnected())
            : link.SendBatchAsync(batch, keepReplies, cancellationToken);
    }

    private RedisException NotConnected() => _disposed.IsCancellationRequested
        ? new RedisConnectionException($"Connection to Redis at {_options.Endpoint} was disposed.")
        : new RedisConnectionException(
            $"Not connected to Redis at {_options.Endpoint}; reconnecting in the background. Last error: {_lastError?.Message ?? "none"}",
            _lastError);

    private void ExpireTimedOut() => Volatile.Read(ref _link)?.ExpireTimedOut(_options.SyncTimeout);

    private void Publish(RedisLink link)
    {
        Volatile.Write(ref _link, link);
        if (_disposed.IsCancellationRequested)
        {
            link.Fail(new RedisConnectionException($"Connection to Redis at {_options.Endpoint} was disposed."));
            return;
        }

        _ = WatchAsync(link);
    }

    /// <summary>Waits for the link to fail, then reconnects until it succeeds or the connection is disposed.</summary>
    private async Task WatchAsync(RedisLink link)
    {
        Exception cause = await link.Closed.ConfigureAwait(false);
        Interlocked.CompareExchange(ref _link, null, link);
        if (_disposed.IsCancellationRequested)
        {
            return;
        }

        _lastError = cause;
        Log.ConnectionLost(_logger, _options.Endpoint, cause.Message);
        TimeSpan delay = _options.ReconnectMinDelay;
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await Task.Delay(Jitter(delay), _time, _disposed.Token).ConfigureAwait(false);
                RedisLink next = await OpenLinkAsync(CancellationToken.None).ConfigureAwait(false);
                Publish(next);
                Log.Reconnected(_logger, _options.Endpoint, attempt);
                return;
            }
            catch (OperationCanceledException) when (_disposed.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                _lastError = ex;
                Log.ReconnectFailed(_logger, _options.Endpoint, attempt, ex.Message);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.ReconnectMaxDelay.Ticks));
            }
        }
    }

    private static TimeSpan Jitter(TimeSpan delay) => delay * (0.8 + (Random.Shared.NextDouble() * 0.4));

    /// <summary>Socket, TLS, then AUTH / SELECT / PING on a link nobody else can use yet.</summary>
    private async Task<RedisLink> OpenLinkAsync(CancellationToken cancellationToken)
    {
        using var connect = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposed.Token);
        connect.CancelAfter(_options.ConnectTimeout);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Stream? stream = null;
        RedisLink? link = null;
        try
        {
            await socket.ConnectAsync(_options.Host, _options.Port, connect.Token).ConfigureAwait(false);
            stream = new NetworkStream(socket, ownsSocket: true);
            if (_options.Ssl)
            {
                stream = await AuthenticateTlsAsync(stream, connect.Token).ConfigureAwait(false);
            }

            link = new RedisLink(stream, _options.Endpoint, _time);
            link.Start();
            await HandshakeAsync(link, connect.Token).ConfigureAwait(false);
            return link;
        }
        catch (Exception ex)
        {
            link?.Fail(ex);
            stream?.Dispose();
            socket.Dispose();
            if (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested && !_disposed.IsCancellationRequested)
            {
                throw new RedisConnectionException(
                    $"Could not connect to Redis at {_options.Endpoint} within {_options.ConnectTimeout.TotalMilliseconds:0} ms (connectTimeout).", ex);
            }

            if (ex is RedisException or OperationCanceledException)
            {
                throw;
            }

            throw new RedisConnectionException($"Could not connect to Redis at {_options.Endpoint}: {ex.Message}", ex);
        }
    }

    private async Task HandshakeAsync(RedisLink link, CancellationToken cancellationToken)
    {
        if (_options.Password is not null)
        {
            try
            {
                await (_options.User is null
                    ? link.SendAsync(["AUTH", _options.Password], cancellationToken)
                    : link.SendAsync(["AUTH", _options.User, _options.Password], cancellationToken)).ConfigureAwait(false);
            }
            catch (RedisServerException ex)
            {
                string who = _options.User is null ? "the password" : $"user '{_options.User}' and its password";
                throw new RedisAuthenticationException($"Redis at {_options.Endpoint} refused {who}: {ex.Message}", ex);
            }
        }

        try
        {
            if (_options.DefaultDatabase != 0)
            {
                await link.SendAsync(["SELECT", _options.DefaultDatabase], cancellationToken).ConfigureAwait(false);
            }

            await link.SendAsync(["PING"], cancellationToken).ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (ex.ErrorCode == "NOAUTH")
        {
            throw new RedisAuthenticationException(
                $"Redis at {_options.Endpoint} requires authentication; set password= (and user= for an ACL user) in the connection string.", ex);
        }
        catch (RedisServerException ex)
        {
            throw new RedisConnectionException(
                $"Redis at {_options.Endpoint} refused the connection setup (defaultDatabase={_options.DefaultDatabase}): {ex.Message}", ex);
        }
    }

    private async Task<Stream> AuthenticateTlsAsync(Stream inner, CancellationToken cancellationToken)
    {
        var tls = new SslStream(inner, leaveInnerStreamOpen: false);
        var authentication = new SslClientAuthenticationOptions
        {
            TargetHost = _options.SslHost ?? _options.Host,
            RemoteCertificateValidationCallback = _trustedCertificates is null ? null : ValidateAgainstTrustedCertificates,
        };
        try
        {
            await tls.AuthenticateAsClientAsync(authentication, cancellationToken).ConfigureAwait(false);
            return tls;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await tls.DisposeAsync().ConfigureAwait(false);
            throw new RedisConnectionException(
                $"TLS handshake with Redis at {_options.Endpoint} failed (server certificate validated against " +
                $"{(_trustedCertificates is null ? "the system trust store" : $"sslCaFile '{_options.SslCaFile}'")}): {ex.Message}", ex);
        }
    }

    /// <summary>Accepts a chain that ends in one of the sslCaFile certificates. A name mismatch is never accepted.</summary>
    private bool ValidateAgainstTrustedCertificates(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        if (errors != SslPolicyErrors.RemoteCertificateChainErrors || certificate is not X509Certificate2 leaf)
        {
            return false;
        }

        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        custom.ChainPolicy.CustomTrustStore.AddRange(_trustedCertificates!);
        if (chain is not null)
        {
            foreach (X509ChainElement element in chain.ChainElements)
            {
                custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        return custom.Build(leaf);
    }

    private static X509Certificate2Collection? LoadTrustedCertificates(RedisConnectionOptions options)
    {
        if (options.SslCaFile is null)
        {
            return null;
        }

        try
        {
            var certificates = new X509Certificate2Collection();
            certificates.ImportFromPemFile(options.SslCaFile);
            return certificates.Count > 0
                ? certificates
                : throw new ArgumentException($"Redis option sslCaFile '{options.SslCaFile}' holds no PEM certificate.");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            throw new ArgumentException($"Redis option sslCaFile '{options.SslCaFile}' could not be read: {ex.Message}", ex);
        }
    }
}
