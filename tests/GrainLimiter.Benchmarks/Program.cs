using BenchmarkDotNet.Running;
using GrainLimiter.Benchmarks.Memory;

// "grain-memory [count]": bytes per active grain; anything else goes to BenchmarkDotNet.
if (args is ["grain-memory", ..])
{
    GrainMemory.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(GrainMemory).Assembly).Run(args);
