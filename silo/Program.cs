using GrainLimiter.Silo;

var app = SiloApp.Build(args);
await app.RunAsync();
