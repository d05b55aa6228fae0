using System.Net.Http.Json;
using System.Text.Json;

namespace GrainLimiter.Silo.Tests.Fixtures;

/// <summary>Helpers for calling the HTTP API the way a gateway does.</summary>
public static class Checks
{
    public static Task<HttpResponseMessage> CheckAsync(this HttpClient http, string policy, string key, long cost = 1) =>
        http.PostAsJsonAsync("/v1/check", new { checks = new[] { new { policy, key, cost } } });

    public static Task<HttpResponseMessage> PostRawAsync(this HttpClient http, string path, string body) =>
        http.PostAsync(path, new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    public static string Header(this HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : "";
}
