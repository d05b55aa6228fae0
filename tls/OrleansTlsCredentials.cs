using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace GrainLimiter.Tls;

/// <summary>The certificate, CA and peer names of <see cref="OrleansTlsOptions"/>, read from their files and checked.</summary>
public sealed class OrleansTlsCredentials
{
    internal const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";
    internal const string ClientAuthentication = "1.3.6.1.5.5.7.3.2";

    private OrleansTlsCredentials(X509Certificate2 certificate, X509Certificate2Collection authorities, IReadOnlyList<string> peerNames)
    {
        Certificate = certificate;
        Authorities = authorities;
        PeerNames = peerNames;
    }

    /// <summary>This process's certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The CA certificates a peer's chain must end in.</summary>
    public X509Certificate2Collection Authorities { get; }

    /// <summary>The names a peer's certificate must carry one of; empty: any name.</summary>
    public IReadOnlyList<string> PeerNames { get; }

    /// <summary>Reads and checks the files of enabled <paramref name="options"/>; null when TLS is off or a problem was found.</summary>
    /// <param name="setting">Turns a property name into the setting to fix, e.g. <c>GrainLimiter__Cluster__Tls__CaFile</c>.</param>
    /// <param name="problems">Receives every problem, each naming its setting and never a password.</param>
    public static OrleansTlsCredentials? Load(OrleansTlsOptions options, TlsRole role, Func<string, string> setting, ICollection<string> problems)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(setting);
        ArgumentNullException.ThrowIfNull(problems);
        if (!options.Enabled)
        {
            // Files without Enabled would leave the connections in plain text although someone meant TLS.
            var given = new[]
                {
                    (nameof(options.CertificateFile), options.CertificateFile),
                    (nameof(options.KeyFile), options.KeyFile),
                    (nameof(options.CaFile), options.CaFile)
                }
                .Where(static s => !string.IsNullOrWhiteSpace(s.Item2)).Select(s => setting(s.Item1)).ToList();
            if (given.Count > 0)
            {
                problems.Add($"{setting(nameof(options.Enabled))}: is not true, but {string.Join(", ", given)} {(given.Count == 1 ? "is" : "are")} set: " +
                    "set it to true for TLS, or remove them for plain text.");
            }

            return null;
        }

        var count = problems.Count;
        var certificate = LoadCertificate(options, setting, problems);
        var authorities = LoadAuthorities(options.CaFile, setting(nameof(options.CaFile)), problems);
        for (var i = 0; i < options.PeerNames.Count; i++)
        {
            if (Uri.CheckHostName(options.PeerNames[i].Replace("*.", "", StringComparison.Ordinal)) != UriHostNameType.Dns)
            {
                problems.Add($"{setting($"{nameof(options.PeerNames)}:{i}")}: '{options.PeerNames[i]}' is not a DNS name (a leading '*.' is allowed).");
            }
        }

        if (certificate is not null && authorities is not null)
        {
            CheckOwnCertificate(certificate, authorities, role, setting(nameof(options.CertificateFile)), setting(nameof(options.CaFile)), problems);
        }

        if (problems.Count > count)
        {
            certificate?.Dispose();
            return null;
        }

