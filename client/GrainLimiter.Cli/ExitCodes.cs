namespace GrainLimiter.Cli;

/// <summary>What <c>grainlimiter</c> exits with, for scripts (documented in docs/operations.md, "CLI").</summary>
public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary><c>check</c>: the request would be denied.</summary>
    public const int Denied = 1;

    /// <summary>Bad command line, or input the server or the validator refused.</summary>
    public const int Usage = 2;

    /// <summary>401 or 403: no token, a wrong one, or a read-only token on a write.</summary>
    public const int Auth = 3;

    /// <summary>404: unknown policy, no such override, or admin not enabled on the silo.</summary>
    public const int NotFound = 4;

    /// <summary>The silo could not be reached, did not answer in time, or failed (5xx).</summary>
    public const int Unreachable = 5;
}
