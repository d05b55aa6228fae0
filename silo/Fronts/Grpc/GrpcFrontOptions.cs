namespace GrainLimiter.Silo.Fronts.Grpc;

/// <summary>The <c>GrainLimiter:Grpc</c> configuration section (environment: <c>GrainLimiter__Grpc__Name</c>).</summary>
/// <remarks>The largest accepted message is <c>GrainLimiter:MaxRequestBodyBytes</c>, the same bound as the HTTP front.</remarks>
public sealed class GrpcFrontOptions
{
    public const string Section = "GrainLimiter:Grpc";

    /// <summary>Compress every response with gzip when the caller accepts it (Grpc.AspNetCore's <c>ResponseCompressionAlgorithm</c>).
    /// Off: responses are not compressed; requests may be gzip either way.</summary>
    public bool GzipResponses { get; set; }

    /// <summary>A CheckStream without a message for this long is ended by the server (a caller reopens it when it has checks again).</summary>
    public TimeSpan StreamIdleTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Batches of one CheckStream decided at once; the server reads the next message when one is answered.</summary>
    public int MaxStreamBatchesInFlight { get; set; } = 8;
}
