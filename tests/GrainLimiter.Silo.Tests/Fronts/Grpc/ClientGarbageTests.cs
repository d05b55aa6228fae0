using System.Diagnostics.Metrics;
using System.Net.Http.Headers;
using GrainLimiter.Silo.Fronts;
using GrainLimiter.Silo.Fronts.Grpc;
using GrainLimiter.Silo.Observability;
using GrainLimiter.Silo.Tests.Fixtures;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;

namespace GrainLimiter.Silo.Tests.Fronts.Grpc;

/// <summary>Every malformed input of the wire tests, and a reset stream, sent to a silo of its own: each is answered as before,
/// counted in <c>grainlimiter_bad_requests_total</c> by front and reason, and none is logged at Warning or above (client garbage
/// is not a server failure).</summary>
public sealed class ClientGarbageTests : IAsyncLifetime
{
    private const string Check = "/grainlimiter.v1.Limiter/Check";
    private const string ShouldRateLimit = "/envoy.service.ratelimit.v3.RateLimitService/ShouldRateLimit";
    private RunningSilo _silo = null!;
    private MetricCollector<long> _badRequests = null!;

    public async Task InitializeAsync()
    {
        var settings = GrpcSiloFixture.Settings;
        // Grpc's call handler at Debug too: a test waits for "Reading message." (and sees that nothing above Information is written).
        settings["Logging:LogLevel:" + GrpcCallHandlerLogging.CallHandlerCategory] = "Debug";
        _silo = await RunningSilo.StartAsync(GrpcSiloFixture.Policies, settings, builder => builder.Logging.AddFakeLogging());
        _badRequests = new MetricCollector<long>(_silo.Get<IMeterFactory>(), MetricNames.Meter, MetricNames.BadRequests);
    }

    public async Task DisposeAsync()
    {
        _badRequests.Dispose();
        await _silo.DisposeAsync();
    }

    [Fact]
    public async Task MalformedInputIsCountedByFrontAndReasonAndNeverLoggedAsAServerFailure()
    {
        var headers = Headers();
        var gzip = Headers(("grpc-encoding", "gzip"));
        var inputs = new (object Request, string Front, string Reason)[]
        {
            (new { path = Check, headers, bodyHex = "deadbeef00112233" }, BadRequests.Front.Grpc, BadRequests.Reason.MalformedFrame),
            (new { path = Check, headers, bodyHex = "0000000004ffffffff" }, BadRequests.Front.Grpc, BadRequests.Reason.Unparsable),
            (new { path = Check, headers, bodyHex = "0000000064010203" }, BadRequests.Front.Grpc, BadRequests.Reason.MalformedFrame),
            (new { path = Check, headers, bodyHex = "" }, BadRequests.Front.Grpc, BadRequests.Reason.MalformedFrame),
            (new { path = Check, headers, bodyHex = "000000" }, BadRequests.Front.Grpc, BadRequests.Reason.MalformedFrame),
            (new { path = Check, headers, bodyHex = "00000000000000000000" }, BadRequests.Front.Grpc, BadRequests.Reason.MalformedFrame),
            // Compressed flag set, gzip announced, and five bytes that are not gzip.
            (new { path = Check, headers = gzip, bodyHex = "01000000050102030405" }, BadRequests.Front.Grpc, BadRequests.Reason.BadCompression),
            (new { path = Check, headers = Headers(("grpc-encoding", "snappy")), bodyHex = "0100000000" },
                BadRequests.Front.Grpc, BadRequests.Reason.BadCompression),
            (new { path = Check, headers = gzip, frames = new[] { Frame(new string('y', 20_000), gzip: true) } },
                BadRequests.Front.Grpc, BadRequests.Reason.TooLarge),
            (new { path = Check, headers, frames = new[] { Frame(new string('x', GrpcSiloFixture.MaxMessageBytes + 100), gzip: false) } },
                BadRequests.Front.Grpc, BadRequests.Reason.TooLarge),
            (new { path = Check, headers, frames = new[] { Frame("k", gzip: false, policy: "no-such-policy") } },
                BadRequests.Front.Grpc, BadRequests.Reason.InvalidArgument),
            (new { path = Check, headers = new Dictionary<string, string> { ["content-type"] = "application/json" }, bodyHex = "7b7d" },
                BadRequests.Front.Grpc, BadRequests.Reason.NotGrpc),
            (new { path = ShouldRateLimit, headers, bodyHex = "deadbeef00112233" }, BadRequests.Front.Envoy, BadRequests.Reason.MalformedFrame),
            (new { path = ShouldRateLimit, headers, bodyHex = "0000000004ffffffff" }, BadRequests.Front.Envoy, BadRequests.Reason.Unparsable),
        };

        var answers = await NodePeer.RunAsync("raw-h2.js",
            new { address = _silo.GrpcAddress.Authority, requests = inputs.Select(static i => i.Request).ToArray() });

        Assert.Equal(inputs.Length, answers.Count);
        // Every call was answered, and so counted, before raw-h2 returned.
        var counted = _badRequests.GetMeasurementSnapshot()
            .Select(static m => (Front: (string)m.Tags["front"]!, Reason: (string)m.Tags["reason"]!))
            .Order().ToArray();
        var expected = inputs.Select(static i => (i.Front, i.Reason)).Order().ToArray();
        Assert.True(expected.SequenceEqual(counted), $"expected {string.Join(", ", expected)}\ncounted {string.Join(", ", counted)}");
        Assert.Empty(LoudLines());
    }

