namespace MmuGather.Swarm;

/// <summary>
/// A generated scenario before it is written as YAML: the form the shrinker edits.
/// <see cref="Gather"/> null leaves <c>kernel.gather</c> out (today's gather).
/// </summary>
public sealed record SwarmScenario(string Name, SwarmMachine Machine, IReadOnlyList<SwarmProcess> Processes)
{
    public string? Gather { get; init; }

    /// <summary>Bug switches: never set by the generator; a test or <c>--bugs</c> adds them to show the swarm fails.</summary>
    public IReadOnlyList<string> Bugs { get; init; } = [];

    /// <summary>Processes, threads and steps: the size the shrinker reduces.</summary>
    public int Size => Processes.Sum(p => 1 + p.Threads.Sum(t => 1 + t.Steps.Count));
}
