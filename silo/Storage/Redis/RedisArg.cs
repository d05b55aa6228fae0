using System.Text;

namespace GrainLimiter.Silo.Storage.Redis;

/// <summary>
/// One argument of a Redis command: text (sent as UTF-8), bytes or an integer. Converts implicitly, so commands read
/// as <c>connection.ExecuteAsync(["SET", key, value, "PX", 5000])</c> without allocating an argument array.
/// </summary>
public readonly struct RedisArg
{
    private readonly object? _ref;
    private readonly ReadOnlyMemory<byte> _bytes;
    private readonly long _integer;

    private RedisArg(object? reference, ReadOnlyMemory<byte> bytes, long integer)
    {
        _ref = reference;
        _bytes = bytes;
        _integer = integer;
    }

    public static implicit operator RedisArg(string text) => new(text ?? throw new ArgumentNullException(nameof(text)), default, 0);

    public static implicit operator RedisArg(byte[] bytes) => new(null, bytes ?? throw new ArgumentNullException(nameof(bytes)), 0);

    public static implicit operator RedisArg(ReadOnlyMemory<byte> bytes) => new(null, bytes, 0);

    public static implicit operator RedisArg(long integer) => new(Boxed.Integer, default, integer);

    /// <summary>Number of bytes this argument takes as a bulk string payload.</summary>
    internal int ByteCount => _ref switch
    {
        string text => Encoding.UTF8.GetByteCount(text),
        Boxed => Digits(_integer),
        _ => _bytes.Length,
    };

    /// <summary>Writes the payload (without bulk header) into <paramref name="destination"/>, sized by <see cref="ByteCount"/>.</summary>
    internal void CopyTo(Span<byte> destination)
    {
        switch (_ref)
        {
            case string text:
                Encoding.UTF8.GetBytes(text, destination);
                break;
            case Boxed:
                _integer.TryFormat(destination, out _, default, System.Globalization.CultureInfo.InvariantCulture);
                break;
            default:
                _bytes.Span.CopyTo(destination);
                break;
        }
    }

    public override string ToString() => _ref switch
    {
        string text => text,
        Boxed => _integer.ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => $"<{_bytes.Length} bytes>",
    };

    internal static int Digits(long value)
    {
        int digits = value < 0 ? 2 : 1;
        ulong magnitude = value < 0 ? (ulong)(-(value + 1)) + 1 : (ulong)value;
        while (magnitude >= 10)
        {
            magnitude /= 10;
            digits++;
        }

        return digits;
    }

    /// <summary>Marker telling an integer argument from an empty byte argument.</summary>
    private sealed class Boxed
    {
        public static readonly Boxed Integer = new();
    }
}
