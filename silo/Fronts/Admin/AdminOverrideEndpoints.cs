using GrainLimiter.Grains;
using GrainLimiter.Silo.Config;
using GrainLimiter.Silo.Fronts.Http;
using GrainLimiter.Silo.Checks;
using GrainLimiter.Silo.Policies;
using Microsoft.Extensions.Options;

namespace GrainLimiter.Silo.Fronts.Admin;

/// <summary><c>PUT/DELETE /admin/v1/overrides/{policy}/{key}</c> and <c>GET /admin/v1/overrides[?policy=]</c>.</summary>
/// <remarks>The override is put in the cluster's list first (which may refuse it when full), then in force on the key's
/// grain, which stores it with the key's state before answering.</remarks>
internal static class AdminOverrideEndpoints
{
    public static RouteGroupBuilder MapOverrides(this RouteGroupBuilder admin)
    {
        admin.MapGet("/overrides", ListAsync);
        admin.MapPut("/overrides/{policy}/{**key}", PutAsync).RequireAuthorization(AdminAuthentication.WritePolicy);
        admin.MapDelete("/overrides/{policy}/{**key}", DeleteAsync).RequireAuthorization(AdminAuthentication.WritePolicy);
        return admin;
    }

    private static IOverrideDirectoryGrain Directory(IGrainFactory grains) => grains.GetGrain<IOverrideDirectoryGrain>(0);

    private static async Task PutAsync(HttpContext context, string policy, string key, GrainReferenceCache keys, IGrainFactory grains,
        CheckValidator validator, PolicyRegistry policies, TimeProvider time, IOptions<SiloOptions> options)
    {
        if (!await AdminRequests.ValidKeyAsync(context, validator, policies, policy, key))
        {
            return;
        }

        var body = await JsonBody.ReadAsync(context, AdminJsonContext.Default.OverrideBody, options.Value.MaxRequestBodyBytes);
        if (body is null)
        {
            return;
        }

        policies.TryGet(policy, out var compiled);
        var (value, error) = OverrideValidation.Validate(body, compiled!, time.GetUtcNow());
        if (error is not null)
        {
            await Problem.BadRequestAsync(context, error.Field, error.Message);
            return;
        }

        var (listed, accepted) = await AdminRequests.CallAsync(context, () => Directory(grains).PutAsync(new OverrideEntry(policy, key, value!)));
        if (!listed)
        {
            return;
        }

        if (!accepted)
        {
            await Problem.WriteAsync(context, StatusCodes.Status409Conflict, "Too many overrides", "key",
                $"key: the cluster already keeps {IOverrideDirectoryGrain.MaxEntries} overrides, the most it keeps; remove one (or let one expire) first.");
            return;
        }

        var (done, view) = await AdminRequests.CallAsync(context, () => keys.Get(policy, key).SetOverrideAsync(value!));
        if (done)
        {
            await AdminJson.WriteAsync(context, json => AdminJson.KeyView(json, policy, key, view));
        }
    }

    private static async Task DeleteAsync(HttpContext context, string policy, string key, GrainReferenceCache keys, IGrainFactory grains,
        CheckValidator validator, PolicyRegistry policies)
    {
        if (!await AdminRequests.ValidKeyAsync(context, validator, policies, policy, key))
        {
            return;
        }

        // Unlisted first, so no silo's copy of the list hands it back to a key activating meanwhile.
        if (!(await AdminRequests.CallAsync(context, async () => { await Directory(grains).RemoveAsync(policy, key); return true; })).Done)
        {
            return;
        }

        var (done, had) = await AdminRequests.CallAsync(context, () => keys.Get(policy, key).ClearOverrideAsync());
        if (!done)
        {
            return;
        }

        if (had)
        {
            context.Response.StatusCode = StatusCodes.Status204NoContent;
        }
        else
        {
            await Problem.WriteAsync(context, StatusCodes.Status404NotFound, "No override", "key", "key has no override in force.");
        }
    }

    private static async Task ListAsync(HttpContext context, string? policy, IGrainFactory grains, PolicyRegistry policies)
    {
        if (policy is not null && !policies.TryGet(policy, out _))
        {
            await AdminRequests.UnknownPolicyAsync(context, $"'{(policy.Length <= 64 ? policy : policy[..64] + "…")}' is not a configured policy.");
            return;
        }

        var (done, entries) = await AdminRequests.CallAsync(context, () => Directory(grains).ListAsync(policy));
        if (!done)
        {
            return;
        }

        await AdminJson.WriteAsync(context, json =>
        {
            json.WriteStartObject();
            json.WriteStartArray("overrides");
            foreach (var entry in entries)
            {
                json.WriteStartObject();
                json.WriteString("policy", entry.Policy);
                json.WriteString("key", entry.Key);
                AdminJson.OverrideMembers(json, entry.Override);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        });
    }
}
