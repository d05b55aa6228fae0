// A gateway limited by a GrainLimiter cluster: per client IP on every request (middleware: headers + problem+json 429),
// and per API key tier on /api/* through ASP.NET Core's own RequireRateLimiting.
//
//   GrainLimiter__Client__Endpoints__0=http://127.0.0.1:8081 dotnet run --project client/samples/Gateway --urls http://127.0.0.1:5080
//   curl -i -H 'X-Api-Key: paid_123' http://127.0.0.1:5080/api/orders
using System.Net;
using GrainLimiter.Client.AspNetCore;
using GrainLimiter.Client.AspNetCore.Keys;
using GrainLimiter.Client.AspNetCore.RateLimiting;
using GrainLimiter.Samples.Gateway;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddGrainLimiterClient();
builder.Services.AddRateLimiter(options => options.AddGrainLimiterPolicy("api-key-tier", ApiKeyTiers.PolicyOf, RequestKeys.ApiKey(ApiKeyTiers.Header)));

// Proxies allowed to say who the client is (X-Forwarded-For), e.g. "10.0.0.0/8,127.0.0.1/32".
var trustedProxies = (builder.Configuration["Gateway:TrustedProxies"] ?? "")
    .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
    .Select(static network => IPNetwork.Parse(network))
    .ToArray();
var perIpPolicy = builder.Configuration["Gateway:PerIpPolicy"] ?? "per-ip";
var clientIp = RequestKeys.ClientIp(trustedProxies);

var app = builder.Build();
app.UseGrainLimiter(options => options.Rules.Add(LimitRule.For(perIpPolicy,
    // Probes are not limited: an orchestrator must always see the gateway's health.
    context => context.Request.Path.StartsWithSegments("/healthz") ? null : clientIp(context))));
app.UseRateLimiter();

app.MapGet("/healthz", () => "ok");
app.MapGet("/api/orders", () => Results.Ok(new[] { new { Id = 1, Item = "coffee" } })).RequireRateLimiting("api-key-tier");
app.MapGet("/", () => "GrainLimiter sample gateway");
app.Run();
