using System.Text;
using GrainLimiter.Silo.Tests.Fixtures;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace GrainLimiter.Silo.Tests.Observability;

/// <summary>OTEL_EXPORTER_OTLP_ENDPOINT switches the OTLP exporter on: the silo's metrics arrive at an OTLP/HTTP receiver
/// (a Kestrel endpoint standing in for a collector, reading the protobuf body as it comes).</summary>
[Collection(MetricsEndpointTests.Name)]
public sealed class OtlpExportTests
{
    [Fact]
    public async Task MetricsArePushedOverOtlpWhenTheEndpointIsSet()
    {
        var received = new TaskCompletionSource<(string? ContentType, byte[] Body)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = Path.GetTempPath() });
        var collector = new Uri($"http://127.0.0.1:{FreePort.Next()}");
        builder.WebHost.UseUrls(collector.ToString());
        builder.Logging.ClearProviders();
        await using var app = builder.Build();
        app.MapPost("/v1/metrics", async (HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            var bytes = body.ToArray();
            // Exports repeat every interval; the first one carrying a decision count is the one to check.
            if (ContainsUtf8(bytes, "grainlimiter_decisions_total"))
            {
                received.TrySetResult((request.ContentType, bytes));
            }

            return Results.Ok();
        });
        await app.StartAsync();

        await using var silo = await RunningSilo.StartAsync("""
            policies:
              - name: pushed
                limits:
                  - { algorithm: token_bucket, limit: 5, window: 1h }
            """, new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.ToString(),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "200",
        });
        await silo.Http.CheckAsync("pushed", "k");

        var (contentType, body) = await received.Task.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal("application/x-protobuf", contentType);
        Assert.True(ContainsUtf8(body, "pushed"), "the export carries the policy label");
        Assert.True(ContainsUtf8(body, "grainlimiter-silo"), "the export carries the service name");
    }

    // Protobuf strings travel as raw UTF-8, so a name is found in the body without decoding the message.
    private static bool ContainsUtf8(byte[] body, string text) => body.AsSpan().IndexOf(Encoding.UTF8.GetBytes(text)) >= 0;
}
