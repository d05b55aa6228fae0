using GrainLimiter.Silo.Config;
using Microsoft.Extensions.Options;

namespace GrainLimiter.Silo.Policies.Reload;

/// <summary>Watches the policy file and the Envoy descriptor files; reloads once they have stayed unchanged for
/// <c>GrainLimiter:PolicyReloadDelay</c> (an editor or a ConfigMap update writes in several steps).</summary>
/// <remarks>Watches the directories, not the files: a Kubernetes ConfigMap is updated by swapping a symlink in its directory.
/// Off with <c>GrainLimiter:WatchPolicies=false</c>.</remarks>
public sealed partial class PolicyFileWatcher(PolicyReloader reloader, IOptions<SiloOptions> options, ILogger<PolicyFileWatcher> logger)
    : IHostedService, IDisposable
{
    private readonly List<FileSystemWatcher> _watchers = [];
    private readonly HashSet<string> _files = new(StringComparer.Ordinal);
    private readonly HashSet<string> _directories = new(StringComparer.Ordinal);
    private Timer? _debounce;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.WatchPolicies)
        {
            return Task.CompletedTask;
        }

        _debounce = new Timer(static state => _ = ((PolicyReloader)state!).ReloadAndAnnounceAsync("file change", always: false), reloader,
            Timeout.Infinite, Timeout.Infinite);
        foreach (var path in reloader.Watched.Select(Path.GetFullPath))
        {
            if (Directory.Exists(path))
            {
                _directories.Add(Path.TrimEndingDirectorySeparator(path));
            }
            else
            {
                _files.Add(path);
            }
        }

        var watched = _directories.Concat(_files.Select(Path.GetDirectoryName).OfType<string>()).Where(Directory.Exists).Distinct(StringComparer.Ordinal);
        foreach (var directory in watched)
        {
            try
            {
                _watchers.Add(DirectoryWatcher.Start(directory, Touched));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
            {
                // E.g. the inotify instance limit: reloads still come from POST /admin/v1/policies/reload and other silos.
                Log.CannotWatch(logger, directory, e);
            }
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        foreach (var watcher in _watchers)
        {
            watcher.Dispose();
        }

        _watchers.Clear();
        _debounce?.Dispose();
    }

    // Every event on a watched file pushes the reload back by the delay: it runs once the files are quiet.
    private void Touched(object sender, FileSystemEventArgs e)
    {
        if (Concerns(e.FullPath) || (e is RenamedEventArgs renamed && Concerns(renamed.OldFullPath)))
        {
            _debounce?.Change(options.Value.PolicyReloadDelay, Timeout.InfiniteTimeSpan);
        }
    }

    // A watched file, a file of a watched directory, or a ConfigMap's "..data" link swap beside a watched file.
    private bool Concerns(string path) =>
        _files.Contains(path)
        || (Path.GetDirectoryName(path) is { } directory && (_directories.Contains(directory)
            || (Path.GetFileName(path).StartsWith("..", StringComparison.Ordinal) && _files.Any(f => Path.GetDirectoryName(f) == directory))));

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Cannot watch {Directory} for policy changes; reload with POST /admin/v1/policies/reload.")]
        public static partial void CannotWatch(ILogger logger, string directory, Exception exception);
    }
}
