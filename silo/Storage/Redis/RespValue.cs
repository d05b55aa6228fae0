using System.Text;

namespace GrainLimiter.Silo.Storage.Redis;

/// <summary>The kinds of RESP2 reply.</summary>
public enum RespType : byte
{
    SimpleString,
    Error,
    Integer,
    BulkString,
    Array,
    /// <summary>A null bulk string (<c>$-1</c>) or a null array (<c>*-1</c>).</summary>
    Null,
}

/// <summary>One parsed RESP2 reply. A small struct: the payload is a string, a byte array or an array of replies.</summary>
public readonly struct RespValue
{
    private readonly object? _payload;

    private RespValue(RespType type, object? payload, long integer)
    {
        Type = type;
        _payload = payload;
        Integer = integer;
    }

    public static RespValue Null { get; } = new(RespType.Null, null, 0);

    public RespType Type { get; }

    /// <summary>The value of an integer reply; 0 for other types.</summary>
    public long Integer { get; }

    public bool IsNull => Type == RespType.Null;

    public bool IsError => Type == RespType.Error;

    public static RespValue Simple(string text) => new(RespType.SimpleString, text, 0);

    public static RespValue Error(string message) => new(RespType.Error, message, 0);

    public static RespValue FromInteger(long value) => new(RespType.Integer, null, value);

    public static RespValue Bulk(byte[] bytes) => new(RespType.BulkString, bytes, 0);

    public static RespValue FromArray(RespValue[] items) => new(RespType.Array, items, 0);

    /// <summary>The bytes of a bulk string (or the UTF-8 of a simple string); null for a null reply.</summary>
    public byte[]? AsBytes() => Type switch
    {
        RespType.BulkString => (byte[])_payload!,
        RespType.SimpleString => Encoding.UTF8.GetBytes((string)_payload!),
        RespType.Null => null,
        _ => throw Unexpected("a string"),
    };

    /// <summary>The text of a simple string, bulk string (as UTF-8), integer or error; null for a null reply.</summary>
    public string? AsString() => Type switch
    {
        RespType.SimpleString or RespType.Error => (string)_payload!,
        RespType.BulkString => Encoding.UTF8.GetString((byte[])_payload!),
        RespType.Integer => Integer.ToString(System.Globalization.CultureInfo.InvariantCulture),
        RespType.Null => null,
        _ => throw Unexpected("a string"),
    };

    /// <summary>The integer of an integer reply, or of a bulk string holding digits (as some commands return).</summary>
    public long AsInt64() => Type switch
    {
        RespType.Integer => Integer,
        RespType.BulkString or RespType.SimpleString when long.TryParse(AsString(), System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out long n) => n,
        _ => throw Unexpected("an integer"),
    };

    /// <summary>The items of an array reply; null for a null array.</summary>
    public RespValue[]? AsArray() => Type switch
    {
        RespType.Array => (RespValue[])_payload!,
        RespType.Null => null,
        _ => throw Unexpected("an array"),
    };

    public override string ToString() => Type switch
    {
        RespType.SimpleString => $"+{_payload}",
        RespType.Error => $"-{_payload}",
        RespType.Integer => $":{Integer}",
        RespType.BulkString => $"${((byte[])_payload!).Length} \"{Encoding.UTF8.GetString((byte[])_payload!)}\"",
        RespType.Array => $"*{((RespValue[])_payload!).Length} [{string.Join(", ", (RespValue[])_payload!)}]",
        _ => "(nil)",
    };

    private RedisProtocolException Unexpected(string wanted) =>
        new($"Expected {wanted} reply from Redis, got {Type}: {this}");
}
