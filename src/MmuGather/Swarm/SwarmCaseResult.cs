namespace MmuGather.Swarm;

/// <summary>
/// One generated scenario's result. For a failure, <see cref="Shrunk"/> and
/// <see cref="ShrunkFailure"/> are the smallest variant that still fails the same way, and
/// the paths are where both were saved (when the swarm has an output directory).
/// </summary>
public sealed record SwarmCaseResult(int Index, string Arch, SwarmOutcome Outcome, long Interleavings, SwarmFailure? Failure)
{
    public SwarmScenario? Shrunk { get; init; }

    public SwarmFailure? ShrunkFailure { get; init; }

    public string? OriginalPath { get; init; }

    public string? ShrunkPath { get; init; }

    public int ShrinkAttempts { get; init; }
}
