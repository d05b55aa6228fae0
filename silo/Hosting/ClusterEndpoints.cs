using System.Text.Json;

namespace GrainLimiter.Silo.Hosting;

/// <summary><c>GET /admin/v1/cluster</c>: the silos of Orleans' membership, their status and activations.</summary>
/// <remarks>It names every silo's address, so it is only served behind the admin token.</remarks>
public static class ClusterEndpoints
{
    public static void MapCluster(this RouteGroupBuilder admin) => admin.MapGet("/cluster", WriteViewAsync);

    private static async Task WriteViewAsync(HttpContext context, IGrainFactory grains, ILocalSiloDetails self)
    {
        var management = grains.GetGrain<IManagementGrain>(0);
        var hosts = await management.GetDetailedHosts(onlyActive: false);
        var active = hosts.Where(static h => h.Status == SiloStatus.Active).Select(static h => h.SiloAddress).ToArray();
        var activations = new Dictionary<SiloAddress, int>();
        try
        {
            var statistics = active.Length == 0 ? [] : await management.GetRuntimeStatistics(active);
            activations = active.Zip(statistics).ToDictionary(static p => p.First, static p => p.Second.ActivationCount);
        }
        catch (Exception e) when (e is TimeoutException or SiloUnavailableException or OrleansMessageRejectionException)
        {
            // A silo still listed active may be dying: the view is served without activation counts.
        }

        context.Response.ContentType = "application/json";
        await using var json = new Utf8JsonWriter(context.Response.Body);
        json.WriteStartObject();
        json.WriteString("self", self.SiloAddress.ToParsableString());
        json.WriteStartArray("silos");
        foreach (var host in hosts.OrderBy(static h => h.SiloAddress.ToParsableString(), StringComparer.Ordinal))
        {
            json.WriteStartObject();
            json.WriteString("address", host.SiloAddress.ToParsableString());
            json.WriteString("endpoint", host.SiloAddress.Endpoint.ToString());
            json.WriteString("name", host.SiloName);
            json.WriteString("status", host.Status.ToString().ToLowerInvariant());
            if (activations.TryGetValue(host.SiloAddress, out var count))
            {
                json.WriteNumber("activations", count);
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }
}
