namespace MmuGather.Swarm;

/// <summary>A generated thread: the CPUs it may run on (one: <c>cpu: N</c>; more: <c>cpus: [...]</c>, starting on the first) and its steps.</summary>
public sealed record SwarmThread(IReadOnlyList<int> Cpus, IReadOnlyList<SwarmStep> Steps);
