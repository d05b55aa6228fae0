using System.Net;
using System.Text;
using System.Text.Json;

namespace GrainLimiter.Benchmarks.Traffic;

/// <summary>One item of a <c>POST /v1/check</c> answer: admitted or not, what is left, and the reason a failure mode or a
/// fallback gave (null when the key's grain decided).</summary>
internal readonly record struct CheckItem(bool Allowed, long Remaining, string? Reason);

/// <summary>A <c>POST /v1/check</c> answer: the HTTP status and its items (none unless 200 or 429).</summary>
internal sealed record HttpCheckAnswer(int Status, IReadOnlyList<CheckItem> Items)
{
    public bool IsServerError => Status >= 500;
}

/// <summary>
/// <c>POST /v1/check</c> over HTTP/1.1 keep-alive, answers parsed whole (the endurance runs need <c>remaining</c> and
/// <c>reason</c>, and call far below the rates where parsing on the driver's core would matter). A transport failure
/// throws; every status comes back as it is, so the caller counts 5xx.
/// </summary>
internal sealed class HttpChecker(int connectionsPerServer) : IDisposable
{
    private readonly HttpMessageInvoker _client = new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = connectionsPerServer,
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        ConnectTimeout = TimeSpan.FromSeconds(5),
        UseProxy = false,
        AllowAutoRedirect = false,
    });

    public async Task<HttpCheckAnswer> CheckAsync(Uri silo, IReadOnlyList<(string Policy, string Key, long Cost)> checks, CancellationToken cancellationToken)
    {
        var body = new StringBuilder("{\"checks\":[");
        for (var i = 0; i < checks.Count; i++)
        {
            var (policy, key, cost) = checks[i];
            body.Append(i == 0 ? "" : ",").Append("{\"policy\":\"").Append(policy).Append("\",\"key\":\"").Append(key)
                .Append("\",\"cost\":").Append(cost).Append('}');
        }

        body.Append("]}");
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(silo, "/v1/check"))
        {
            Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body.ToString())) { Headers = { { "Content-Type", "application/json" } } },
        };
        // A bound on every call: a silo that stopped answering shows as errors, not as a run that never ends.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(10));
        using var response = await _client.SendAsync(request, deadline.Token).ConfigureAwait(false);
        var answer = await response.Content.ReadAsByteArrayAsync(deadline.Token).ConfigureAwait(false);
        if (response.StatusCode is not (HttpStatusCode.OK or HttpStatusCode.TooManyRequests))
        {
            return new HttpCheckAnswer((int)response.StatusCode, []);
        }

        using var json = JsonDocument.Parse(answer);
        var items = json.RootElement.GetProperty("results").EnumerateArray().Select(static r => new CheckItem(
            r.GetProperty("allowed").GetBoolean(),
            r.TryGetProperty("remaining", out var remaining) && remaining.ValueKind == JsonValueKind.Number ? remaining.GetInt64() : 0,
            r.TryGetProperty("reason", out var reason) && reason.ValueKind == JsonValueKind.String ? reason.GetString() : null)).ToArray();
        return new HttpCheckAnswer((int)response.StatusCode, items);
    }

    public void Dispose() => _client.Dispose();
}
