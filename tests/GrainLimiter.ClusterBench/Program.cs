using GrainLimiter.ClusterBench;

// Usage: dotnet run -c Release --project tests/GrainLimiter.ClusterBench [-- seconds]
var seconds = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 5;
await Bench.RunAsync(TimeSpan.FromSeconds(seconds));
