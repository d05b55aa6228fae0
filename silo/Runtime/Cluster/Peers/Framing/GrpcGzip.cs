using System.Buffers;
using System.IO.Compression;

// Peer transport only (moved from interfaces/Grpc when the fronts moved to Grpc.AspNetCore); deleted with the Orleans port.
namespace GrainLimiter.Grpc;

/// <summary>gzip for the <c>grpc-encoding: gzip</c> message encoding, with inflation bounded (no zip bombs).</summary>
public static class GrpcGzip
{
    public static byte[] Compress(ReadOnlySpan<byte> payload)
    {
        using var output = new MemoryStream(payload.Length / 2 + 32);
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(payload);
        }

        return output.ToArray();
    }

    /// <summary>Inflates <paramref name="compressed"/>, refusing to produce more than <paramref name="maxBytes"/>.</summary>
    /// <exception cref="GrpcStatusException">RESOURCE_EXHAUSTED when too large, INVALID_ARGUMENT when not gzip.</exception>
    public static byte[] Decompress(ReadOnlySequence<byte> compressed, int maxBytes)
    {
        using var input = new MemoryStream(compressed.ToArray(), writable: false);
        using var output = new MemoryStream();
        try
        {
            using var gzip = new GZipStream(input, CompressionMode.Decompress);
            var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
            try
            {
                int read;
                while ((read = gzip.Read(chunk, 0, chunk.Length)) > 0)
                {
                    if (output.Length + read > maxBytes)
                    {
                        throw new GrpcStatusException(GrpcStatusCode.ResourceExhausted,
                            $"decompressed message is larger than the maximum of {maxBytes} bytes.");
                    }

                    output.Write(chunk, 0, read);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(chunk);
            }
        }
        catch (InvalidDataException e)
        {
            throw new GrpcStatusException(GrpcStatusCode.InvalidArgument, $"message is flagged gzip but is not valid gzip data: {e.Message}");
        }

        return output.ToArray();
    }
}
