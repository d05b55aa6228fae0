using GrainLimiter.Config;
using GrainLimiter.Config.Envoy;
using GrainLimiter.Grains;
using GrainLimiter.Policies;
using GrainLimiter.Silo.Config;
using Microsoft.Extensions.Options;

namespace GrainLimiter.Silo.Policies.Reload;

/// <summary>Reloads the policy file and every <see cref="IPolicySource"/> (Envoy's descriptor files) into the
/// <see cref="PolicyRegistry"/>: validated first, all or nothing, and announced to the other silos of the cluster
/// (<see cref="IPolicyVersionGrain"/>).</summary>
/// <remarks>
/// An invalid file changes nothing: the old policies keep deciding and every problem is reported. Each silo reloads its
/// own copy of the files (as every pod of a Kubernetes deployment mounts the same ConfigMap); the announcement only tells
/// the silos to look. Grains pick up their new policy at their next call (<see cref="LimitGrain"/>).
/// </remarks>
public sealed partial class PolicyReloader(
    PolicyRegistry registry,
    IEnumerable<IPolicySource> sources,
    IGrainFactory grains,
    IOptions<SiloOptions> silo,
    ILogger<PolicyReloader> logger)
{
    private readonly Lock _reloading = new();
    private long _announced = long.MinValue;

    /// <summary>The policy file: <c>GrainLimiter:PoliciesFile</c>, or the demo file beside the silo.</summary>
    public string PoliciesFile { get; } = PolicyFile(silo.Value);

    private readonly IPolicySource[] _sources = [.. sources];

    /// <summary>The files and directories to watch: the policy file and every source's.</summary>
    public IReadOnlyList<string> Watched => [.. _sources.SelectMany(static s => s.Watched).Append(PoliciesFile)];

    /// <summary>The policy file of <paramref name="options"/>, as the silo loads it at start.</summary>
    public static string PolicyFile(SiloOptions options) =>
        string.IsNullOrEmpty(options.PoliciesFile) ? Path.Combine(AppContext.BaseDirectory, "policies.yaml") : Path.GetFullPath(options.PoliciesFile);

    /// <summary>Reads and validates every file, then puts them in force on this silo.</summary>
    /// <param name="trigger">Why (logged): "admin", "file change", "announced".</param>
    public PolicyReloadResult Reload(string trigger)
    {
        lock (_reloading)
        {
            var errors = new List<string>();
            IReadOnlyList<PolicyDefinition> file = [];
            var quotaBuckets = QuotaBucketRules.None;
            try
            {
                (file, quotaBuckets) = PolicyFileLoader.ReadFile(PoliciesFile);
            }
            catch (PolicyFileException e)
            {
                errors.AddRange(e.Errors);
            }

            var next = new PolicyFile(file, quotaBuckets);
            var staged = _sources.Select(source => source.Stage(PoliciesFile, next, errors)).ToArray();
            if (errors.Count > 0)
            {
                Log.Refused(logger, trigger, errors.Count, string.Join(Environment.NewLine, errors));
                return new PolicyReloadResult(false, false, registry.Version, [], errors);
            }

            var sourcePolicies = staged.SelectMany(static s => s!.Policies).ToArray();
            var changed = registry.Replace([.. file, .. sourcePolicies]);
            foreach (var source in staged)
            {
                source!.Commit();
            }

            if (changed)
            {
                Log.Reloaded(logger, trigger, registry.Version, file.Count, sourcePolicies.Length);
            }

            return new PolicyReloadResult(true, changed, registry.Version, [.. file.Select(static p => p.Name)], []);
        }
    }

    /// <summary>Reloads, then tells the other silos to reload their files too (when <paramref name="always"/> or something changed).</summary>
    public async Task<PolicyReloadResult> ReloadAndAnnounceAsync(string trigger, bool always)
    {
        var result = Reload(trigger);
        if (result.Succeeded && (always || result.Changed))
        {
            try
            {
                Interlocked.Exchange(ref _announced, await grains.GetGrain<IPolicyVersionGrain>(0).AnnounceAsync().ConfigureAwait(false));
            }
            catch (Exception e) when (e is TimeoutException or OrleansException or SiloUnavailableException)
            {
                // The other silos still reload by watching their own files.
                Log.AnnounceFailed(logger, e);
            }
        }

        return result;
    }

    /// <summary>Called with the cluster's reload number: reloads when it changed since last seen (the first one is a baseline).</summary>
    public void Observe(long announced)
    {
        var seen = Interlocked.Exchange(ref _announced, announced);
        if (seen != long.MinValue && seen != announced)
        {
            Reload("announced by another silo");
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Policies reloaded ({Trigger}): version {Version}, {FilePolicies} from the policy file, " +
            "{SourcePolicies} from descriptor files.")]
        public static partial void Reloaded(ILogger logger, string trigger, long version, int filePolicies, int sourcePolicies);

        [LoggerMessage(2, LogLevel.Error, "Policy reload ({Trigger}) refused, the policies in force stay: {Count} problem(s):{NewLine}{Problems}",
            SkipEnabledCheck = true)]
        private static partial void Refused(ILogger logger, string trigger, int count, string newLine, string problems);

        public static void Refused(ILogger logger, string trigger, int count, string problems) =>
            Refused(logger, trigger, count, Environment.NewLine, problems);

        [LoggerMessage(3, LogLevel.Warning, "Could not announce the policy reload to the other silos; they reload when their own files change.")]
        public static partial void AnnounceFailed(ILogger logger, Exception exception);
    }
}

/// <summary>What a reload did.</summary>
/// <param name="Changed">Some policy differs from before (the registry's version grew).</param>
/// <param name="Policies">The policy file's policies now in force (when it succeeded).</param>
/// <param name="Errors">Every problem of the files (when it did not).</param>
public sealed record PolicyReloadResult(bool Succeeded, bool Changed, long Version, IReadOnlyList<string> Policies, IReadOnlyList<string> Errors);
