namespace GrainLimiter.Silo.Fronts.Admin;

/// <summary>One audit event per call under <c>/admin</c>, refused ones included; never the token.</summary>
/// <remarks>
/// Logged under the category <c>GrainLimiter.Audit</c> after the response: method, route, the policy and key acted on,
/// the access the caller had, the status answered and the client's address. The key is logged on purpose (which key
/// an operator changed is the point of an audit trail); route audit events to a store with the access such data needs.
/// </remarks>
public static partial class AdminAudit
{
    public const string Category = "GrainLimiter.Audit";
    private static readonly object TargetItem = new();

    /// <summary>Records the policy and key a call acts on, when they come in its body rather than its route.</summary>
    public static void Target(HttpContext context, string policy, string key) => context.Items[TargetItem] = (policy, key);

    /// <summary>Adds the audit step; call before authentication so refused calls are logged too.</summary>
    public static IApplicationBuilder UseAdminAudit(this IApplicationBuilder app)
    {
        var logger = app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger(Category);
        return app.UseWhen(static context => context.Request.Path.StartsWithSegments("/admin"), branch => branch.Use(async (context, next) =>
        {
            try
            {
                await next(context);
            }
            finally
            {
                var (policy, key) = context.Items.TryGetValue(TargetItem, out var target) && target is (string p, string k)
                    ? (p, k)
                    : (context.Request.RouteValues["policy"] as string, context.Request.RouteValues["key"] as string);
                Log.Call(logger, context.Request.Method, context.Request.Path.Value ?? "", policy, key, context.Access(),
                    context.Response.StatusCode, context.Connection.RemoteIpAddress?.ToString());
            }
        }));
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Admin {Method} {Path}: policy {Policy}, key {Key}, access {Access}, answered {Status}, from {Client}.")]
        public static partial void Call(ILogger logger, string method, string path, string? policy, string? key,
            AdminAccess access, int status, string? client);
    }
}
