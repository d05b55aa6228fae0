// A worker honouring Légifrance PISTE's quotas (policy legifrance-standard: 20 req/s, 24 000/h, 280 000/day), shared by
// every instance through the cluster. Run several at once: together they never exceed the quotas.
//
//   dotnet run --project client/samples/PisteWorker -- http://127.0.0.1:8081 [upstream-url] [requests]
//
// Without an upstream URL the calls are simulated, with the upstream answering 429 once, to show the shared pause.
using System.Diagnostics;
using System.Net;
using GrainLimiter.Client;
using GrainLimiter.Client.Throttling;

const string Key = "legifrance:standard";
var silo = new Uri(args.Length > 0 ? args[0] : "http://127.0.0.1:8081");
var upstream = args.Length > 1 && args[1].Length > 0 ? new Uri(args[1]) : null;
var requests = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 60;

using var client = new GrainLimiterClient(new GrainLimiterClientOptions { Endpoints = [silo], Deadline = TimeSpan.FromMilliseconds(200) });
await client.WarmUpAsync(TimeSpan.FromSeconds(2));
var throttle = new OutboundThrottle(client, new OutboundThrottleOptions
{
    Keys = { [Key] = "legifrance-standard" },
    MaxWait = TimeSpan.FromMinutes(1),
});
using var http = new HttpClient();

var clock = Stopwatch.StartNew();
for (var i = 0; i < requests; i++)
{
    // Every tenth call is a premium (interactive) request: it goes first when others of this process are waiting.
    await throttle.WaitAsync(Key, cost: 1, i % 10 == 0 ? ThrottlePriority.Premium : ThrottlePriority.Standard);
    using var response = upstream is null ? Simulated(i) : await http.GetAsync(upstream);
    var status = response.StatusCode;
    if (status == HttpStatusCode.TooManyRequests)
    {
        // Retry-After from the upstream when it gave one; exponential backoff with jitter otherwise.
        var pause = await throttle.ReportUpstreamLimitedAsync(Key, response);
        Console.WriteLine($"{clock.Elapsed.TotalSeconds,7:0.000}s  #{i} upstream said 429: every worker pauses {pause.TotalSeconds:0.0}s");
        continue;
    }

    Console.WriteLine($"{clock.Elapsed.TotalSeconds,7:0.000}s  #{i} {(int)status}");
}

Console.WriteLine($"{requests} calls in {clock.Elapsed.TotalSeconds:0.00}s (fail-open answers: {client.FailOpenCount})");

static HttpResponseMessage Simulated(int call)
{
    if (call != 25)
    {
        return new HttpResponseMessage(HttpStatusCode.OK);
    }

    var limited = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
    limited.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(2));
    return limited;
}
