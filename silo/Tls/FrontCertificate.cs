using System.Net.Security;
using GrainLimiter.Silo.Policies.Reload;
using Microsoft.Extensions.Options;

namespace GrainLimiter.Silo.Tls;

/// <summary>The certificate the fronts serve, read from <see cref="FrontTlsOptions"/> and read again when its files change.</summary>
/// <remarks>
/// Kestrel's own watcher (<c>Certificate:Path</c> with reloadOnChange) watches the certificate file but not the key file, misses
/// a Kubernetes Secret's update (a symlink swapped in the directory) and rebinds the endpoint, closing its connections. Here
/// each TLS handshake takes <see cref="Current"/>, so a renewal applies to the next connection while the listener and every open
/// connection (gRPC streams included) stay. The directories are watched, as <c>PolicyFileWatcher</c> does; a renewal that
/// cannot be read (a key written after its certificate, a bad file) is logged and the certificate in use is kept.
/// </remarks>
public sealed partial class FrontCertificate : IDisposable
{
    // A renewal may write the certificate and the key one after the other: read them once both are written.
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(200);

    private readonly FrontTlsOptions _options;
    private readonly ILogger<FrontCertificate> _logger;
    private readonly List<FileSystemWatcher> _watchers = [];
    private readonly Timer _debounce;
    private SslStreamCertificateContext _current;

    public FrontCertificate(IOptions<FrontTlsOptions> options, ILogger<FrontCertificate> logger)
    {
        _options = options.Value;
        _logger = logger;
        _current = ServerCertificateFiles.Load(_options, Now);
        Log.Loaded(logger, _current.TargetCertificate.Subject, _current.TargetCertificate.Thumbprint, _current.TargetCertificate.NotAfter.ToUniversalTime());
        _debounce = new Timer(static state => ((FrontCertificate)state!).Reload(), this, Timeout.Infinite, Timeout.Infinite);
        var files = new[] { _options.CertificateFile, _options.KeyFile }.Where(static f => !string.IsNullOrEmpty(f)).Select(static f => Path.GetFullPath(f!));
        foreach (var directory in files.Select(Path.GetDirectoryName).OfType<string>().Distinct(StringComparer.Ordinal))
        {
            Watch(directory);
        }
    }

    // The clients' clock, not the silo's TimeProvider (tests run the silo on a fake one): a certificate is valid in real time.
    private static DateTimeOffset Now => TimeProvider.System.GetUtcNow();

    /// <summary>The certificate and chain for the next handshake.</summary>
    public SslStreamCertificateContext Current => Volatile.Read(ref _current);

    private void Watch(string directory)
    {
        try
        {
            _watchers.Add(DirectoryWatcher.Start(directory, Touched));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            // E.g. the inotify instance limit: the silo serves its certificate; a renewal then needs a restart.
            Log.CannotWatch(_logger, directory, e);
        }
    }

    // Every event in a watched directory pushes the reading back: it runs once the files are quiet.
    private void Touched(object sender, FileSystemEventArgs e) => _debounce.Change(Quiet, Timeout.InfiniteTimeSpan);

    private void Reload()
    {
        try
        {
            var loaded = ServerCertificateFiles.Load(_options, Now);
            var previous = Current.TargetCertificate;
            if (loaded.TargetCertificate.RawDataMemory.Span.SequenceEqual(previous.RawDataMemory.Span))
            {
                return;
            }

            Volatile.Write(ref _current, loaded);
            Log.Reloaded(_logger, loaded.TargetCertificate.Subject, loaded.TargetCertificate.Thumbprint,
                loaded.TargetCertificate.NotAfter.ToUniversalTime(), previous.Thumbprint);
        }
        catch (TlsSettingException e)
        {
            Log.CannotReload(_logger, e.Message, Current.TargetCertificate.Thumbprint);
        }
    }

    public void Dispose()
    {
        foreach (var watcher in _watchers)
        {
            watcher.Dispose();
        }

        _debounce.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "The fronts serve the certificate {Subject} ({Thumbprint}), valid until {NotAfter:u}.")]
        public static partial void Loaded(ILogger logger, string subject, string thumbprint, DateTime notAfter);

        [LoggerMessage(2, LogLevel.Information, "The certificate files changed: new connections get {Subject} ({Thumbprint}), " +
            "valid until {NotAfter:u}, instead of {Previous}.")]
        public static partial void Reloaded(ILogger logger, string subject, string thumbprint, DateTime notAfter, string previous);

        [LoggerMessage(3, LogLevel.Warning, "The certificate files changed but cannot be used ({Problem}); the fronts keep serving {Thumbprint}.")]
        public static partial void CannotReload(ILogger logger, string problem, string thumbprint);

        [LoggerMessage(4, LogLevel.Warning, "Cannot watch {Directory} for certificate renewals; a renewed certificate is served after a restart.")]
        public static partial void CannotWatch(ILogger logger, string directory, Exception exception);
    }
}
