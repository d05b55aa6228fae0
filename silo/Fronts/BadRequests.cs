namespace GrainLimiter.Silo.Fronts;

/// <summary>The labels of <c>grainlimiter_bad_requests_total</c>: which front a caller's unusable request reached, and why it was
/// unusable. One vocabulary for every front; each is the caller's fault, answered with a 4xx or a gRPC error, never logged as a
/// server failure.</summary>
public static class BadRequests
{
    public static class Front
    {
        public const string Http = "http";
        public const string Grpc = "grpc";
        public const string Envoy = "envoy";
        public const string RegionSync = "region_sync";

        /// <summary>The Limiter API called as a grain by Orleans clients (shed checks only: its bad requests are answered, not counted).</summary>
        public const string Orleans = "orleans";
    }

    public static class Reason
    {
        /// <summary>A gRPC frame that is not one: a compressed flag other than 0 or 1, a message cut short, data after it.</summary>
        public const string MalformedFrame = "malformed_frame";

        /// <summary>A compressed message that does not inflate, or an encoding the server does not speak.</summary>
        public const string BadCompression = "bad_compression";

        /// <summary>A payload that is not the method's protobuf message, or a body that is not JSON of the expected shape.</summary>
        public const string Unparsable = "unparsable";

        /// <summary>A message or body above the configured maximum (after inflation too).</summary>
        public const string TooLarge = "too_large";

        /// <summary>A well-formed request whose fields are not acceptable (unknown policy, key too long, cost out of range...).</summary>
        public const string InvalidArgument = "invalid_argument";

        /// <summary>The caller reset the stream or went away before its request was read.</summary>
        public const string Reset = "reset";

        /// <summary>Not a gRPC request: a content type other than application/grpc, or HTTP/1.x.</summary>
        public const string NotGrpc = "not_grpc";
    }
}
