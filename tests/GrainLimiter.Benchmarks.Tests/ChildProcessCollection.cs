namespace GrainLimiter.Benchmarks.Tests;

/// <summary>The tests that start silo and redis-server processes run one at a time: each asserts that every process it
/// started is gone at its end (<c>ChildProcess.RunningCount</c>, a count over the whole test process), and on 2 shared
/// cores two clusters starting at once starve each other's start-up.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ChildProcessCollection
{
    public const string Name = "child processes";
}
