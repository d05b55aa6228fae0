using System.Globalization;
using BenchmarkDotNet.Running;
using GrainLimiter.Benchmarks.Load;
using GrainLimiter.Benchmarks.Load.Bare;
using GrainLimiter.Benchmarks.Memory;

// "load [options]": the load benchmark against the usual alternatives (see LoadSettings.Usage).
// "regions [--rates 200,1000,3000] [--sync-interval 100] [--seconds 5]": global limits across 3 regions (RegionsCommand).
// "grain-memory [count]": bytes per Orleans activation and what deactivation frees.
// "counting-grpc-server <port> <accuracy limit>": the server of the load benchmark's "gRPC alone" row (started by it).
// "grain-cpu [keys] [seconds]": CPU µs and bytes allocated per local grain decision, write-behind included.
// "flood [options]": new keys only against one silo while a steady client checks 100 keys (FloodSettings.Usage).
// "soak [--duration 20m]": a 3-silo cluster on Redis under mixed policies, one silo and Redis restarted (SoakSettings.Usage).
// "adaptive": a static limit vs adaptive ones over a simulated upstream whose capacity drops and recovers (AdaptiveCommand).
// Anything else goes to BenchmarkDotNet.
if (args is ["load", ..])
{
    return await LoadCommand.RunAsync(args[1..]);
}

if (args is ["flood", ..])
{
    return await GrainLimiter.Benchmarks.Flood.FloodCommand.RunAsync(args[1..]);
}

if (args is ["soak", ..])
{
    return await GrainLimiter.Benchmarks.Soak.SoakCommand.RunAsync(args[1..]);
}

if (args is ["regions", ..])
{
    return await GrainLimiter.Benchmarks.Regions.RegionsCommand.RunAsync(args[1..]);
}

if (args is ["adaptive"])
{
    return GrainLimiter.Benchmarks.Adaptive.AdaptiveCommand.Run(Console.Out);
}

if (args is ["grain-memory", ..])
{
    await GrainMemory.RunAsync(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1_000_000);
    return 0;
}

if (args is [CountingLimiterServer.Command, var port, var accuracyLimit])
{
    return await CountingLimiterServer.RunAsync(int.Parse(port, CultureInfo.InvariantCulture), long.Parse(accuracyLimit, CultureInfo.InvariantCulture));
}

if (args is ["grain-cpu", ..])
{
    var numbers = args[1..].Select(static a => int.Parse(a, CultureInfo.InvariantCulture)).ToArray();
    await GrainCpu.RunAsync(numbers.Length > 0 ? numbers[0] : 100_000, numbers.Length > 1 ? numbers[1] : 5);
    return 0;
}

BenchmarkSwitcher.FromAssembly(typeof(GrainMemory).Assembly).Run(args);
return 0;
