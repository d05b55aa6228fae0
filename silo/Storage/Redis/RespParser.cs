using System.Buffers;
using System.Diagnostics;
using System.Text;

namespace GrainLimiter.Silo.Storage.Redis;

/// <summary>
/// Incremental RESP2 reply parser. Replies may arrive split anywhere: a first pass checks that one whole reply
/// is buffered (resuming where it stopped, so feeding bytes one at a time stays linear), a second pass builds
/// the <see cref="RespValue"/> with one allocation per string. Malformed input throws <see cref="RedisProtocolException"/>.
/// </summary>
/// <remarks>Not thread-safe: one parser per connection, used by its read loop.</remarks>
internal sealed class RespParser
{
    /// <summary>Redis' own default <c>proto-max-bulk-len</c>.</summary>
    public const int MaxBulkLength = 512 * 1024 * 1024;

    /// <summary>Longest header or simple-string/error line accepted before giving up on a missing CRLF.</summary>
    public const int MaxLineLength = 64 * 1024;

    public const int MaxDepth = 32;

    private const int MaxIntegerLength = 20;

    // Resumable completeness scan of the reply at the start of the buffer.
    private long _scanned;
    private long _outstanding;

    /// <summary>
    /// Parses the reply at the start of <paramref name="buffer"/> and slices it off. Returns false when that reply is
    /// not complete yet: call again later with the same start and more bytes.
    /// </summary>
    public bool TryParse(ref ReadOnlySequence<byte> buffer, out RespValue value)
    {
        if (!TryFindEnd(buffer, out long length))
        {
            value = default;
            return false;
        }

        var reader = new SequenceReader<byte>(buffer.Slice(0, length));
        value = ParseValue(ref reader, depth: 0);
        Debug.Assert(reader.End, "the scan and the parse must agree on the reply's length");
        buffer = buffer.Slice(length);
        _scanned = 0;
        _outstanding = 0;
        return true;
    }

    /// <summary>Forgets a partly scanned reply (after the connection is replaced).</summary>
    public void Reset()
    {
        _scanned = 0;
        _outstanding = 0;
    }

    private bool TryFindEnd(ReadOnlySequence<byte> buffer, out long length)
    {
        if (_outstanding == 0)
        {
            _outstanding = 1;
            _scanned = 0;
        }

        var reader = new SequenceReader<byte>(buffer);
        reader.Advance(_scanned);
        while (_outstanding > 0)
        {
            if (!TryReadLine(ref reader, out byte type, out ReadOnlySequence<byte> line))
            {
                length = 0;
                return false;
            }

            switch (type)
            {
                case (byte)'+' or (byte)'-':
                    break;
                case (byte)':':
                    ParseInteger(line);
                    break;
                case (byte)'$':
                    long size = ParseLength(line, MaxBulkLength, "bulk string");
                    if (size >= 0)
                    {
                        if (reader.Remaining < size + 2)
                        {
                            length = 0;
                            return false; // header is re-read next time; the payload is not copied until complete
                        }

                        reader.Advance(size);
                        ExpectCrLf(ref reader);
                    }

                    break;
                case (byte)'*':
                    long count = ParseLength(line, int.MaxValue, "array");
                    if (count > 0)
                    {
                        _outstanding += count;
                    }

                    break;
            }

            _outstanding--;
            _scanned = reader.Consumed;
        }

        length = _scanned;
        return true;
    }

    private static RespValue ParseValue(ref SequenceReader<byte> reader, int depth)
    {
        bool complete = TryReadLine(ref reader, out byte type, out ReadOnlySequence<byte> line);
        Debug.Assert(complete, "the scan found the whole reply");
        switch (type)
        {
            case (byte)'+':
                return RespValue.Simple(SimpleString(line));
            case (byte)'-':
                return RespValue.Error(Encoding.UTF8.GetString(line));
            case (byte)':':
                return RespValue.FromInteger(ParseInteger(line));
            case (byte)'$':
                long size = ParseLength(line, MaxBulkLength, "bulk string");
                if (size < 0)
                {
                    return RespValue.Null;
                }

                byte[] bytes = GC.AllocateUninitializedArray<byte>((int)size);
                reader.TryCopyTo(bytes);
                reader.Advance(size + 2);
                return RespValue.Bulk(bytes);
            default:
                long count = ParseLength(line, int.MaxValue, "array");
                if (count < 0)
                {
                    return RespValue.Null;
                }

                if (depth >= MaxDepth)
                {
                    throw new RedisProtocolException($"Redis reply nests arrays deeper than {MaxDepth} levels.");
                }

                var items = new RespValue[count];
                for (int i = 0; i < items.Length; i++)
                {
                    items[i] = ParseValue(ref reader, depth + 1);
                }

                return RespValue.FromArray(items);
        }
    }

