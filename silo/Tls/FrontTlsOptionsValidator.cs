using Microsoft.Extensions.Options;

namespace GrainLimiter.Silo.Tls;

/// <summary>Stops start-up on a certificate that cannot be served, or on https endpoints without one, naming the variable to fix.</summary>
/// <remarks>Reads the files as the fronts will: a missing file, a wrong password or a key of another certificate is told now,
/// not as a failed handshake later.</remarks>
public sealed class FrontTlsOptionsValidator(IConfiguration configuration, TimeProvider time) : IValidateOptions<FrontTlsOptions>
{
    private const string Prefix = "GrainLimiter__Tls__";

    public ValidateOptionsResult Validate(string? name, FrontTlsOptions options)
    {
        var failures = new List<string>();
        // Endpoints with a certificate of their own in Kestrel's configuration are Kestrel's to serve.
        var endpoints = configuration.GetSection("Kestrel:Endpoints").GetChildren()
            .Where(static e => !e.GetSection("Certificate").Exists())
            .Select(static e => (e.Key, Https: e["Url"]?.StartsWith("https://", StringComparison.OrdinalIgnoreCase) == true))
            .ToArray();
        if (!options.Enabled)
        {
            failures.AddRange(endpoints.Where(static e => e.Https).Select(static e =>
                $"{Prefix}CertificateFile: is required: Kestrel__Endpoints__{e.Key}__Url is an https:// address."));
            if (!string.IsNullOrEmpty(options.KeyFile) || !string.IsNullOrEmpty(options.ClientCaFile))
            {
                failures.Add($"{Prefix}CertificateFile: is required with {Prefix}KeyFile or {Prefix}ClientCaFile.");
            }

            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }

        if (!endpoints.Any(static e => e.Https))
        {
            failures.Add($"{Prefix}CertificateFile: is set, but no Kestrel endpoint is https:// " +
                "(e.g. Kestrel__Endpoints__Http__Url=https://0.0.0.0:8080, Kestrel__Endpoints__Grpc__Url=https://0.0.0.0:8081).");
        }

        try
        {
            ServerCertificateFiles.Load(options, time.GetUtcNow()).TargetCertificate.Dispose();
        }
        catch (TlsSettingException e)
        {
            failures.Add(e.Message);
        }

        if (!string.IsNullOrEmpty(options.ClientCaFile))
        {
            try
            {
                CertificateAuthorities.Load(options.ClientCaFile, $"{Prefix}ClientCaFile");
            }
            catch (TlsSettingException e)
            {
                failures.Add(e.Message);
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
