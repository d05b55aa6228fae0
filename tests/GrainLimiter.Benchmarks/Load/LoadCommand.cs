using System.Diagnostics;
using System.Globalization;
using GrainLimiter.Benchmarks.Load.Contenders;
using GrainLimiter.Benchmarks.Load.Processes;
using Spectre.Console;

namespace GrainLimiter.Benchmarks.Load;

/// <summary>
/// The <c>load</c> verb: starts its own silo and redis-server on free loopback ports, drives every contender at the same
/// concurrency under a uniform and a Zipf key distribution, checks hot-key accuracy, draws the scale curve, prints the
/// tables and writes them to results.json and results.md. Every process it started is killed at the end, on failure
/// and on Ctrl-C.
/// </summary>
internal static class LoadCommand
{
    /// <summary>Checks per call of every batched row, GrainLimiter's and Redis' alike.</summary>
    private const int Batch = 100;

    public static async Task<int> RunAsync(string[] args)
    {
        if (!ProcessCommand.TryParse(args, LoadSettings.Usage, LoadSettings.Parse, out var settings, out var exitCode))
        {
            return exitCode;
        }

        if (settings.Pin && !CpuPinning.Active)
        {
            if (CpuPinning.Unavailable(LoadReport.MachineCores()) is { } why)
            {
                Console.Error.WriteLine(why);
                return 2;
            }

            return await CpuPinning.RunPinnedAsync(args).ConfigureAwait(false);
        }

        if (Console.IsOutputRedirected)
        {
            AnsiConsole.Profile.Width = 200; // tables stay one row per line in a log or a file
        }

        return await ProcessCommand.RunAsync(async cancellationToken =>
        {
            var report = await RunAsync(settings, cancellationToken).ConfigureAwait(false);
            report.Print();
            Directory.CreateDirectory(settings.OutputDirectory);
            var json = Path.Combine(settings.OutputDirectory, "results.json");
            var markdown = Path.Combine(settings.OutputDirectory, "results.md");
            await File.WriteAllTextAsync(json, report.ToJson(), CancellationToken.None).ConfigureAwait(false);
            await File.WriteAllTextAsync(markdown, report.ToMarkdown(), CancellationToken.None).ConfigureAwait(false);
            AnsiConsole.MarkupLine($"Written: [bold]{Markup.Escape(json)}[/], [bold]{Markup.Escape(markdown)}[/]");
            return report.Phases.Any(p => p.Errors > 0 && p.Decisions == 0) ? 1 : 0;
        }).ConfigureAwait(false);
    }

