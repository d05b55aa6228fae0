using GrainLimiter.Security;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace GrainLimiter.Silo.Tls;

/// <summary>Serves <see cref="FrontCertificate"/> on every <c>https://</c> Kestrel endpoint: HTTP API, admin, metrics, gRPC, Envoy, region sync.</summary>
public static class FrontTlsExtensions
{
    /// <summary>With <c>GrainLimiter:Tls:CertificateFile</c> set (validated), the https endpoints serve it; unset, nothing changes.</summary>
    public static WebApplicationBuilder AddFrontTls(this WebApplicationBuilder builder, FrontTlsOptions tls)
    {
        builder.Services.AddOptions<FrontTlsOptions>().Bind(builder.Configuration.GetSection(FrontTlsOptions.Section));
        if (!tls.Enabled)
        {
            return builder;
        }

        var clientAuthorities = string.IsNullOrEmpty(tls.ClientCaFile)
            ? null
            : CertificateAuthorities.Load(tls.ClientCaFile, "GrainLimiter__Tls__ClientCaFile");
        builder.Services.AddSingleton<FrontCertificate>();
        builder.Services.AddOptions<KestrelServerOptions>().Configure<FrontCertificate>((kestrel, certificate) => kestrel.ConfigureHttpsDefaults(https =>
        {
            // Kestrel wants a certificate or a selector for an endpoint; the handshake itself takes the current one with its chain.
            https.ServerCertificateSelector = (_, _) => certificate.Current.TargetCertificate;
            https.OnAuthenticate = (_, ssl) =>
            {
                ssl.ServerCertificateSelectionCallback = null;
                ssl.ServerCertificate = null;
                ssl.ServerCertificateContext = certificate.Current;
            };
            if (clientAuthorities is not null)
            {
                https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
                https.ClientCertificateValidation = (client, chain, _) => PrivateAuthorities.Issued(clientAuthorities, client, chain);
            }
        }));
        return builder;
    }
}
