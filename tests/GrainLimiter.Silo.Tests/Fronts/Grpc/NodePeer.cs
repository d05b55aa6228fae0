using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using GrainLimiter.Silo.Tests.Fixtures;

namespace GrainLimiter.Silo.Tests.Fronts.Grpc;

/// <summary>Runs a script of tests/node (a real gRPC peer: @grpc/grpc-js, or node's raw http2) and returns its JSON output.</summary>
public static class NodePeer
{
    public static readonly string NodeDirectory = Path.Combine(Repository.Root, "tests", "node");

    public static async Task<JsonArray> RunAsync(string script, object input, TimeSpan? timeout = null)
    {
        if (!Directory.Exists(Path.Combine(NodeDirectory, "node_modules", "@grpc", "grpc-js")))
        {
            throw new InvalidOperationException($"Node packages are missing: run 'npm ci --prefix tests/node' in {Repository.Root}.");
        }

        var start = new ProcessStartInfo("node", [Path.Combine(NodeDirectory, script)])
        {
            WorkingDirectory = NodeDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        var stdout = process.StandardOutput.ReadToEndAsync(cts.Token);
        var stderr = process.StandardError.ReadToEndAsync(cts.Token);
        await process.StandardInput.WriteAsync(JsonSerializer.Serialize(input));
        process.StandardInput.Close();
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"node {script} did not finish in time.");
        }

        var output = await stdout;
        Assert.True(process.ExitCode == 0, $"node {script} failed ({process.ExitCode}): {await stderr}");
        return JsonNode.Parse(output)!.AsArray();
    }
}