        return new OrleansTlsCredentials(certificate!, authorities!, [.. options.PeerNames]);
    }

    /// <summary>Whether a peer's certificate chains to the CA, may be used for <paramref name="usage"/> and carries a peer name;
    /// otherwise <paramref name="refusal"/> says why.</summary>
    internal bool Trusts(X509Certificate2 peer, string usage, out string refusal)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(Authorities);
        // No network on the way to a decision: revocation is handled by short-lived certificates (a CRL would be fetched).
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid(usage));
        if (!chain.Build(peer))
        {
            refusal = string.Join("; ", chain.ChainStatus.Select(static s => s.StatusInformation.Trim()).Where(static s => s.Length > 0).Distinct());
            refusal = refusal.Length == 0 ? "its chain does not end in the CA" : refusal;
            return false;
        }

        if (PeerNames.Count > 0 && !DnsNames(peer).Any(carried => PeerNames.Any(name => Matches(name, carried))))
        {
            refusal = $"it carries none of the names {string.Join(", ", PeerNames)}";
            return false;
        }

        refusal = "";
        return true;
    }

    private static IEnumerable<string> DnsNames(X509Certificate2 certificate) =>
        certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().SelectMany(static names => names.EnumerateDnsNames());

    // A listed "*.silo.svc" stands for one more label in front ("silo-0.silo.svc"), and for a certificate issued to "*.silo.svc".
    private static bool Matches(string name, string carried) =>
        string.Equals(name, carried, StringComparison.OrdinalIgnoreCase)
        || (name.StartsWith("*.", StringComparison.Ordinal) && carried.IndexOf('.', StringComparison.Ordinal) is > 0 and var dot
            && carried[..dot] != "*" && string.Equals(name[1..], carried[dot..], StringComparison.OrdinalIgnoreCase));

    private static X509Certificate2? LoadCertificate(OrleansTlsOptions options, Func<string, string> setting, ICollection<string> problems)
    {
        var name = setting(nameof(options.CertificateFile));
        var keyFile = string.IsNullOrWhiteSpace(options.KeyFile) ? null : options.KeyFile;
        if (!Exists(options.CertificateFile, name, problems) || (keyFile is not null && !Exists(keyFile, setting(nameof(options.KeyFile)), problems)))
        {
            return null;
        }

        try
        {
            var file = options.CertificateFile!;
            if (keyFile is not null)
            {
                return X509Certificate2.CreateFromPemFile(file, keyFile);
            }

            return File.ReadAllText(file).Contains("-----BEGIN", StringComparison.Ordinal)
                ? X509Certificate2.CreateFromPemFile(file)
                : X509CertificateLoader.LoadPkcs12FromFile(file, options.CertificatePassword);
        }
        catch (Exception e) when (e is CryptographicException or IOException or ArgumentException or UnauthorizedAccessException)
        {
            problems.Add($"{name}: '{options.CertificateFile}' is not a PEM certificate with its key (or a key in {setting(nameof(options.KeyFile))}), " +
                $"nor a PKCS#12 file openable with {setting(nameof(options.CertificatePassword))}: {e.Message}");
            return null;
        }
    }

    private static X509Certificate2Collection? LoadAuthorities(string? file, string name, ICollection<string> problems)
    {
        if (!Exists(file, name, problems))
        {
            return null;
        }

        var authorities = new X509Certificate2Collection();
        try
        {
            authorities.ImportFromPemFile(file!);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
        {
            problems.Add($"{name}: '{file}' is not a PEM certificate file: {e.Message}");
            return null;
        }

        if (authorities.Count == 0)
        {
            problems.Add($"{name}: '{file}' holds no PEM certificate.");
            return null;
        }

        return authorities;
    }

    // A certificate the CA did not sign, or one peers would refuse for its usage, is a mix-up of files: say so now, not at each connection.
    private static void CheckOwnCertificate(X509Certificate2 certificate, X509Certificate2Collection authorities, TlsRole role, string name, string caName,
        ICollection<string> problems)
    {
        if (!certificate.HasPrivateKey)
        {
            problems.Add($"{name}: '{certificate.Subject}' comes without its private key.");
            return;
        }

        var own = new OrleansTlsCredentials(certificate, authorities, []);
        string[] usages = role == TlsRole.Silo ? [ServerAuthentication, ClientAuthentication] : [ClientAuthentication];
        foreach (var usage in usages)
        {
            if (!own.Trusts(certificate, usage, out var refusal))
            {
                var purpose = usage == ServerAuthentication ? "server authentication" : "client authentication";
                problems.Add($"{name}: '{certificate.Subject}' would be refused by peers trusting {caName} for {purpose}: {refusal}.");
                return;
            }
        }
    }

    private static bool Exists(string? file, string name, ICollection<string> problems)
    {
        if (string.IsNullOrWhiteSpace(file))
        {
            problems.Add($"{name}: is required when TLS is enabled.");
            return false;
        }

        if (!File.Exists(file))
        {
            problems.Add($"{name}: file '{file}' does not exist.");
            return false;
        }

        return true;
    }
}