    public static async Task<LoadReport> RunAsync(LoadSettings settings, CancellationToken cancellationToken)
    {
        if (settings.Pin != CpuPinning.Active)
        {
            throw new ArgumentException("--pin runs in the process 'load --pin' starts under taskset (CpuPinning.RunPinnedAsync), and only there.");
        }

        var started = Stopwatch.StartNew();
        TimeSpan rowsStarted = default, scaleStarted = default;
        var startedAt = DateTimeOffset.UtcNow;
        var loadBefore = LoadReport.LoadAverage();
        var notes = new List<string>();
        var phases = new List<PhaseResult>();
        var paced = new List<PhaseResult>();
        var accuracy = new List<AccuracyResult>();
        var scale = new List<ScalePoint>();

        await using var redis = RedisServer.Find() is null ? null : await RedisServer.StartAsync(cancellationToken).ConfigureAwait(false);
        if (redis is null)
        {
            notes.Add("redis-server is not installed: the Redis contenders were skipped (apt-get install redis-server).");
        }

        var nodeReady = redis is not null && await FlexibleContender.EnsureInstalledAsync(cancellationToken).ConfigureAwait(false);
        if (redis is not null && !nodeReady)
        {
            notes.Add("node/npm is not installed or npm ci failed: rate-limiter-flexible was skipped.");
        }

        var machine = LoadReport.DescribeMachine(
            redis is null ? null : await redis.InfoAsync("server", "redis_version", cancellationToken).ConfigureAwait(false),
            nodeReady ? await NodeVersionAsync(cancellationToken).ConfigureAwait(false) : null);

        await using (var silo = await SiloProcess.StartAsync(settings.Limits, settings.Keys * 4 + 100_000, cancellationToken).ConfigureAwait(false))
        {
            // Every key of the distributions activated once before any phase, with leases and without: the rows measure
            // decisions on live grains, not the first activation of each key (an Orleans activation costs far more than a decision).
            await using (var preload = new GrpcCheckContender(silo.GrpcAddress, 100, settings.Connections))
            {
                foreach (var limit in (LimitKind[])[LimitKind.Open, LimitKind.OpenUnleased])
                {
                    await ScaleCurve.LoadAsync(settings, preload, KeyDistribution.Uniform(settings.Keys).Keys, 0, limit, cancellationToken)
                        .ConfigureAwait(false);
                }
            }

            if (await SiloWarmUp.RunAsync(silo, settings, KeyDistribution.Uniform(settings.Keys), cancellationToken).ConfigureAwait(false) is { } cold)
            {
                notes.Add($"Before the rows every front of the fresh silo was driven at once for {settings.SiloWarmUpTime.TotalSeconds:0.#} s (--silo-warmup), "
                    + $"so they compare warm servers. Cold, in the first {cold.Seconds:0.#} s of load, "
                    + $"gRPC Check batch 1 did {cold.DecisionsPerSecond:N0} decisions/s "
                    + $"at {cold.ServerCpuUsPerDecision:0.#} µs of silo CPU each (tier-0 and instrumented JIT code, recompiled in the background).");
            }

            var factories = new List<(string Name, Func<Task<Contender>> Create)>
            {
                ("GrainLimiter HTTP /v1/check",
                    () => Task.FromResult<Contender>(new HttpCheckContender(silo.HttpAddress, settings.Concurrency) { Servers = [silo.Process] })),
                ("GrainLimiter gRPC Check, batch 1",
                    () => Task.FromResult<Contender>(new GrpcCheckContender(silo.GrpcAddress, 1, settings.Connections) { Servers = [silo.Process] })),
                ("GrainLimiter Envoy ShouldRateLimit",
                    async () => await EnvoyContender.StartAsync(silo, settings, KeyDistribution.Uniform(settings.Keys).Keys, cancellationToken)
                        .ConfigureAwait(false)),
                ($"GrainLimiter gRPC Check, batch {Batch}",
                    () => Task.FromResult<Contender>(new GrpcCheckContender(silo.GrpcAddress, Batch, settings.Connections) { Servers = [silo.Process] })),
                ("GrainLimiterClient, gRPC transport",
                    async () => await GrainLimiterClientContender.ConnectGrpcAsync(silo, cancellationToken).ConfigureAwait(false)),
                ("GrainLimiter via Orleans client", async () => await OrleansClientContender.ConnectAsync(silo, cancellationToken).ConfigureAwait(false)),
                ("GrainLimiterClient, Orleans transport",
                    async () => await GrainLimiterClientContender.ConnectOrleansAsync(silo, cancellationToken).ConfigureAwait(false)),
                ("GrainLimiter in-process (Orleans local calls)",
                    async () => await LocalGrainContender.StartAsync(settings.Limits, settings.Keys * 2 + 100_000, settings.Keys, cancellationToken)
                        .ConfigureAwait(false)),
                ("gRPC alone (Grpc.AspNetCore, a counter per key)",
                    async () => await CountingGrpcContender.StartAsync(settings, cancellationToken).ConfigureAwait(false)),
                ("Orleans alone (bare counter grain, local calls)",
                    async () => await BareGrainContender.StartAsync(settings.Limits, settings.Keys * 2 + 100_000, settings.Keys, cancellationToken)
                        .ConfigureAwait(false)),
            };
            if (redis is not null)
            {
                factories.Insert(3, ($"GrainLimiter gRPC Check, batch {Batch}, Redis storage",
                    async () => await RedisStorageContender.StartAsync(settings, redis, Batch, cancellationToken).ConfigureAwait(false)));
                foreach (var batch in (int[])[1, Batch])
                {
                    var suffix = batch == 1 ? "" : $", pipelined batch {batch}";
                    factories.Add(($"Redis + Lua, fixed window{suffix}",
                        async () => await RedisLuaContender.ConnectAsync(redis, settings.Connections, batch, sliding: false, settings.Limits, cancellationToken)
                            .ConfigureAwait(false)));
                    factories.Add(($"Redis INCRBY + EXPIRE (envoyproxy/ratelimit style){suffix}",
                        async () => await EnvoyStyleRedisContender.ConnectAsync(redis, settings.Connections, batch, settings.Limits, cancellationToken)
                            .ConfigureAwait(false)));
                }

                factories.Add(("Redis + Lua, sliding window counter",
                    async () => await RedisLuaContender.ConnectAsync(redis, settings.Connections, 1, sliding: true, settings.Limits, cancellationToken)
                        .ConfigureAwait(false)));
            }

            if (nodeReady)
            {
                factories.Add(("rate-limiter-flexible + ioredis (node)",
                    () => Task.FromResult<Contender>(new FlexibleContender(redis!) { Servers = [redis!.Process] })));
            }

            factories.Add(("System.Threading.RateLimiting (in-process)", () => Task.FromResult<Contender>(new RateLimitingContender(settings.Limits))));
            factories.RemoveAll(f => !settings.Runs(f.Name));

            KeyDistribution[] distributions = [KeyDistribution.Uniform(settings.Keys), KeyDistribution.Zipf(settings.Keys, settings.ZipfExponent)];
            rowsStarted = started.Elapsed;
            var hotKey = $"hot-{startedAt.ToUnixTimeMilliseconds()}";
            var attacks = 0;
            await AnsiConsole.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .StartAsync(async progress =>
                {
                    foreach (var (name, create) in factories)
                    {
                        await using var contender = await create().ConfigureAwait(false);
                        // A fresh attack key per row, so no row meets another's leases, cached denials or counters.
                        foreach (var (keys, limit) in Workloads(contender, distributions,
                            () => KeyDistribution.Attack($"attack-{startedAt.ToUnixTimeMilliseconds()}-{attacks++}", settings.AttackLimit)))
                        {
                            var what = $"{name}{(limit == LimitKind.OpenUnleased ? PhaseResult.LeasesOffSuffix : "")} — {keys.Name}";
                            var task = progress.AddTask(Markup.Escape(what), maxValue: (settings.Warmup + settings.Duration).TotalSeconds);
                            var closedLoop = await Tracked(task, () => Phase(contender, settings, keys, limit, cancellationToken)).ConfigureAwait(false);
                            phases.Add(closedLoop);
                            if (settings.PacedAtHalf && settings.Rate is null && !closedLoop.Failed)
                            {
                                var pacedTask = progress.AddTask(Markup.Escape($"{what}, paced"),
                                    maxValue: (settings.PacedWarmup + settings.PacedDuration).TotalSeconds);
                                paced.Add(await Tracked(pacedTask, () => Phase(contender, settings.AtHalfOf(closedLoop), keys, limit, cancellationToken))
                                    .ConfigureAwait(false));
                            }
                        }

                        var accuracyTask = progress.AddTask(Markup.Escape($"{name} — accuracy"), maxValue: 1);
                        accuracy.Add(await contender.AccuracyAsync(settings, $"{hotKey}-{accuracy.Count}", cancellationToken).ConfigureAwait(false));

                        accuracyTask.Value = 1;
                    }

                    scaleStarted = started.Elapsed;
                    if (!settings.SkipScale)
                    {
                        var scaleTask = progress.AddTask("scale curve", maxValue: 1);
                        try
                        {
                            scale = await ScaleCurve.RunAsync(settings, redis, (what, _) => scaleTask.Description = Markup.Escape(what), cancellationToken)
                                .ConfigureAwait(false);
                        }
                        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                        {
                            // The contender tables are still worth writing.
                            notes.Add($"The scale curve failed: {e.GetType().Name}: {e.Message}");
                        }

                        scaleTask.Description = "scale curve";
                        scaleTask.Value = 1;
                    }
                }).ConfigureAwait(false);
        }

        Ranking.Apply(phases);
        notes.Add($"Time: {rowsStarted.TotalSeconds:0} s to start the silo, activate the keys and warm it; "
            + $"{(scaleStarted - rowsStarted).TotalSeconds:0} s for the rows "
            + $"(their own servers' start included); {(started.Elapsed - scaleStarted).TotalSeconds:0} s for the scale curve.");
        notes.AddRange(phases.Where(p => p.RedisWriteCommands is not null)
            .Select(p => $"{p.Contender}, {p.Distribution}: Redis commands while measured: {p.RedisWriteCommands}."));
        notes.AddRange(phases.Concat(paced).Where(p => p.FirstError is not null)
            .Select(p => $"{p.Contender}, {p.Distribution}{(p.PacedCallsPerSecond is null ? "" : ", paced")}: "
                + $"{p.Errors:N0} errors, the first: {p.FirstError}"));
        notes.Add($"Every contender: {settings.Concurrency} calls in flight "
            + $"({settings.Connections} HTTP/2 or Redis connections; HTTP/1.1 one connection per call), "
            + $"{settings.Warmup.TotalSeconds:0.#} s warm-up then {settings.Duration.TotalSeconds:0.#} s measured per distribution; "
            + $"System.Threading.RateLimiting runs one thread per core instead ({Environment.ProcessorCount}). "
            + (settings.PacedAtHalf && settings.Rate is null
                ? $"Then each row that did not fail runs again paced at half the calls/s it reached "
                    + $"({settings.PacedWarmup.TotalSeconds:0.##} s warm-up, {settings.PacedDuration.TotalSeconds:0.#} s measured): "
                    + "its latency table. Latency is of one call (a batch call carries its whole batch), from the actual send; "
                    + "a row below 95 % of its pace could not keep up."
                : ""));
        notes.Add("Server CPU is the CPU time of the row's server processes (silo; redis-server; silo + redis-server with Redis storage) "
            + "over the measured seconds, "
            + "divided by its decisions; decisions per server-core-second is its inverse, the headline figure. "
            + "Each row is ranked against Redis + Lua (fixed window) "
            + $"of its own batching under the same keys: single checks against one EVALSHA per call, "
            + $"a batch of {Batch} against {Batch} EVALSHA in one pipeline. "
            + $"An answer the key's grain did not decide (owner_unreachable, store_unavailable, the client's cluster_unavailable fallback, a deadline) "
            + $"is an error; above {PhaseResult.MaxErrorRate:0.#%} a row is FAILED and not ranked.");
        notes.Add("The open limit is a fixed window of 10^9 per hour (every call decides, none is refused); accuracy uses "
            + $"{settings.AccuracyLimit} per hour on one fresh key, {settings.AccuracyRequests} requests at once.");
        notes.Add($"Leases off: every contender a GrainLimiter silo decides for runs each distribution a second time, right after the first, under the policy "
            + $"'{SiloProcess.OpenUnleasedPolicy}' (the open limit with leases: off, its keys activated beforehand as the open policy's are); "
            + $"those rows end in "
            + $"'{PhaseResult.LeasesOffSuffix[2..]}', and 'Leases on vs off' divides each row by its twin. "
            + $"Not the Envoy row: a descriptor file has no leases setting. "
            + "The Orleans-client and in-process rows call each key's grain directly, never as a lease holder, "
            + "so their ratio shows only the comparison's noise.");
        notes.Add($"Attack: each unbatched contender sends single checks of cost 1 from all its workers to one key of its own (fresh per row), "
            + $"limited to a fixed "
            + $"window of {settings.AttackLimit} per second (GrainLimiter's policy '{SiloProcess.AttackPolicy}' and the Envoy descriptor 'attack'; "
            + $"the Redis scripts, "
            + "System.Threading.RateLimiting and rate-limiter-flexible the same limit per 1 s, "
            + "flexible's window starting at the key's first hit), so nearly every "
            + "call is denied: a denial is a decision (the 'denied' column), not an error. GrainLimiter's fronts may answer those denials themselves until the "
            + "retry-after (cached denials). Batched rows do not run it: GrainLimiter decides a batch all or nothing, so 100 copies of the key would be one "
            + "check of cost 100, and the pipelined Redis rows would have no GrainLimiter row to be ranked against; nor do gRPC alone and Orleans alone, "
            + "whose counters have no window. Attack rows are ranked against Redis + Lua's attack row.");
        if (scale.Count > 0)
        {
            notes.Add("Scale: in-process bytes/key is managed heap growth per Orleans activation after full GCs "
                + "(activation, grain, state, key, directory entry, "
                + "its copy in the in-memory grain storage); silo RSS bytes/key is "
                + "resident-set growth of a fresh silo (an upper bound: it includes GC headroom); "
                + "Redis bytes/key is INFO used_memory growth per fixed-window counter with TTL.");
            if (settings.ScaleKeys.Any(n => n > settings.ScaleClusterMaxKeys))
            {
                notes.Add($"Key counts above {settings.ScaleClusterMaxKeys:N0} were measured in-process only (--scale-cluster-max).");
            }
        }

        return new LoadReport
        {
            StartedAt = startedAt,
            TotalSeconds = started.Elapsed.TotalSeconds,
            Command = settings.CommandLine,
            Machine = machine,
            LoadAverageBefore = loadBefore,
            LoadAverageAfter = LoadReport.LoadAverage(),
            Layout = CpuPinning.Description,
            Settings = new Dictionary<string, string>
            {
                ["duration"] = $"{settings.Duration.TotalSeconds:0.#} s",
                ["warmup"] = $"{settings.Warmup.TotalSeconds:0.#} s",
                ["silo warm-up"] = $"{settings.SiloWarmUpTime.TotalSeconds:0.#} s",
                ["concurrency"] = settings.Concurrency.ToString(CultureInfo.InvariantCulture),
                ["connections"] = settings.Connections.ToString(CultureInfo.InvariantCulture),
                ["keys"] = settings.Keys.ToString("N0", CultureInfo.InvariantCulture),
                ["zipf"] = settings.ZipfExponent.ToString("0.##", CultureInfo.InvariantCulture),
                ["pin"] = settings.Pin ? "yes" : "no",
                ["load"] = settings.Rate is { } rate ? $"paced at {rate.ToString("N0", CultureInfo.InvariantCulture)} calls/s" : "closed loop",
            },
            Phases = phases,
            Paced = paced,
            Accuracy = accuracy,
            Scale = scale,
            Notes = notes,
        };
    }

