namespace GrainLimiter.Silo.Policies.Reload;

/// <summary>A <see cref="FileSystemWatcher"/> on a directory that reports every change to its entries: writes, renames, and the
/// symlink swap by which the kubelet updates a mounted ConfigMap or Secret.</summary>
public static class DirectoryWatcher
{
    /// <exception cref="IOException">E.g. the inotify instance limit is reached (as are <see cref="UnauthorizedAccessException"/> and
    /// <see cref="ArgumentException"/>): the caller goes on without the watch.</exception>
    public static FileSystemWatcher Start(string directory, FileSystemEventHandler touched)
    {
        var watcher = new FileSystemWatcher(directory)
        {
            NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.Size | NotifyFilters.CreationTime,
        };
        watcher.Changed += touched;
        watcher.Created += touched;
        watcher.Deleted += touched;
        watcher.Renamed += (sender, e) => touched(sender, e);
        watcher.EnableRaisingEvents = true;
        return watcher;
    }
}
