using System.Globalization;
using System.Text;

namespace GrainLimiter.Benchmarks.Load;

/// <summary>The two-column "measure | value" markdown table the flood and soak reports open with.</summary>
internal static class MeasureTable
{
    public static void AppendTo(StringBuilder markdown, IEnumerable<(string Name, string Value)> rows)
    {
        markdown.AppendLine("| measure | value |");
        markdown.AppendLine("|---|---:|");
        foreach (var (name, value) in rows)
        {
            markdown.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {value} |");
        }
    }
}
