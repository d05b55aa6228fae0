using GrainLimiter.Silo;

// A bad policy file, Envoy file or setting is printed as what to fix (exit 2); anything else crashes as a bug would.
return await StartupProblems.RunAsync(() => SiloApp.Build(args).RunAsync(), Console.Error);
