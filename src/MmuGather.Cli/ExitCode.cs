namespace MmuGather.Cli;

/// <summary>The process exit codes of <c>mmugather</c>.</summary>
public static class ExitCode
{
    /// <summary>The run finished and every checker held.</summary>
    public const int Clean = 0;

    /// <summary>The run finished and at least one checker fired.</summary>
    public const int Violation = 1;

    /// <summary>Bad input: command line, scenario file (missing, malformed, invalid).</summary>
    public const int BadInput = 2;

    /// <summary>The model itself failed, typically a broken internal invariant (a bug in the simulator).</summary>
    public const int InternalError = 3;
}