    [Fact]
    public async Task AConnectionDroppedWhileItsRequestIsReadIsCountedAsAReset()
    {
        using var stalled = new StalledBody();
        var handler = new SocketsHttpHandler();
        using (var http = new HttpClient(handler))
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_silo.GrpcAddress, Check))
            {
                Version = System.Net.HttpVersion.Version20,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
                Content = stalled,
            };
            request.Headers.TryAddWithoutValidation("te", "trailers");
            var sending = http.SendAsync(request);
            await stalled.Started.Task.WaitAsync(TimeSpan.FromSeconds(30));
            // The server reads the frame header's first bytes and waits for the rest; then the connection goes.
            await Eventually.TrueAsync(() => Task.FromResult(Logged("Reading message.")), TimeSpan.FromSeconds(30), "the server reads the request");
            handler.Dispose();
            await Assert.ThrowsAnyAsync<Exception>(() => sending);
        }

        await _badRequests.WaitForMeasurementsAsync(1, TimeSpan.FromSeconds(30));
        var counted = Assert.Single(_badRequests.GetMeasurementSnapshot());
        Assert.Equal(BadRequests.Front.Grpc, counted.Tags["front"]);
        Assert.Equal(BadRequests.Reason.Reset, counted.Tags["reason"]);
        Assert.Empty(LoudLines());
    }

    [Fact]
    public async Task AnHttpBodyThatIsNotJsonIsCountedUnderTheHttpFront()
    {
        using var content = new StringContent("{not json", new MediaTypeHeaderValue("application/json"));
        using var response = await _silo.Http.PostAsync(new Uri("/v1/check", UriKind.Relative), content);

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        var counted = Assert.Single(_badRequests.GetMeasurementSnapshot());
        Assert.Equal(BadRequests.Front.Http, counted.Tags["front"]);
        Assert.Equal(BadRequests.Reason.Unparsable, counted.Tags["reason"]);
    }

    // What the silo wrote at Warning or above since it started, but for Orleans' own health notes (a busy machine's watchdog).
    private IEnumerable<string> LoudLines() => _silo.Services.GetFakeLogCollector().GetSnapshot()
        .Where(static r => r.Level >= LogLevel.Warning && r.Category?.StartsWith("Orleans.", StringComparison.Ordinal) != true)
        .Select(static r => $"{r.Category}: {r.Message} {r.Exception}");

    private bool Logged(string message) =>
        _silo.Services.GetFakeLogCollector().GetSnapshot().Any(r => r.Category == GrpcCallHandlerLogging.CallHandlerCategory && r.Message == message);

    /// <summary>A gRPC request body that sends two bytes of a frame header and never more.</summary>
    private sealed class StalledBody : HttpContent
    {
        private readonly TaskCompletionSource _never = new();

        public StalledBody() => Headers.ContentType = new MediaTypeHeaderValue("application/grpc");

        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            await stream.WriteAsync(new byte[] { 0, 0 });
            await stream.FlushAsync();
            Started.TrySetResult();
            await _never.Task;
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }

        protected override void Dispose(bool disposing)
        {
            _never.TrySetCanceled();
            base.Dispose(disposing);
        }
    }

    private static Dictionary<string, string> Headers(params (string Name, string Value)[] extra)
    {
        var headers = new Dictionary<string, string> { ["content-type"] = "application/grpc", ["te"] = "trailers" };
        foreach (var (name, value) in extra)
        {
            headers[name] = value;
        }

        return headers;
    }

    private static object Frame(string key, bool gzip, string policy = "grpc-demo") =>
        new { message = "grainlimiter.v1.CheckRequest", value = (object)new { checks = new[] { new { policy, key } } }, gzip };
}
