using System.Buffers;
using System.Text;
using GrainLimiter.Storage;

namespace GrainLimiter.Silo.Storage.Redis;

/// <summary>
/// Redis key of a grain's state: <c>{prefix}:{region}:{{policy}:{key}}</c>, e.g. <c>gl:eu-west:{api%3Av1:user-42}</c>.
/// </summary>
/// <remarks>
/// <para>The braces are a Redis Cluster hash tag around the grain identity: every key that belongs to one grain (its
/// state today, per-region counters later) lands in the same slot, while different grains spread over all slots.
/// Prefix and region sit outside the tag and may not contain braces; the region may not contain ':'.</para>
/// <para>Policy and key may hold any characters. Inside the tag <c>%</c>, <c>:</c>, <c>{</c> and <c>}</c> are written as
/// <c>%25</c>, <c>%3A</c>, <c>%7B</c>, <c>%7D</c>, and an unpaired UTF-16 surrogate as <c>%uXXXX</c>; everything
/// else as UTF-8. The encoding is injective, so two different (policy, key) pairs never share a Redis key, and
/// the tag cannot be closed early by a <c>}</c> in a user's key.</para>
/// </remarks>
internal sealed class GrainKeyFormat
{
    private readonly byte[] _head;

    public GrainKeyFormat(string prefix, string region)
    {
        if (string.IsNullOrEmpty(prefix) || prefix.AsSpan().IndexOfAny('{', '}') >= 0)
        {
            throw new ArgumentException($"Redis key prefix '{prefix}' must be non-empty and free of '{{' and '}}'.", nameof(prefix));
        }

        if (string.IsNullOrEmpty(region) || region.AsSpan().IndexOfAny("{}:") >= 0)
        {
            throw new ArgumentException($"Redis key region '{region}' must be non-empty and free of '{{', '}}' and ':'.", nameof(region));
        }

        _head = Encoding.UTF8.GetBytes($"{prefix}:{region}:{{");
    }

    public byte[] ToBytes(GrainId id)
    {
        var buffer = new ArrayBufferWriter<byte>(_head.Length + id.Policy.Length + id.Key.Length + 8);
        Write(buffer, id);
        return buffer.WrittenSpan.ToArray();
    }

    public string ToText(GrainId id) => Encoding.UTF8.GetString(ToBytes(id));

    /// <summary>Appends the key's bytes to <paramref name="output"/> (no allocation).</summary>
    public void Write(IBufferWriter<byte> output, GrainId id)
    {
        output.Write(_head);
        WriteEscaped(output, id.Policy);
        output.Write(":"u8);
        WriteEscaped(output, id.Key);
        output.Write("}"u8);
    }

    private static void WriteEscaped(IBufferWriter<byte> output, string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            switch (c)
            {
                case '%':
                    output.Write("%25"u8);
                    continue;
                case ':':
                    output.Write("%3A"u8);
                    continue;
                case '{':
                    output.Write("%7B"u8);
                    continue;
                case '}':
                    output.Write("%7D"u8);
                    continue;
            }

            if (c < 0x80)
            {
                output.GetSpan(1)[0] = (byte)c;
                output.Advance(1);
            }
            else if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                int written = new Rune(c, text[i + 1]).EncodeToUtf8(output.GetSpan(4));
                output.Advance(written);
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                Span<byte> span = output.GetSpan(6);
                "%u"u8.CopyTo(span);
                ((int)c).TryFormat(span[2..], out _, "X4", System.Globalization.CultureInfo.InvariantCulture);
                output.Advance(6);
            }
            else
            {
                int written = new Rune(c).EncodeToUtf8(output.GetSpan(4));
                output.Advance(written);
            }
        }
    }
}
