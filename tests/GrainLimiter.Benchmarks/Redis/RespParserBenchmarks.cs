using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using GrainLimiter.Silo.Storage.Redis;

namespace GrainLimiter.Benchmarks.Redis;

/// <summary>
/// The RESP2 reply parser on the replies GrainLimiter reads: the fixed-window script's {allowed, remaining, ttl},
/// +OK, an integer, a grain state (GET), an MGET of 100 states, and a reply split across two buffer segments.
/// </summary>
[MemoryDiagnoser]
public class RespParserBenchmarks
{
    private readonly RespParser _parser = new();
    private ReadOnlySequence<byte> _reply;

    [Params("script-reply", "ok", "integer", "state-64B", "mget-100", "split-segments")]
    public string Reply { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        var state = "$64\r\n" + new string('s', 64) + "\r\n";
        var text = Reply switch
        {
            "script-reply" => "*3\r\n:1\r\n:999\r\n:3599123\r\n",
            "ok" => "+OK\r\n",
            "integer" => ":42\r\n",
            "state-64B" => state,
            "mget-100" => "*100\r\n" + string.Concat(Enumerable.Repeat(state, 100)),
            "split-segments" => "*3\r\n:1\r\n:999\r\n:3599123\r\n",
            _ => throw new InvalidOperationException(Reply),
        };
        var bytes = Encoding.ASCII.GetBytes(text);
        _reply = Reply == "split-segments" ? Segment.Split(bytes, bytes.Length / 2) : new ReadOnlySequence<byte>(bytes);
    }

    [Benchmark]
    public RespType Parse()
    {
        var buffer = _reply;
        return _parser.TryParse(ref buffer, out var value) ? value.Type : throw new InvalidOperationException("incomplete");
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        private Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public static ReadOnlySequence<byte> Split(byte[] bytes, int at)
        {
            var first = new Segment(bytes.AsMemory(0, at), 0);
            var second = new Segment(bytes.AsMemory(at), at);
            first.Next = second;
            return new ReadOnlySequence<byte>(first, 0, second, second.Memory.Length);
        }
    }
}
