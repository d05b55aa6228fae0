using System.Net;
using System.Text;

namespace GrainLimiter.Benchmarks.Load.Contenders;

/// <summary>GrainLimiter through <c>POST /v1/check</c>: HTTP/1.1 keep-alive, one connection per call in flight, JSON body.</summary>
internal sealed class HttpCheckContender(Uri silo, int concurrency) : Contender
{
    private readonly Uri _check = new(silo, "/v1/check");
    private readonly HttpMessageInvoker _client = new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = concurrency,
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        UseProxy = false,
        AllowAutoRedirect = false,
    });

    public override string Name => "GrainLimiter HTTP /v1/check";

    public override bool RunsLeasesOff => true;

    public override async ValueTask<int> CallAsync(string[] keys, LimitKind limit, CancellationToken cancellationToken)
    {
        var body = new StringBuilder("{\"checks\":[");
        var policy = Processes.SiloProcess.PolicyOf(limit);
        for (var i = 0; i < keys.Length; i++)
        {
            body.Append(i == 0 ? "" : ",").Append("{\"policy\":\"").Append(policy).Append("\",\"key\":\"").Append(keys[i]).Append("\"}");
        }

        body.Append("]}");
        using var request = new HttpRequestMessage(HttpMethod.Post, _check)
        {
            Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body.ToString())) { Headers = { { "Content-Type", "application/json" } } },
        };
        using var response = await _client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var answer = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        if (response.StatusCode is not (HttpStatusCode.OK or HttpStatusCode.TooManyRequests))
        {
            throw new HttpRequestException($"POST /v1/check answered {(int)response.StatusCode}.");
        }

        ThrowIfUndecided(answer);
        return response.StatusCode == HttpStatusCode.OK ? keys.Length : 0;
    }

    /// <summary>A decision the grain did not make carries a <c>reason</c> (the front writes one only then, for these
    /// policies): count them without parsing the whole answer on the driver's core.</summary>
    private static void ThrowIfUndecided(ReadOnlySpan<byte> answer)
    {
        var property = "\"reason\":\""u8;
        var undecided = 0;
        string? reason = null;
        for (var at = answer.IndexOf(property); at >= 0; at = answer.IndexOf(property))
        {
            answer = answer[(at + property.Length)..];
            var end = answer.IndexOf((byte)'"');
            reason ??= Encoding.UTF8.GetString(end < 0 ? answer : answer[..end]);
            undecided++;
        }

        if (undecided > 0)
        {
            throw new UndecidedAnswerException(undecided, reason!);
        }
    }

    public override ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }
}
