using System.Globalization;

namespace GrainLimiter.Benchmarks.Load.Processes;

/// <summary>What a process holds right now, read from /proc (Linux): resident memory, its peak, threads, open file
/// descriptors and established TCP connections. Zeros where /proc is not available or the process is gone.</summary>
internal readonly record struct ProcessStats(long ResidentBytes, long PeakResidentBytes, int Threads, int OpenHandles, int TcpConnections)
{
    private const string Established = "01";

    public static ProcessStats Of(int pid)
    {
        try
        {
            var status = File.ReadAllLines($"/proc/{pid}/status");
            var sockets = new HashSet<string>(StringComparer.Ordinal);
            var handles = 0;
            foreach (var fd in Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd"))
            {
                handles++;
                // A socket's link reads "socket:[inode]"; the inode is how /proc/net/tcp names it.
                if (new FileInfo(fd).LinkTarget is { } target && target.StartsWith("socket:[", StringComparison.Ordinal))
                {
                    sockets.Add(target["socket:[".Length..^1]);
                }
            }

            return new ProcessStats(Kilobytes(status, "VmRSS:") * 1024, Kilobytes(status, "VmHWM:") * 1024, (int)Kilobytes(status, "Threads:"), handles,
                EstablishedTcp(pid, sockets));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return default; // exited between two reads
        }
    }

    private static long Kilobytes(string[] status, string field)
    {
        var line = status.FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }

    // /proc/<pid>/net/tcp lists every socket of the network namespace: "sl local remote st ... uid timeout inode".
    private static int EstablishedTcp(int pid, HashSet<string> sockets) =>
        new[] { "tcp", "tcp6" }
            .Select(table => $"/proc/{pid}/net/{table}")
            .Where(File.Exists)
            .SelectMany(File.ReadLines)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Count(columns => columns.Length > 9 && columns[3] == Established && sockets.Contains(columns[9]));
}