    /// <summary>Reads a type byte and the rest of its line up to CRLF (excluded). False when the line is incomplete.</summary>
    private static bool TryReadLine(ref SequenceReader<byte> reader, out byte type, out ReadOnlySequence<byte> line)
    {
        line = default;
        if (!reader.TryPeek(out type))
        {
            return false;
        }

        if (type is not ((byte)'+' or (byte)'-' or (byte)':' or (byte)'$' or (byte)'*'))
        {
            throw new RedisProtocolException($"Unknown RESP2 type byte 0x{type:X2} ('{Printable(type)}') in Redis reply.");
        }

        var probe = reader;
        probe.Advance(1);
        if (!probe.TryReadTo(out ReadOnlySequence<byte> withCr, (byte)'\n'))
        {
            if (probe.Remaining > MaxLineLength)
            {
                throw new RedisProtocolException($"Redis reply line longer than {MaxLineLength} bytes without CRLF.");
            }

            return false;
        }

        if (withCr.Length == 0 || withCr.Slice(withCr.Length - 1).FirstSpan[0] != (byte)'\r')
        {
            throw new RedisProtocolException("Redis reply line ends with LF without CR.");
        }

        if (withCr.Length > MaxLineLength)
        {
            throw new RedisProtocolException($"Redis reply line longer than {MaxLineLength} bytes.");
        }

        line = withCr.Slice(0, withCr.Length - 1);
        reader = probe;
        return true;
    }

    private static void ExpectCrLf(ref SequenceReader<byte> reader)
    {
        if (!reader.IsNext("\r\n"u8, advancePast: true))
        {
            throw new RedisProtocolException("Redis bulk string is not followed by CRLF (length and payload disagree).");
        }
    }

    private static long ParseLength(ReadOnlySequence<byte> line, long max, string what)
    {
        long n = ParseInteger(line);
        if (n < -1 || n > max)
        {
            throw new RedisProtocolException($"Redis {what} length {n} is out of range (-1..{max}).");
        }

        return n;
    }

    private static long ParseInteger(ReadOnlySequence<byte> line)
    {
        if (line.Length is 0 or > MaxIntegerLength)
        {
            throw new RedisProtocolException($"Redis reply has an integer of {line.Length} characters.");
        }

        Span<byte> digits = stackalloc byte[MaxIntegerLength];
        line.CopyTo(digits);
        digits = digits[..(int)line.Length];
        bool negative = digits[0] == (byte)'-';
        if (negative)
        {
            digits = digits[1..];
        }

        if (digits.IsEmpty)
        {
            throw new RedisProtocolException("Redis reply has a '-' without digits.");
        }

        long value = 0;
        foreach (byte b in digits)
        {
            uint d = (uint)(b - '0');
            if (d > 9)
            {
                throw new RedisProtocolException($"Redis reply has a non-digit 0x{b:X2} in an integer.");
            }

            // Accumulate negatively so long.MinValue parses.
            if (value < (long.MinValue + d) / 10)
            {
                throw new RedisProtocolException("Redis reply has an integer that overflows 64 bits.");
            }

            value = (value * 10) - d;
        }

        if (!negative && value == long.MinValue)
        {
            throw new RedisProtocolException("Redis reply has an integer that overflows 64 bits.");
        }

        return negative ? value : -value;
    }

    private static string SimpleString(ReadOnlySequence<byte> line)
    {
        if (line.IsSingleSegment)
        {
            ReadOnlySpan<byte> span = line.FirstSpan;
            if (span.SequenceEqual("OK"u8))
            {
                return "OK";
            }

            if (span.SequenceEqual("PONG"u8))
            {
                return "PONG";
            }

            if (span.SequenceEqual("QUEUED"u8))
            {
                return "QUEUED";
            }
        }

        return Encoding.UTF8.GetString(line);
    }

    private static char Printable(byte b) => b is >= 0x20 and < 0x7F ? (char)b : '?';
}
