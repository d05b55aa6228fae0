using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace GrainLimiter.Cli;

/// <summary>One answer of the silo: status and body.</summary>
public sealed record SiloResponse(HttpStatusCode Status, string Body)
{
    public JsonElement Json => JsonDocument.Parse(Body.Length == 0 ? "null" : Body).RootElement;
}

/// <summary>
/// Calls the silo's HTTP API (<c>/v1</c>) and admin API (<c>/admin/v1</c>). Failures become <see cref="CliException"/>s with
/// the exit code they mean. The token is sent only to admin calls and never appears in a message.
/// </summary>
public sealed class SiloHttpClient : IDisposable
{
    private const int MaxResponseBytes = 16 * 1024 * 1024;
    private readonly HttpClient _http;
    private readonly string? _token;

    public SiloHttpClient(Uri baseAddress, string? token, TimeSpan timeout, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(baseAddress);
        _http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        _http.BaseAddress = baseAddress;
        _http.Timeout = timeout;
        _http.MaxResponseContentBufferSize = MaxResponseBytes;
        _token = string.IsNullOrEmpty(token) ? null : token;
        Timeout = timeout;
    }

    public Uri BaseAddress => _http.BaseAddress!;

    public TimeSpan Timeout { get; }

    public bool HasToken => _token is not null;

    /// <summary><c>{policy}/{key}</c> for a route ending in <c>{policy}/{**key}</c>: each part escaped, a key's slashes kept.</summary>
    public static string KeyPath(string policy, string key) =>
        Uri.EscapeDataString(policy) + "/" + string.Join('/', key.Split('/').Select(Uri.EscapeDataString));

    /// <summary>Sends a request and returns any answer; only an unreachable or silent silo throws.</summary>
    public async Task<SiloResponse> SendAsync(HttpMethod method, string path, JsonNode? body, bool admin, CancellationToken cancel)
    {
        using var request = new HttpRequestMessage(method, new Uri(path.TrimStart('/'), UriKind.Relative));
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        if (admin && _token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        }

        try
        {
            using var response = await _http.SendAsync(request, cancel);
            return new SiloResponse(response.StatusCode, await response.Content.ReadAsStringAsync(cancel));
        }
        catch (HttpRequestException e) when (e.InnerException is System.Security.Authentication.AuthenticationException refused)
        {
            throw new CliException(ExitCodes.Unreachable, $"cannot reach the silo at {BaseAddress}: the TLS handshake failed ({refused.Message}); " +
                $"a silo certificate from a private CA needs --ca-file or ${GlobalOptions.CaFileVariable}.");
        }
        catch (HttpRequestException e)
        {
            throw new CliException(ExitCodes.Unreachable, $"cannot reach the silo at {BaseAddress}: {e.Message}");
        }
        catch (TaskCanceledException) when (!cancel.IsCancellationRequested)
        {
            throw new CliException(ExitCodes.Unreachable, $"the silo at {BaseAddress} did not answer within {Timeout.TotalSeconds:0.###} s (--timeout).");
        }
    }

    /// <summary>An admin call that must succeed: any other answer throws with its exit code.</summary>
    public async Task<SiloResponse> AdminAsync(HttpMethod method, string path, JsonNode? body, CancellationToken cancel)
    {
        var response = await SendAsync(method, path, body, admin: true, cancel);
        return response.Status is >= HttpStatusCode.OK and < HttpStatusCode.Ambiguous ? response : throw Failure(method, path, response, admin: true);
    }

    /// <summary>The exception an unsuccessful answer means: 401/403 exit 3, 404 exit 4, other 4xx exit 2, 5xx exit 5.</summary>
    public CliException Failure(HttpMethod method, string path, SiloResponse response, bool admin)
    {
        var (field, detail, title) = Problem(response.Body);
        var said = detail is null ? "" : (field is null ? detail : $"{field}: {detail}");
        var status = $"{(int)response.Status} {(title ?? response.Status.ToString())}";
        var json = detail is null && title is null ? null : response.Body;
        return response.Status switch
        {
            HttpStatusCode.Unauthorized when admin && _token is null => new CliException(ExitCodes.Auth,
                "the admin API needs a token: pass --token or set GRAINLIMITER_TOKEN (the silo's GrainLimiter:AdminToken).", json),
            HttpStatusCode.Unauthorized => new CliException(ExitCodes.Auth, $"{status}: the silo refused the token (--token / GRAINLIMITER_TOKEN).", json),
            HttpStatusCode.Forbidden => new CliException(ExitCodes.Auth,
                $"{status}: this token may only read; a write needs the read-write token (GrainLimiter:AdminToken).", json),
            HttpStatusCode.NotFound when detail is null => new CliException(ExitCodes.NotFound,
                $"{status}: {method} {path} does not exist on {BaseAddress}"
                + (admin ? " (admin endpoints exist only when the silo has GrainLimiter:AdminToken set)." : "."), json),
            HttpStatusCode.NotFound => new CliException(ExitCodes.NotFound, $"{status}: {said}", json),
            >= HttpStatusCode.InternalServerError => new CliException(ExitCodes.Unreachable,
                $"the silo failed: {status}{(said.Length > 0 ? ": " + said : "")}", json),
            _ => new CliException(ExitCodes.Usage, $"{status}{(said.Length > 0 ? ": " + said : "")}", json),
        };
    }

    /// <summary>The <c>field</c>, <c>detail</c> and <c>title</c> of a problem document, when the body is one.</summary>
    internal static (string? Field, string? Detail, string? Title) Problem(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return default;
            }

            string? Text(string name) => root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
            return (Text("field"), Text("detail"), Text("title"));
        }
        catch (JsonException)
        {
            return default;
        }
    }

    public void Dispose() => _http.Dispose();
}