    /// <summary>The phases a contender runs, in order: each distribution under the open limit, then (GrainLimiter silos) the
    /// same again with leases off, right after it so the two compare the same moment of the run; then (unbatched) the attack.</summary>
    private static IEnumerable<(KeyDistribution Keys, LimitKind Limit)> Workloads(Contender contender, KeyDistribution[] distributions,
        Func<KeyDistribution> attack)
    {
        foreach (var keys in distributions)
        {
            yield return (keys, LimitKind.Open);
            if (contender.RunsLeasesOff)
            {
                yield return (keys, LimitKind.OpenUnleased);
            }
        }

        if (contender.RunsAttack)
        {
            yield return (attack(), LimitKind.Attack);
        }
    }

    /// <summary>The row's name: the contender's, marked when leases were off.</summary>
    private static string RowName(Contender contender, LimitKind limit) =>
        contender.Name + (limit == LimitKind.OpenUnleased ? PhaseResult.LeasesOffSuffix : "");

    private static async Task<PhaseResult> Phase(Contender contender, LoadSettings settings, KeyDistribution keys, LimitKind limit,
        CancellationToken cancellationToken)
    {
        try
        {
            return await contender.RunAsync(settings, keys, limit, cancellationToken).ConfigureAwait(false) with { Contender = RowName(contender, limit) };
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            return new PhaseResult
            {
                Contender = RowName(contender, limit), Distribution = keys.Label, PacedCallsPerSecond = settings.Rate, Errors = 1,
                FirstError = $"{e.GetType().Name}: {e.Message}",
            };
        }
    }

    private static async Task<T> Tracked<T>(ProgressTask task, Func<Task<T>> run)
    {
        var watch = Stopwatch.StartNew();
        var pending = run();
        while (!pending.IsCompleted)
        {
            task.Value = Math.Min(task.MaxValue, watch.Elapsed.TotalSeconds);
            await Task.WhenAny(pending, Task.Delay(250)).ConfigureAwait(false);
        }

        task.Value = task.MaxValue;
        return await pending.ConfigureAwait(false);
    }

    private static async Task<string?> NodeVersionAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var node = ChildProcess.Start("node --version", "node", ["--version"]);
            await node.WaitForExitAsync(TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
            return node.Output.Trim();
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
