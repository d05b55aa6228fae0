using BenchmarkDotNet.Running;
using GrainLimiter.Benchmarks.Load;
using GrainLimiter.Benchmarks.Memory;

// "load [options]": the load benchmark against the usual alternatives (see LoadSettings.Usage).
// "regions [--rates 200,1000,3000] [--sync-interval 100] [--seconds 5]": global limits across 3 regions (RegionsCommand).
// "grain-memory [count]": bytes per Orleans activation and what deactivation frees; anything else goes to BenchmarkDotNet.
if (args is ["load", ..])
{
    return await LoadCommand.RunAsync(args[1..]);
}

if (args is ["regions", ..])
{
    return await GrainLimiter.Benchmarks.Regions.RegionsCommand.RunAsync(args[1..]);
}

if (args is ["grain-memory", ..])
{
    await GrainMemory.RunAsync(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000);
    return 0;
}

BenchmarkSwitcher.FromAssembly(typeof(GrainMemory).Assembly).Run(args);
return 0;
