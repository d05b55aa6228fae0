namespace GrainLimiter.Silo.Runtime.Placement;

/// <summary>Maps keys to members by consistent hashing with virtual nodes: adding the Nth member moves about 1/N of the keys.</summary>
/// <remarks>Immutable: a membership change builds a new ring. Every process builds the same ring from the same members.</remarks>
public sealed class ConsistentHashRing<TMember> where TMember : notnull
{
    public const int DefaultVirtualNodes = 2048;

    private readonly ulong[] _points;
    private readonly TMember[] _owners;

    /// <param name="members">The members; their <paramref name="name"/> must be unique and stable (e.g. the silo address).</param>
    public ConsistentHashRing(IEnumerable<TMember> members, Func<TMember, string> name, int virtualNodes = DefaultVirtualNodes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(virtualNodes, 1);
        Members = members.ToArray();
        var points = new List<(ulong Point, TMember Owner)>(Members.Count * virtualNodes);
        foreach (var member in Members)
        {
            var memberName = name(member);
            for (var i = 0; i < virtualNodes; i++)
            {
                points.Add((StableHash.Of(memberName, i.ToString(System.Globalization.CultureInfo.InvariantCulture)), member));
            }
        }

        // Ties (vanishingly rare) break by name so every process orders them alike.
        points.Sort((a, b) => a.Point != b.Point ? a.Point.CompareTo(b.Point) : string.CompareOrdinal(name(a.Owner), name(b.Owner)));
        _points = points.Select(p => p.Point).ToArray();
        _owners = points.Select(p => p.Owner).ToArray();
    }

    public IReadOnlyList<TMember> Members { get; }

    public bool IsEmpty => _points.Length == 0;

    /// <summary>The member owning <paramref name="hash"/>: the first point clockwise from it.</summary>
    public TMember OwnerOf(ulong hash)
    {
        if (_points.Length == 0)
        {
            throw new InvalidOperationException("The ring has no members.");
        }

        var index = Array.BinarySearch(_points, hash);
        if (index < 0)
        {
            index = ~index;
        }

        return _owners[index == _points.Length ? 0 : index];
    }
}
