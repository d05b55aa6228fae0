using System.Text;
using GrainLimiter.Silo.Storage.Redis;
using GrainLimiter.Storage;

namespace GrainLimiter.Silo.Tests.Storage.Redis;

public sealed class GrainKeyFormatTests
{
    /// <summary>Pairs chosen to collide under naive schemes: separators, escapes, braces, lone surrogates.</summary>
    public static readonly GrainId[] TrickyIds =
    [
        new("a", "b:c"), new("a:b", "c"), new("a", "b%3Ac"), new("a%3Ab", "c"), new("a", "b%253Ac"),
        new("a", "{b}"), new("a", "%7Bb%7D"), new("a}", "b"), new("a", "}b"), new("", ":"), new(":", ""), new("", ""),
        new("a", "\uD800"), new("a", "\uDC00"), new("a", "\uFFFD"), new("a", "%uD800"), new("a", "😀"), new("a", "\uD83D\uDE00"[..1]),
        new("a", "b\0"), new("a", "b"), new("a", "b\r\n"), new("a", " b"), new("a", "é"), new("a", "e\u0301"),
    ];

    private readonly GrainKeyFormat _format = new("gl", "eu-west");

    [Fact]
    public void KeyHasPrefixRegionAndAHashTagAroundTheGrain() =>
        Assert.Equal("gl:eu-west:{api%3Av1:user%7B1%7D}", _format.ToText(new GrainId("api:v1", "user{1}")));

    [Fact]
    public void DifferentIdsNeverShareAKey()
    {
        string[] keys = [.. TrickyIds.Select(id => Convert.ToHexString(_format.ToBytes(id)))];

        Assert.Equal(TrickyIds.Distinct().Count(), keys.Distinct().Count());
    }

    [Fact]
    public void HashTagIsTheWholeGrainIdentityEvenWithBracesInTheKey()
    {
        foreach (GrainId id in TrickyIds)
        {
            string key = Encoding.UTF8.GetString(_format.ToBytes(id));
            int open = key.IndexOf('{', StringComparison.Ordinal);
            int close = key.IndexOf('}', open + 1);

            Assert.Equal(key.Length - 1, close); // the first '}' after '{' is the last character
        }
    }

    [Theory]
    [InlineData("", "eu")]
    [InlineData("g{l}", "eu")]
    [InlineData("gl", "")]
    [InlineData("gl", "eu:west")]
    [InlineData("gl", "e{u")]
    public void PrefixAndRegionThatWouldBreakTheSchemeAreRefused(string prefix, string region) =>
        Assert.Throws<ArgumentException>(() => new GrainKeyFormat(prefix, region));
}
