using System.Text;

namespace GrainLimiter.Silo.Fronts.Envoy;

/// <summary>Grain keys built from what Envoy sends (descriptor entries, bucket ids): parts joined by <c>|</c> and
/// <c>=</c>, escaped so two different inputs never make the same key.</summary>
internal static class EnvoyKeys
{
    public static StringBuilder Append(StringBuilder builder, string value)
    {
        foreach (var c in value)
        {
            _ = c switch
            {
                '%' => builder.Append("%25"),
                '|' => builder.Append("%7C"),
                '=' => builder.Append("%3D"),
                _ => builder.Append(c),
            };
        }

        return builder;
    }

    /// <summary><c>|key=value</c>.</summary>
    public static StringBuilder AppendEntry(StringBuilder builder, string key, string value) =>
        Append(Append(builder.Append('|'), key).Append('='), value);
}
